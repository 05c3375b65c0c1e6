"""Forms of cases: the application form built from admin-defined fields, and the desk's forms.

``CASE_ACTIONS`` is the one table of the actions taken on a case page: for each, the service it
calls, which of its validated input the service takes, and the desk's form. The desk, the
exchange API and the tests all take actions through it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from approvals import uploads
from approvals.models import Case, CoReviewRequest, FormField, Material
from approvals.services import cases as services
from departments.models import Department
from portal.params import int_param
from portal.validators import MOBILE_RE, normalize_id_number, normalize_mobile, validate_id_number

ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"


def typed_answers(definitions, cleaned_data: dict) -> dict:
    """Return a form's typed answers as JSON-ready values, numbers normalised (files are not answers)."""
    data = {}
    for definition in definitions:
        if definition.kind == FormField.Kind.FILE:
            continue
        value = cleaned_data.get(f"f_{definition.name}")
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif definition.kind == FormField.Kind.NUMBER and value is not None:
            value = str(value)
        elif definition.kind == FormField.Kind.ID_NUMBER and value:
            value = normalize_id_number(value)
        elif definition.kind == FormField.Kind.PHONE and value and MOBILE_RE.match(normalize_mobile(value)):
            value = normalize_mobile(value)
        data[definition.name] = value if value is not None else ""
    return data


class CheckedFileField(forms.FileField):
    """A file field whose content is checked (size and magic bytes) on the server."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            uploads.check(upload)
        return upload


def _field_for(definition: FormField) -> forms.Field:
    common = {"label": definition.label, "required": definition.required, "help_text": definition.help_text}
    kind = definition.kind
    if kind == FormField.Kind.NUMBER:
        return forms.DecimalField(max_digits=14, decimal_places=2, **common)
    if kind == FormField.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FormField.Kind.CHOICE:
        options = [("", "—")] + [(c, c) for c in definition.choice_list]
        return forms.ChoiceField(choices=options, **common)
    if kind == FormField.Kind.ID_NUMBER:
        return forms.CharField(max_length=18, validators=[validate_id_number], **common)
    if kind == FormField.Kind.PHONE:
        return forms.RegexField(
            regex=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
            error_messages={"invalid": _("Enter a mobile number or a landline such as 023-63001234.")},
            **common,
        )
    if kind == FormField.Kind.ADDRESS:
        return forms.CharField(max_length=200, widget=forms.Textarea(attrs={"rows": 2}), **common)
    if kind == FormField.Kind.FILE:
        return CheckedFileField(widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}), **common)
    return forms.CharField(max_length=500, **common)


class ApplicationForm(forms.Form):
    """The fields an admin defined for one implementation, plus one upload per material."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self, *args, fields: list[FormField], materials: list[Material], draft_answers=None, offers=None, **kwargs
    ):
        self.definitions = fields
        self.material_list = materials
        self.saved_answers = draft_answers or {}
        self.offers = offers or {}
        super().__init__(*args, **kwargs)
        for definition in fields:
            field = _field_for(definition)
            # A draft may be saved half-filled: required answers are enforced on submit (required_field_errors).
            field.required = False
            if definition.required:
                field.label = f"{definition.label} *"
                field.widget.attrs["aria-required"] = "true"
            self.fields[f"f_{definition.name}"] = field
            if definition.name in self.saved_answers and definition.kind != FormField.Kind.FILE:
                self.initial.setdefault(f"f_{definition.name}", self.saved_answers[definition.name])
        for material in materials:
            self.fields[f"m_{material.pk}"] = CheckedFileField(
                label=material.name, required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
            )
            offer = self.offers.get(material.pk)
            if offer is not None:
                self.fields[f"u_{material.pk}"] = forms.BooleanField(
                    label=_("Use %(record)s from my records") % {"record": offer.label}, required=False, initial=True
                )
            if material.commitment_allowed:
                self.fields[f"c_{material.pk}"] = forms.BooleanField(
                    label=_("I sign a commitment instead (告知承诺)"), required=False
                )
            if material.may_be_missing:
                self.fields[f"l_{material.pk}"] = forms.BooleanField(
                    label=_("I will supply it later (容缺受理)"), required=False
                )

    def field_rows(self):
        return [self[f"f_{d.name}"] for d in self.definitions]

    def material_rows(self):
        rows = []
        for material in self.material_list:
            rows.append(
                {
                    "material": material,
                    "upload": self[f"m_{material.pk}"],
                    "offer": self[f"u_{material.pk}"] if material.pk in self.offers else None,
                    "commitment": self[f"c_{material.pk}"] if material.commitment_allowed else None,
                    "later": self[f"l_{material.pk}"] if material.may_be_missing else None,
                }
            )
        return rows

    def answers(self) -> dict:
        """Return the typed answers as JSON-ready values (files are stored as case materials)."""
        return typed_answers(self.definitions, self.cleaned_data)

    def required_field_errors(self) -> bool:
        """On submit (not on saving a draft) every required form field must be answered."""
        missing = False
        for definition in self.definitions:
            key = f"f_{definition.name}"
            if (
                definition.required
                and definition.kind != FormField.Kind.FILE
                and self.cleaned_data.get(key) in (None, "")
            ):
                self.add_error(key, _("This field is required."))
                missing = True
        return missing


