"""Forms of licences: the public verification look-up and the staff's revocation."""

from django import forms
from django.utils.translation import gettext_lazy


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=gettext_lazy("The 16 characters printed under the QR code of the licence."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revocation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    back = forms.CharField(required=False, widget=forms.HiddenInput)
