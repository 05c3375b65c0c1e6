"""Pages of electronic licences: the wallet, the material library, the printable licence, verification, revocation."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from approvals.forms.licences import RevokeForm, VerifyForm
from approvals.models import Licence
from approvals.selectors import cases
from approvals.selectors import licences as selectors
from approvals.services import licences as services
from departments.access import DECIDING_ROLES
from departments.decorators import membership_required
from portal import ratelimit

WALLET_PAGE_SIZE = 50
STAFF_PAGE_SIZE = 25
VERIFY_LIMIT = 30
VERIFY_WINDOW_SECONDS = 600

# Labels of the keys ``licence_issue_for_case`` copies from the application into ``Licence.data``.
DATA_LABELS = {
    "name": gettext_lazy("Name"),
    "shop_name": gettext_lazy("Shop name"),
    "address": gettext_lazy("Address"),
    "business_scope": gettext_lazy("Business scope"),
    "legal_representative": gettext_lazy("Legal representative"),
}


# --- helpers -------------------------------------------------------------------------------


def mask_holder_name(name: str) -> str:
    """Return the first character of ``name`` and a fixed ``**``, so the mask does not tell the name's length."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def licence_verify_url(request, licence: Licence) -> str:
    """Return the absolute URL of the public verification page for ``licence`` (what its QR code encodes)."""
    query = urlencode({"code": licence.verification_code})
    return request.build_absolute_uri(f"{reverse('approvals:licence_verify')}?{query}")


def qr_svg(data: str, *, title: str = "") -> str:
    """Return ``data`` as an inline SVG QR code (error correction M), with no inline style for the CSP.

    The markup comes from segno alone (our title is escaped by it), so it is safe to mark safe.
    """
    svg = segno.make(data, error="m").svg_inline(
        scale=4, border=2, dark="#000", title=title or None, svgclass="licence-qr", lineclass=None
    )
    if "style" in svg:  # an inline style would be blocked by the Content Security Policy
        raise ValueError("segno produced an inline style")
    return svg


def _data_rows(licence: Licence) -> list[tuple[str, str]]:
    return [(DATA_LABELS.get(key, key), value) for key, value in (licence.data or {}).items() if value]


def _page(request, queryset, size: int):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


# --- the citizen's wallet ------------------------------------------------------------------


@login_required
def wallet_licences(request):
    """List the user's licences with their status (the same few queries whatever their number)."""
    licences = selectors.licence_list_for_holder(user=request.user)
    return render(request, "approvals/wallet_licences.html", {"page": _page(request, licences, WALLET_PAGE_SIZE)})


@login_required
def wallet_materials(request):
    """List the files the user uploaded to earlier cases, newest first, with the case each came from."""
    rows = cases.case_material_list_for_applicant(user=request.user)
    return render(request, "approvals/wallet_materials.html", {"page": _page(request, rows, WALLET_PAGE_SIZE)})


# --- the licence and its verification ------------------------------------------------------


@login_required
def licence_detail(request, pk: int):
    """Show the printable licence to its holder, the issuing department's staff and supervisors."""
    licence = selectors.licence_get_for_user(user=request.user, licence_id=pk)
    if licence is None:
        raise Http404
    verify_url = licence_verify_url(request, licence)
    context = {
        "licence": licence,
        "data_rows": _data_rows(licence),
        "verify_url": verify_url,
        # segno writes the whole SVG and escapes the title (see qr_svg): safe to mark safe.
        "qr": mark_safe(qr_svg(verify_url, title=_("QR code: verify this licence online"))),  # noqa: S308  # nosec B308 B703
        "is_holder": licence.holder_id == request.user.pk,
    }
    return render(request, "approvals/licence_detail.html", context)


@never_cache
def licence_verify(request):
    """Tell anyone with a verification code whether the licence is valid, expired, revoked or unknown.

    The holder's name is masked to its first character followed by a fixed ``**``
    (重庆山城餐饮管理有限公司 → 重**): enough to match a paper copy, not enough to learn who
    holds it or even how long the name is. An unknown code says only "unknown". Look-ups are
    limited to 30 per client address per 10 minutes; more get HTTP 429.
    """
    form = VerifyForm(request.GET if "code" in request.GET else None)
    context = {"form": form, "result": None, "licence": None}
    if form.is_bound and form.is_valid():
        if not ratelimit.hit(
            key=f"licence-verify:{ratelimit.client_ip(request)}",
            limit=VERIFY_LIMIT,
            window_seconds=VERIFY_WINDOW_SECONDS,
        ):
            messages.error(request, _("Too many look-ups from this address. Try again in 10 minutes."))
            return render(request, "approvals/licence_verify.html", context, status=429)
        licence = services.licence_verify(code=form.cleaned_data["code"])
        context["result"] = licence.status if licence else "unknown"
        context["licence"] = licence
        context["holder_masked"] = mask_holder_name(licence.holder_name) if licence else ""
    return render(request, "approvals/licence_verify.html", context)


# --- the issuing department ----------------------------------------------------------------


@membership_required()
def staff_licences(request):
    """List the licences the user's departments issued, newest first, searchable by number, with revoke forms."""
    access = cases.access_for(request.user)
    query = (request.GET.get("q") or "").strip()[:50]
    page = _page(request, selectors.licence_list_for_staff(access=access, query=query), STAFF_PAGE_SIZE)
    back = request.GET.urlencode()
    for licence in page:
        may_revoke = bool(access.departments.get(licence.issuing_department_id, frozenset()) & DECIDING_ROLES)
        licence.revoke_form = (
            RevokeForm(initial={"back": back}, auto_id=f"revoke-{licence.pk}-%s")
            if may_revoke and not licence.revoked_at
            else None
        )
    context = {
        "page": page,
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
        "has_departments": bool(access.departments),
        "department_names": [d.name for d in cases.membership_departments(access)] if access.departments else [],
    }
    return render(request, "approvals/licence_staff_list.html", context)


@membership_required()
@require_POST
def licence_revoke(request, pk: int):
    """Revoke a licence of one of the user's departments; the service checks the role and the reason."""
    access = cases.access_for(request.user)
    if not selectors.licence_exists_for_staff(access=access, licence_id=pk):
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            licence = services.licence_revoke(licence_id=pk, actor=request.user, reason=form.cleaned_data["reason"])
        except services.LicenceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Licence %(number)s revoked.") % {"number": licence.number})
    back = QueryDict(request.POST.get("back", "")).urlencode()
    url = reverse("approvals:staff_licences")
    return redirect(f"{url}?{back}" if back else url)