class ActionForm(forms.Form):
    """The desk's form of one case action: every one is built from the case and the materials of its item."""

    def __init__(self, *args, case: Case, materials: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.material_list = case, materials


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(ActionForm):
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class TransferForm(ActionForm):
    to_department = forms.ModelChoiceField(label=_("Competent department"), queryset=Department.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["to_department"].queryset = (
            Department.objects.filter(is_active=True)
            .exclude(pk=case.department_id)
            .select_related("region")
            .order_by("region__code", "name")
        )


class CoReviewForm(ActionForm):
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to ask"),
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["departments"].queryset = (
            Department.objects.filter(is_active=True).exclude(pk=case.department_id).order_by("region__code", "name")
        )

    def clean_departments(self) -> list[Department]:
        return list(self.cleaned_data["departments"])


class OpinionForm(ActionForm):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=CoReviewRequest.Opinion.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ExtensionForm(ActionForm):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ExtendDecisionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Grant the extension")), ("0", _("Decline the extension"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False)


class SupplementRequestForm(ActionForm):
    """Tick every missing or faulty material and say why; extra lines for anything else.

    The cleaned data's ``items`` are the requested items, as the service and the API take them.
    """

    comment = forms.CharField(
        label=_("Note to the applicant"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    other = forms.CharField(
        label=_("Other items (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, materials: list[Material], **kwargs):
        super().__init__(*args, materials=materials, **kwargs)
        for material in materials:
            self.fields[f"pick_{material.pk}"] = forms.BooleanField(label=material.name, required=False)
            self.fields[f"why_{material.pk}"] = forms.CharField(
                label=_("What is wrong"), required=False, max_length=200
            )

    def items(self) -> list[dict]:
        items = [
            {"material": m.pk, "name": m.name, "reason": self.cleaned_data.get(f"why_{m.pk}", "")}
            for m in self.material_list
            if self.cleaned_data.get(f"pick_{m.pk}")
        ]
        for line in (self.cleaned_data.get("other") or "").splitlines():
            if line.strip():
                items.append({"material": None, "name": line.strip()[:200], "reason": ""})
        return items

    def clean(self):
        cleaned = super().clean()
        cleaned["items"] = self.items()
        if not cleaned["items"]:
            raise ValidationError(_("Tick or write at least one material."))
        return cleaned


@dataclass(frozen=True)
class CaseAction:
    """One action on a case as the desk and the API take it: the service, its input, the desk's form.

    ``arguments`` names the keys of the validated input (a desk form's cleaned data or an API
    body) that the service takes as keyword arguments, besides the case and the actor.
    """

    name: str
    service: Callable[..., object]
    arguments: tuple[str, ...]
    form: type[ActionForm]
    prefix: str  # the desk form's fields are named ``<prefix>-<field>``

    def desk_form(self, *, case: Case, materials: list[Material], data=None) -> ActionForm:
        """Return the desk's form of this action for ``case``, bound to ``data`` when given."""
        return self.form(data, prefix=self.prefix, case=case, materials=materials)

    def call(self, *, case_id: int, actor, data: dict):
        """Take the action on the case with the validated input ``data``."""
        return self.service(case_id=case_id, actor=actor, **{key: data[key] for key in self.arguments})


#: Every action a case page offers a form for, by name: the desk, the API and the tests take them from here.
#: ``submit`` and ``supplement`` have pages of their own (the application form, the applicant's upload).
CASE_ACTIONS: dict[str, CaseAction] = {
    a.name: a
    for a in [
        CaseAction("withdraw", services.case_withdraw, ("comment",), CommentForm, "withdraw"),
        CaseAction("accept", services.case_accept, ("comment",), CommentForm, "accept"),
        CaseAction("refuse", services.case_refuse, ("reason",), ReasonForm, "refuse"),
        CaseAction("request_supplement", services.case_request_supplement, ("items", "comment"),
                   SupplementRequestForm, "sup"),
        CaseAction("transfer", services.case_transfer, ("to_department", "reason"), TransferForm, "transfer"),
        CaseAction("start_review", services.case_start_review, ("comment",), CommentForm, "start_review"),
        CaseAction("pass_step", services.case_pass_step, ("comment",), CommentForm, "pass_step"),
        CaseAction("request_co_review", services.case_request_co_review, ("departments", "question"),
                   CoReviewForm, "co"),
        CaseAction("give_opinion", services.case_give_opinion, ("opinion", "comment"), OpinionForm, "opinion"),
        CaseAction("suspend", services.case_suspend, ("reason",), ReasonForm, "suspend"),
        CaseAction("resume", services.case_resume, ("comment",), CommentForm, "resume"),
        CaseAction("request_extension", services.case_request_extension, ("days", "reason"), ExtensionForm, "ext"),
        CaseAction("extend", services.case_extend, ("approve", "comment"), ExtendDecisionForm, "extend"),
        CaseAction("approve", services.case_approve, ("comment",), CommentForm, "approve"),
        CaseAction("deny", services.case_deny, ("reason",), ReasonForm, "deny"),
        CaseAction("complete", services.case_complete, ("comment",), CommentForm, "complete"),
    ]
}  # fmt: skip


def action_forms(*, case: Case, actions, materials: list[Material]) -> dict[str, ActionForm]:
    """Return the desk's form of each of ``actions`` (transitions) for the case page."""
    return {t.action: CASE_ACTIONS[t.action].desk_form(case=case, materials=materials) for t in actions}


class SupplementForm(forms.Form):
    """The applicant's upload for each material a supplement request asked for."""

    def __init__(self, *args, materials: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.material_list = materials
        for material in materials:
            self.fields[f"m_{material.pk}"] = CheckedFileField(
                label=material.name, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
            )


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Supervision code"), max_length=25)
    mobile_last4 = forms.RegexField(
        label=_("Last 4 digits of the applicant's mobile"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


@dataclass(frozen=True)
class DeskFilters:
    """The staff desk's filters, each read once from the query; ``ignored`` names those given but unreadable."""

    department_id: int | None
    state: str
    light: str
    item_id: int | None
    mine: bool
    received: bool
    ignored: tuple

    LIGHTS = ("red", "yellow", "green")

    @classmethod
    def read(cls, query) -> "DeskFilters":
        values = {
            "department": int_param(query.get("department")),
            "state": query.get("state") if query.get("state") in Case.State.values else None,
            "light": query.get("light") if query.get("light") in cls.LIGHTS else None,
            "item": int_param(query.get("item")),
        }
        labels = {"department": _("department"), "state": _("state"), "light": _("deadline light"), "item": _("item")}
        return cls(
            department_id=values["department"],
            state=values["state"] or "",
            light=values["light"] or "",
            item_id=values["item"],
            mine=query.get("mine") == "1",
            received=query.get("received") == "1",
            ignored=tuple(labels[key] for key, value in values.items() if query.get(key) and value is None),
        )

    def queue_filters(self) -> dict:
        """Return the keyword arguments ``case_queue`` takes."""
        return {
            "state": self.state,
            "light_name": self.light,
            "mine": self.mine,
            "received": self.received,
            "implementation_id": self.item_id,
        }
