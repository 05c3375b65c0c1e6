"""Two-factor log-in (TOTP, django-otp) for every staff, supervisor and admin account.

After the password, such an account must enter a code from its authenticator app before it
can open any page — the admin site included. The first time, it enrols: the page shows a QR
code and the secret, and the first correct code confirms the device. A code is accepted once
(django-otp keeps the last time step used, and the device row is locked while checking, so
two requests with one code cannot both pass); failures slow down the next try.

Enrolment also gives ten recovery codes (django-otp static tokens) for a lost phone. They
are shown once, in the response that confirms the device, and never again; each opens the
two-factor step once; making new ones on the account page invalidates the old ones. Every
step is audited.

This module holds the middleware, the forms and the pages; the devices are read through
``hall.selectors`` and every write (a code checked, the enrolment confirmed, recovery codes
made or used) is a service of ``hall.services``.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from departments import access
from hall import forms, selectors, services
from portal.params import safe_next

NEXT_SESSION_KEY = "portal.2fa_next"
PENDING_KEY_SESSION_KEY = "portal.2fa_pending_key"


def needs_second_factor(user) -> bool:
    """Staff, supervisors and admins: anyone with admin access or an active post in a department."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return access.holds_any_post(user)


class TwoFactorMiddleware:
    """Send a signed-in account that needs a second factor, and has not given it, to the code page."""

    ALLOWED = ("portal:two_factor_verify", "portal:two_factor_setup", "portal:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.STAFF_2FA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(settings.STATIC_URL)
            and needs_second_factor(user)
        ):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith("/language/"):
                if request.method == "GET":
                    request.session[NEXT_SESSION_KEY] = request.get_full_path()
                target = (
                    "portal:two_factor_verify" if selectors.totp_device_get(user=user) else "portal:two_factor_setup"
                )
                return redirect(target)
        return self.get_response(request)


def _next(request) -> str:
    return safe_next(request, request.session.pop(NEXT_SESSION_KEY, ""), default=reverse(settings.LOGIN_REDIRECT_URL))


@login_required
def two_factor_verify(request):
    """The second step of log-in: the current code of the enrolled device, or one recovery code."""
    device = selectors.totp_device_get(user=request.user)
    if device is None:
        return redirect("portal:two_factor_setup")
    recovery = request.method == "POST" and "recovery_code" in request.POST
    form = forms.CodeForm(request.POST if request.method == "POST" and not recovery else None)
    recovery_form = forms.RecoveryCodeForm(request.POST if recovery else None)
    if recovery and recovery_form.is_valid():
        used = services.recovery_code_use(user=request.user, code=recovery_form.cleaned_data["recovery_code"])
        if used is not None:
            static, left = used
            otp_login(request, static)
            messages.warning(
                request,
                ngettext(
                    "You logged in with a recovery code; %(count)d code is left. Make new ones on your account page.",
                    "You logged in with a recovery code; %(count)d codes are left. Make new ones on your account page.",
                    left,
                )
                % {"count": left},
            )
            return redirect(_next(request))
        recovery_form.add_error("recovery_code", _("The recovery code is wrong or was already used."))
    elif request.method == "POST" and not recovery and form.is_valid():
        verified = services.totp_log_in(user=request.user, device_id=device.pk, code=form.cleaned_data["code"])
        if verified is not None:
            otp_login(request, verified)
            return redirect(_next(request))
        form.add_error("code", _("The code is wrong or was already used. Wait for the next code and try again."))
    context = {"form": form, "recovery_form": recovery_form, "recovery_open": recovery}
    return render(request, "portal/two_factor_verify.html", context)


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), then confirm with a code."""
    if selectors.totp_device_get(user=request.user):
        return redirect("portal:two_factor_verify")
    # Showing the page writes nothing: the secret waits in the session until the first code is
    # posted, and only then becomes a device row (which carries the throttle of failed codes).
    device = selectors.totp_device_get(user=request.user, confirmed=False)
    if device is None:
        key = request.session.get(PENDING_KEY_SESSION_KEY) or default_key()
        request.session[PENDING_KEY_SESSION_KEY] = key
        device = TOTPDevice(user=request.user, confirmed=False, name=_("Authenticator app"), key=key)
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = services.totp_device_confirm(
            user=request.user, key=device.key, name=device.name, code=form.cleaned_data["code"]
        )
        if enrolled is not None:
            device, codes = enrolled
            request.session.pop(PENDING_KEY_SESSION_KEY, None)
            otp_login(request, device)
            messages.success(request, _("Two-factor log-in is set up. You will be asked for a code at each log-in."))
            return _recovery_codes_page(request, codes=codes, next_url=_next(request))
        form.add_error("code", _("The code is wrong. Check the time on your phone and try the next code."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, svgclass="totp-qr", lineclass=None)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {
        "form": form,
        # segno writes the whole SVG from the otpauth URL (no user input): safe to mark safe.
        "qr": mark_safe(qr),  # noqa: S308  # nosec B308 B703
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "portal/two_factor_setup.html", context)


def _recovery_codes_page(request, *, codes: list[str], next_url: str):
    """Show the codes, in this response only: it is never cached, and no page shows them again."""
    response = render(request, "portal/two_factor_recovery_codes.html", {"codes": codes, "next_url": next_url})
    add_never_cache_headers(response)
    return response


@login_required
@never_cache
def two_factor_recovery_codes(request):
    """Make a new set of recovery codes from the account page; the old ones stop working at once."""
    if selectors.totp_device_get(user=request.user) is None:
        return redirect("portal:two_factor_setup")
    if not request.user.is_verified():
        # New codes are a second factor: only a session that gave one may make them.
        request.session[NEXT_SESSION_KEY] = reverse("portal:profile")
        return redirect("portal:two_factor_verify")
    if request.method == "POST":
        codes = services.recovery_codes_create(user=request.user, reason="regenerated")
        return _recovery_codes_page(request, codes=codes, next_url=reverse("portal:profile"))
    left = selectors.recovery_code_count(user=request.user)
    return render(request, "portal/two_factor_recovery_codes.html", {"left": left})
