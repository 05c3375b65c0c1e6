"""Forms of ratings, rectification steps, consultations and complaints.

They only validate input; the services in ``evaluations.services`` decide what may happen.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from approvals.models import Case
from approvals.selectors.catalogue import published_implementations
from departments.models import Department
from evaluations.models import Inquiry, Rating

# The official names of the five levels (好差评 "五级评价"), shown whatever the interface language.
LEVEL_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SCORES = [(n, str(n)) for n in range(5, 0, -1)]
DIMENSIONS = ["efficiency", "attitude", "guide_accuracy", "convenience"]


def _score_field(label, choices=SCORES) -> forms.TypedChoiceField:
    # Native radios styled as buttons (Bootstrap's btn-check): arrow keys move between the stars.
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, widget=forms.RadioSelect(attrs={"class": "btn-check"})
    )


class RatingForm(forms.Form):
    """The overall level (five named levels) and four dimensions, each 1 to 5 stars, and a comment."""

    stars = _score_field(_("Overall"), choices=Rating.Level.choices)
    efficiency = _score_field(_("Efficiency"))
    attitude = _score_field(_("Service attitude"))
    guide_accuracy = _score_field(_("Accuracy of the guide"))
    convenience = _score_field(_("Convenience"))
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def star_groups(self) -> list:
        """Return the bound fields drawn as star radio groups, overall first."""
        return [self["stars"], *(self[name] for name in DIMENSIONS)]


class RectificationStepForm(forms.Form):
    """A note for one rectification step; call back, rectify and appeal need one."""

    NOTE_REQUIRED = {"call_back", "rectify", "appeal"}
    NOTE_LABELS = {
        "call_back": _("What the applicant said on the call back"),
        "rectify": _("What was put right"),
        "appeal": _("Why the review is malicious"),
    }

    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, action: str, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["note"].required = action in self.NOTE_REQUIRED
        self.fields["note"].label = self.NOTE_LABELS.get(action, _("Note (optional)"))


class FixRatingForm(forms.Form):
    stars = _score_field(_("How well was it put right?"))


class InquiryForm(forms.Form):
    """A consultation or complaint about an item (by its code), one of the asker's cases, or a department."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Inquiry.Kind.choices, widget=forms.RadioSelect)
    implementation_code = forms.CharField(
        label=_("Implementation code"),
        required=False,
        max_length=35,
        help_text=_("The code on the item's guide page, if your question is about an item."),
    )
    case = forms.ModelChoiceField(label=_("One of my cases"), queryset=Case.objects.none(), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=100)
    question = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    allow_publish = forms.BooleanField(
        label=_("The answer may be published on the guide page with my question (without my name)"), required=False
    )

    def __init__(self, *args, asker, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = (
            Case.objects.filter(applicant=asker)
            .exclude(state=Case.State.DRAFT)
            .select_related("implementation")
            .order_by("-created_at", "-id")
        )
        self.fields["case"].label_from_instance = lambda case: f"{case.supervision_code} · {case.implementation.name}"
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("region__code", "name")

    def clean_implementation_code(self):
        code = self.cleaned_data["implementation_code"].strip().upper()
        if not code:
            return None
        implementation = published_implementations().filter(code=code).select_related("department").first()
        if implementation is None:
            raise ValidationError(_("No published item has this code."))
        return implementation

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("implementation_code", "case", "department")) and not (
            self.errors.keys() & {"implementation_code", "case", "department"}
        ):
            raise ValidationError(_("Say which item, case or department this is about."))
        return cleaned


class InquiryAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))


class InquiryFollowUpForm(forms.Form):
    note = forms.CharField(label=_("Supervision follow-up"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    close = forms.BooleanField(label=_("Close the complaint"), required=False)


class SupervisionQuery(forms.Form):
    """The supervision pages' query string: a period (ISO dates) and a scope by code.

    Nothing in it is required and nothing refuses the page: a date that does not parse falls back
    to the default period, a code is cut to 40 characters (the views answer 404 for an unknown one).
    """

    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    department = forms.CharField(required=False, strip=True)
    region = forms.CharField(required=False, strip=True)
    implementation = forms.CharField(required=False, strip=True)

    SCOPES = ("department", "region", "implementation")

    def values(self) -> dict:
        """Return every field, with ``None`` or ``""`` where the query string had nothing usable."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in ("start", "end")}
        data.update({name: (self.cleaned_data.get(name) or "")[:40] for name in self.SCOPES})
        return data
