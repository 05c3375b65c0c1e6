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
"""

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from departments.models import StaffMembership
from portal import audit
from portal.params import safe_next

NEXT_SESSION_KEY = "portal.2fa_next"
PENDING_KEY_SESSION_KEY = "portal.2fa_pending_key"


def needs_second_factor(user) -> bool:
    """Staff, supervisors and admins: anyone with admin access or an active post in a department."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return StaffMembership.objects.filter(user=user, is_active=True).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify(*, user, device_id: int, code: str) -> bool:
    """Check ``code`` against the device with its row locked: a code passes once."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user).first()
        return bool(device and device.verify_token(code))


RECOVERY_CODE_COUNT = 10


def recovery_codes_create(*, user, reason: str) -> list[str]:
    """Give ``user`` a fresh set of recovery codes, invalidating any earlier set, and return them.

    The codes are returned for the one page that shows them; they are not kept anywhere the
    portal shows them again.
    """
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit.record("2fa_recovery_codes_created", actor=user, obj=device, detail=reason)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_recovery_code(*, user, code: str) -> StaticDevice | None:
    """Use up one recovery code of ``user``: return its device if the code was valid and unused."""
    code = "".join((code or "").split()).replace("-", "").lower()
    if not code.isalnum() or len(code) > 16:
        return None
    with transaction.atomic():
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return device if device is not None and device.verify_token(code) else None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )


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
                target = "portal:two_factor_verify" if confirmed_device(user) else "portal:two_factor_setup"
                return redirect(target)
        return self.get_response(request)


def _next(request) -> str:
    return safe_next(request, request.session.pop(NEXT_SESSION_KEY, ""), default=reverse(settings.LOGIN_REDIRECT_URL))


@login_required
def two_factor_verify(request):
    """The second step of log-in: the current code of the enrolled device, or one recovery code."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("portal:two_factor_setup")
    recovery = request.method == "POST" and "recovery_code" in request.POST
    form = CodeForm(request.POST if request.method == "POST" and not recovery else None)
    recovery_form = RecoveryCodeForm(request.POST if recovery else None)
    if recovery and recovery_form.is_valid():
        static = verify_recovery_code(user=request.user, code=recovery_form.cleaned_data["recovery_code"])
        if static is not None:
            otp_login(request, static)
            left = recovery_codes_left(request.user)
            audit.record("login_2fa_recovery", actor=request.user, obj=static, detail=f"{left} codes left")
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
        audit.record("login_2fa_failed", actor=request.user, result="failed", detail="recovery code")
        recovery_form.add_error("recovery_code", _("The recovery code is wrong or was already used."))
    elif request.method == "POST" and not recovery and form.is_valid():
        if verify(user=request.user, device_id=device.pk, code=form.cleaned_data["code"]):
            device.refresh_from_db()
            otp_login(request, device)
            audit.record("login_2fa", actor=request.user)
            return redirect(_next(request))
        audit.record("login_2fa_failed", actor=request.user, result="failed")
        form.add_error("code", _("The code is wrong or was already used. Wait for the next code and try again."))
    context = {"form": form, "recovery_form": recovery_form, "recovery_open": recovery}
    return render(request, "portal/two_factor_verify.html", context)


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), then confirm with a code."""
    if confirmed_device(request.user):
        return redirect("portal:two_factor_verify")
    # Showing the page writes nothing: the secret waits in the session until the first code is
    # posted, and only then becomes a device row (which carries the throttle of failed codes).
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        key = request.session.get(PENDING_KEY_SESSION_KEY) or default_key()
        request.session[PENDING_KEY_SESSION_KEY] = key
        device = TOTPDevice(user=request.user, confirmed=False, name=_("Authenticator app"), key=key)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.pk is None:
            device, _created = TOTPDevice.objects.get_or_create(
                user=request.user, confirmed=False, defaults={"name": device.name, "key": device.key}
            )
        if verify(user=request.user, device_id=device.pk, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY_SESSION_KEY, None)
            TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
            device.refresh_from_db()
            otp_login(request, device)
            audit.record("2fa_enrolled", actor=request.user, obj=device)
            messages.success(request, _("Two-factor log-in is set up. You will be asked for a code at each log-in."))
            codes = recovery_codes_create(user=request.user, reason="enrolment")
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
    if confirmed_device(request.user) is None:
        return redirect("portal:two_factor_setup")
    if not request.user.is_verified():
        # New codes are a second factor: only a session that gave one may make them.
        request.session[NEXT_SESSION_KEY] = reverse("portal:profile")
        return redirect("portal:two_factor_verify")
    if request.method == "POST":
        codes = recovery_codes_create(user=request.user, reason="regenerated")
        return _recovery_codes_page(request, codes=codes, next_url=reverse("portal:profile"))
    return render(request, "portal/two_factor_recovery_codes.html", {"left": recovery_codes_left(request.user)})
