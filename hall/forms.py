"""Forms of the citizen shell: log-in, registration, password reset and the profile."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordMixin
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal import accounts
from portal.models import User
from portal.validators import (
    normalize_credit_code,
    normalize_id_number,
    normalize_login,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


def _helper(submit_name: str, label) -> FormHelper:
    """Return a helper that renders the fields and one full-width button, inside the template's form tag."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the template's form tag carries the token
    helper.add_input(Submit(submit_name, label, css_class="w-100"))
    return helper


class LoginForm(AuthenticationForm):
    """Log in with a mobile number (citizens and enterprises) or a username (staff)."""

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The mobile number or username and the password do not match an account."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))

    def clean_username(self) -> str:
        # Authentication, the lock-out and the audit line all see the one spelling.
        return normalize_login(self.cleaned_data["username"])


class MobileForm(forms.Form):
    """Ask for a mainland mobile number to text a code to."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("send_code", _("Send code"))

    def clean_mobile(self) -> str:
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        validate_mobile(mobile)
        return mobile


class RegisterStartForm(MobileForm):
    """Step 1 of registration: who registers, and the mobile number the code goes to."""

    kind = forms.ChoiceField(
        label=_("I register as"),
        choices=User.Kind.choices,
        initial=User.Kind.INDIVIDUAL,
        widget=forms.RadioSelect,
    )

    field_order = ["kind", "mobile"]

    def clean_mobile(self) -> str:
        mobile = super().clean_mobile()
        if User.objects.filter(mobile=mobile).exists():
            raise accounts.mobile_taken_error()
        return mobile


def code_field() -> forms.CharField:
    return forms.CharField(
        label=_("Verification code"),
        min_length=accounts.CODE_DIGITS,
        max_length=accounts.CODE_DIGITS,
        validators=[RegexValidator(r"^\d{6}$", _("The code has 6 digits."), code="code_format")],
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("The 6 digits from the text message; valid for 10 minutes."),
    )


class RegisterVerifyForm(SetPasswordMixin, forms.Form):
    """Step 2 of registration: the code, the name and certificate number, and a password."""

    code = code_field()
    real_name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    cert_number = forms.CharField(max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, kind: str, mobile: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.mobile = mobile
        self.cert_type = accounts.cert_type_for(kind)
        if kind == User.Kind.ENTERPRISE:
            self.fields["real_name"].label = _("Enterprise name")
            self.fields["real_name"].help_text = _("As on the business licence.")
            self.fields["real_name"].widget.attrs["autocomplete"] = "organization"
            self.fields["cert_number"].label = _("Unified social credit code")
            self.fields["cert_number"].help_text = _("18 characters, as on the business licence.")
        else:
            self.fields["real_name"].label = _("Real name")
            self.fields["real_name"].help_text = _("As on your resident identity card.")
            self.fields["cert_number"].label = _("Resident ID number")
            self.fields["cert_number"].help_text = _("18 characters, as on your resident identity card.")
        self.helper = _helper("register", _("Create account"))

    def clean_cert_number(self) -> str:
        number = self.cleaned_data["cert_number"]
        if self.cert_type == User.CertType.CREDIT_CODE:
            number = normalize_credit_code(number)
            validate_credit_code(number)
        else:
            number = normalize_id_number(number)
            validate_id_number(number)
        if User.objects.filter(User.cert_lookup(self.cert_type, number)).exists():
            raise accounts.cert_taken_error(self.cert_type)
        return number

    def clean(self):
        cleaned_data = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(User(mobile=self.mobile, real_name=cleaned_data.get("real_name", "")))
        return cleaned_data


class PasswordResetVerifyForm(SetPasswordMixin, forms.Form):
    """Step 2 of the password reset: the code and the new password."""

    code = code_field()
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("New password"), label2=_("New password confirmation")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("reset", _("Set new password"))

    def clean(self):
        cleaned_data = super().clean()
        self.validate_passwords()
        # Without the account: an error naming its details would tell whether the number has one.
        self.validate_password_for_user(None)
        return cleaned_data


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Optional. Leave empty to remove it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("save_email", _("Save e-mail"))


class ProfilePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.helper = _helper("change_password", _("Change password"))


class NotificationPreferencesForm(forms.Form):
    """How a person wants to be told: the language of messages, e-mail, text messages."""

    language = forms.ChoiceField(
        label=_("Language of messages"),
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )
    notify_by_email = forms.BooleanField(
        label=_("Also send my messages by e-mail"),
        required=False,
        help_text=_("Only when an e-mail address is set in your account."),
    )
    notify_by_sms = forms.BooleanField(
        label=_("Also send important messages by text message"),
        required=False,
        help_text=_("Acceptance, supplement requests, decisions, licences and rating invitations."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("save_preferences", _("Save"))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
