"""The citizen shell: home, log-in, my hall and the message centre."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import selectors as approval_selectors
from approvals.signals import CATALOGUE_CACHE
from departments import selectors as department_selectors
from portal import selectors, services
from portal.cache import cache_page_for_anonymous
from portal.forms import LoginForm


@cache_page_for_anonymous(CATALOGUE_CACHE)
def home(request):
    """Render the landing page: live catalogue figures, popular items, life events and regions."""
    coverage = list(department_selectors.region_coverage())
    context = {
        "regions": coverage,
        "region_count": len(coverage),
        "department_count": department_selectors.department_count(),
        "headline": approval_selectors.catalogue_headline(),
        "popular": approval_selectors.popular_implementations(limit=8),
        "themes": approval_selectors.theme_list(),
    }
    return render(request, "portal/home.html", context)


def language(request, code: str):
    """Switch the interface language and go back to the page the visitor was on.

    A plain link (not a form) so that cached anonymous pages carry no CSRF token.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True


@login_required
def me(request):
    """Render "my hall": the applicant's profile (numbers masked) and latest messages."""
    context = {
        "latest_messages": selectors.message_list(user=request.user)[:5],
        "memberships": department_selectors.membership_list(user=request.user),
    }
    return render(request, "portal/me.html", context)


@login_required
def message_list(request):
    page = Paginator(selectors.message_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/message_list.html", {"page": page})


@login_required
def message_detail(request, pk: int):
    """Show one of the user's own messages and mark it read."""
    message = selectors.message_get(user=request.user, message_id=pk)
    if message is None:
        raise Http404
    if message.read_at is None:
        services.message_mark_read(user=request.user, message_id=message.pk)
    return render(request, "portal/message_detail.html", {"message": message})


@login_required
@require_POST
def message_read_all(request):
    count = services.message_mark_read(user=request.user)
    messages.success(request, _("%(count)d messages marked as read.") % {"count": count})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "portal:message_list"
    return redirect(target)
