"""The citizen shell: home, log-in, registration, password reset, profile, my hall and the message centre."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from approvals.selectors import bundles as bundle_selectors
from approvals.selectors import cases as case_selectors
from approvals.selectors import catalogue as approval_selectors
from approvals.selectors import sharing as sharing_selectors
from approvals.signals import CATALOGUE_CACHE
from departments import access
from departments import selectors as department_selectors
from hall import selectors
from hall import services as hall_services
from hall.forms import (
    EmailForm,
    LoginForm,
    MobileForm,
    NotificationPreferencesForm,
    PasswordResetVerifyForm,
    ProfilePasswordForm,
    RegisterStartForm,
    RegisterVerifyForm,
)
from portal import accounts, elder, ratelimit, services
from portal.cache import cache_page_for_anonymous
from portal.params import safe_next
from portal.validators import mask_mobile

# The flow state of the two SMS flows lives in the session, never in hidden fields.
REGISTER_SESSION_KEY = "portal.register"
PASSWORD_RESET_SESSION_KEY = "portal.password_reset"  # noqa: S105 - a session key


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


def preference_toggle(view):
    """Accept the header's language and elder-mode buttons: POST only, CSRF-checked for a signed-in person.

    Both are POST forms, so that following a link (or a prefetch, or a crawler) changes nothing.
    For an anonymous visitor the header belongs to a page served from the shared page cache
    (portal/cache.py) and can hold no CSRF token; the toggle then changes only that browser's
    cookie or session, the worst a forged cross-site POST could do is switch a stranger's
    display, and SameSite=Lax keeps the session cookie out of such a POST anyway. A signed-in
    person's header is rendered for them alone and carries a token: only with a valid token is
    the preference stored on the account.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return protected(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return csrf_exempt(require_POST(wrapper))


@preference_toggle
def language(request, code: str):
    """Switch the interface language and go back to the page the visitor was on."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponseRedirect(safe_next(request, request.POST.get("next")))
    if request.user.is_authenticated and request.user.language != code:
        # Messages, e-mails and text messages follow the language the person reads the portal in.
        services.preferences_save(
            user=request.user,
            language=code,
            notify_by_email=request.user.notify_by_email,
            notify_by_sms=request.user.notify_by_sms,
        )
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


def _throttled_message(exc: accounts.VerificationThrottled) -> str:
    if exc.scope == "ip":
        minutes = max(1, -(-exc.retry_after // 60))
        return _("Too many codes were asked for from your network. Try again in %(minutes)d minutes.") % {
            "minutes": minutes
        }
    return _("A code was sent less than a minute ago. Wait %(seconds)d seconds before asking again.") % {
        "seconds": exc.retry_after
    }


def _add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's field-keyed errors on the form; keys the form lacks become form-wide errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _resend_code(request, *, mobile: str, purpose: str) -> None:
    try:
        accounts.verification_send(mobile=mobile, purpose=purpose, ip=ratelimit.client_ip(request))
    except accounts.VerificationThrottled as exc:
        messages.warning(request, _throttled_message(exc))
    else:
        messages.success(request, _("A new code is on its way."))


def register(request):
    """Registration, step 1: the kind of account and the mobile number; text a code to it."""
    if request.user.is_authenticated:
        return redirect("portal:me")
    form = RegisterStartForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        mobile, kind = form.cleaned_data["mobile"], form.cleaned_data["kind"]
        state = request.session.get(REGISTER_SESSION_KEY) or {}
        try:
            accounts.verification_send(
                mobile=mobile, purpose=accounts.Purpose.REGISTER, ip=ratelimit.client_ip(request)
            )
        except accounts.VerificationThrottled as exc:
            if exc.scope == "mobile" and state.get("mobile") == mobile:
                # The visitor came back to step 1 with the number just texted: the code stands.
                request.session[REGISTER_SESSION_KEY] = {"kind": kind, "mobile": mobile}
                return redirect("portal:register_verify")
            form.add_error(None, _throttled_message(exc))
        else:
            request.session[REGISTER_SESSION_KEY] = {"kind": kind, "mobile": mobile}
            return redirect("portal:register_verify")
    return render(request, "portal/account_register.html", {"form": form})


def register_verify(request):
    """Registration, step 2: the code, the name, the certificate number and a password."""
    if request.user.is_authenticated:
        return redirect("portal:me")
    state = request.session.get(REGISTER_SESSION_KEY)
    if not state:
        return redirect("portal:register")
    kind, mobile = state["kind"], state["mobile"]
    if request.method == "POST" and "resend" in request.POST:
        _resend_code(request, mobile=mobile, purpose=accounts.Purpose.REGISTER)
        return redirect("portal:register_verify")
    form = RegisterVerifyForm(request.POST if request.method == "POST" else None, kind=kind, mobile=mobile)
    if form.is_bound and form.is_valid():
        try:
            user = accounts.account_register(
                kind=kind,
                mobile=mobile,
                code=form.cleaned_data["code"],
                real_name=form.cleaned_data["real_name"],
                cert_number=form.cleaned_data["cert_number"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            del request.session[REGISTER_SESSION_KEY]
            login(request, user, backend="portal.backends.MobileOrUsernameBackend")
            messages.success(request, _("Welcome, %(name)s: your account is ready.") % {"name": user.real_name})
            return redirect("portal:me")
    context = {"form": form, "mobile_masked": mask_mobile(mobile), "enterprise": kind == "enterprise"}
    return render(request, "portal/account_register_verify.html", context)


def password_reset(request):
    """Password reset, step 1: the mobile number. The reply never says whether it has an account."""
    form = MobileForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            accounts.verification_send(
                mobile=mobile, purpose=accounts.Purpose.PASSWORD_RESET, ip=ratelimit.client_ip(request)
            )
        except accounts.VerificationThrottled as exc:
            form.add_error(None, _throttled_message(exc))
        else:
            request.session[PASSWORD_RESET_SESSION_KEY] = {"mobile": mobile}
            return redirect("portal:password_reset_verify")
    return render(request, "portal/password_reset.html", {"form": form})


def password_reset_verify(request):
    """Password reset, step 2: the code and the new password; every session of the account ends."""
    state = request.session.get(PASSWORD_RESET_SESSION_KEY)
    if not state:
        return redirect("portal:password_reset")
    mobile = state["mobile"]
    if request.method == "POST" and "resend" in request.POST:
        _resend_code(request, mobile=mobile, purpose=accounts.Purpose.PASSWORD_RESET)
        return redirect("portal:password_reset_verify")
    form = PasswordResetVerifyForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = accounts.password_reset_by_mobile(
                mobile=mobile, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if request.user.is_authenticated and request.user.pk == user.pk:
                logout(request)
            else:
                del request.session[PASSWORD_RESET_SESSION_KEY]
            messages.success(request, _("Your password has been changed. Log in with the new password."))
            return redirect("portal:login")
    return render(request, "portal/password_reset_verify.html", {"form": form, "mobile_masked": mask_mobile(mobile)})


@login_required
def profile(request):
    """Show the account (numbers masked), change the e-mail address or the password, end other sessions."""
    email_form = EmailForm(initial={"email": request.user.email})
    password_form = ProfilePasswordForm(request.user)
    if request.method == "POST" and "change_password" in request.POST:
        password_form = ProfilePasswordForm(request.user, request.POST)
        if password_form.is_valid():
            user = accounts.account_password_set(
                user=request.user, password=password_form.cleaned_data["new_password1"]
            )
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:profile")
    elif request.method == "POST" and "end_sessions" in request.POST:
        user = accounts.account_end_other_sessions(user=request.user)
        update_session_auth_hash(request, user)
        messages.success(request, _("You have been logged out on every other device and browser."))
        return redirect("portal:profile")
    elif request.method == "POST":
        email_form = EmailForm(request.POST)
        if email_form.is_valid():
            accounts.account_email_change(user=request.user, email=email_form.cleaned_data["email"])
            messages.success(request, _("Your e-mail address has been saved."))
            return redirect("portal:profile")
    context = {
        "email_form": email_form,
        "password_form": password_form,
        # Staff who log in with two factors see how many recovery codes they have left.
        "recovery_codes_left": (
            selectors.recovery_code_count(user=request.user) if selectors.totp_device_get(user=request.user) else None
        ),
    }
    return render(request, "portal/account_profile.html", context)


@login_required
def me(request):
    """Render "my hall": the applicant's profile (numbers masked) and latest messages."""
    context = {
        "my_cases": case_selectors.my_hall_cases(user=request.user),
        "bundle_applications": bundle_selectors.bundle_application_list_for_applicant(user=request.user),
        "data_reads": sharing_selectors.sharing_log_for_subject(user=request.user),
        "latest_messages": selectors.message_list(user=request.user)[:5],
        "memberships": department_selectors.membership_list(user=request.user),
    }
    return render(request, "portal/me.html", context)


@login_required
def message_list(request):
    """The message centre: my messages, and for staff the inboxes of their departments."""
    box = "department" if request.GET.get("box") == "department" else "mine"
    has_inbox = bool(access.roles_held(request.user) - {"supervisor"})
    if box == "department" and not has_inbox:
        box = "mine"
    items = (
        selectors.department_inbox(user=request.user)
        if box == "department"
        else selectors.message_list(user=request.user)
    )
    context = {
        "page": Paginator(items, 20).get_page(request.GET.get("page")),
        "box": box,
        "has_inbox": has_inbox,
        "inbox_unread": selectors.department_inbox_unread_count(user=request.user) if has_inbox else 0,
    }
    return render(request, "portal/message_list.html", context)


@login_required
def message_detail(request, pk: int):
    """Show one of the user's messages, or one of their departments' (taking it), and mark it read."""
    message = selectors.message_get(user=request.user, message_id=pk)
    if message is None:
        raise Http404
    if message.read_at is None:
        hall_services.message_mark_read(user=request.user, message_id=message.pk)
        message = selectors.message_get(user=request.user, message_id=pk)
    return render(request, "portal/message_detail.html", {"message": message})


@login_required
def message_preferences(request):
    """Choose the language of messages and whether they also come by e-mail and text message."""
    user = request.user
    form = NotificationPreferencesForm(
        request.POST or None,
        initial={
            "language": user.language or settings.LANGUAGE_CODE,
            "notify_by_email": user.notify_by_email,
            "notify_by_sms": user.notify_by_sms,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=user, **form.cleaned_data)
        messages.success(request, _("Your message settings have been saved."))
        return redirect("portal:message_preferences")
    return render(request, "portal/message_preferences.html", {"form": form})


@login_required
@require_POST
def message_read_all(request):
    count = hall_services.message_mark_read(user=request.user)
    messages.success(request, _("%(count)d messages marked as read.") % {"count": count})
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), default=reverse("portal:message_list")))


@preference_toggle
def elder_mode(request, state: str):
    """Switch elder mode (large text, high contrast) on or off and go back to the page.

    The choice lasts for the session and, for a logged-in person, is kept on the account.
    """
    if state not in {"on", "off"}:
        raise Http404
    active = state == "on"
    request.session[elder.SESSION_KEY] = active
    if request.user.is_authenticated:
        services.elder_mode_save(user=request.user, active=active)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next")))


def lockout(request, original_response=None, credentials=None):
    """The page django-axes answers with (HTTP 429) while a username and address are locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "portal/lockout.html", {"cooloff_minutes": minutes}, status=429)


def csrf_failure(request, reason: str = ""):
    """The page a form gets whose CSRF token is missing or stale (``CSRF_FAILURE_VIEW``), in place of a bare 403."""
    return render(request, "portal/csrf_failure.html", status=403)
