"""The registry of notification kinds: who gets each, on which channels, from which template.

Every notification the portal sends is one of the kinds below; ``portal.services.notify``
refuses any other. Each kind's text lives in ``templates/notifications/<code>.txt`` with
three blocks — ``subject`` (the message title and e-mail subject), ``body`` (the message
and e-mail text) and optionally ``sms`` (the text message; the subject when absent) — and
is written with ``{% blocktranslate %}`` so that it renders in Simplified Chinese or English,
in the recipient's language.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PERSON = "person"
DEPARTMENT = "department"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    audience: str  # PERSON or DEPARTMENT
    sms: bool = False  # important enough for a text message
    email: bool = True

    @property
    def template_name(self) -> str:
        return f"notifications/{self.code}.txt"


KINDS = [
    # To the applicant, along the case.
    Kind("case.received", _("Application received"), PERSON),
    Kind("case.accepted", _("Application accepted"), PERSON, sms=True),
    Kind("case.refused", _("Application not accepted"), PERSON, sms=True),
    Kind("case.supplement_requested", _("Materials to supplement"), PERSON, sms=True),
    Kind("case.transferred", _("Case transferred to another department"), PERSON),
    Kind("case.suspended", _("Time limit paused for a special procedure"), PERSON),
    Kind("case.extended", _("Time limit extended"), PERSON),
    Kind("case.due_date_changed", _("Due date recounted on the official holidays"), PERSON),
    Kind("case.decided", _("Decision made"), PERSON, sms=True),
    Kind("case.completed", _("Case completed"), PERSON, sms=True),
    Kind("licence.issued", _("Licence issued"), PERSON, sms=True),
    Kind("licence.expiring", _("Licence about to expire"), PERSON, sms=True),
    Kind("licence.revoked", _("Licence revoked"), PERSON, sms=True),
    Kind("licence.published", _("Licence added to the wallet"), PERSON),
    Kind("rating.invite", _("Invitation to rate the service"), PERSON, sms=True),
    Kind("rating.reminder", _("Reminder to rate the service"), PERSON),
    Kind("inquiry.answered", _("Consultation or complaint answered"), PERSON),
    # To a department's inbox: whoever is on duty there takes it.
    Kind("case.submitted", _("New application"), DEPARTMENT),
    Kind("case.withdrawn", _("Application withdrawn"), DEPARTMENT),
    Kind("case.supplemented", _("Materials supplemented"), DEPARTMENT),
    Kind("case.transferred_in", _("Case transferred to the department"), DEPARTMENT),
    Kind("co_review.requested", _("Co-review requested"), DEPARTMENT),
    Kind("co_review.answered", _("Co-review answered"), DEPARTMENT),
    Kind("rectification.assigned", _("Bad review to rectify"), DEPARTMENT),
    Kind("complaint.assigned", _("Complaint to handle"), DEPARTMENT),
    Kind("consultation.assigned", _("Consultation to answer"), DEPARTMENT),
    # To staff in person.
    Kind("deadline.near_due", _("Case near its due date"), PERSON),
    Kind("deadline.overdue", _("Case overdue"), PERSON, sms=True),
    Kind("supervision.digest", _("Daily digest for supervisors"), PERSON),
]

REGISTRY: dict[str, Kind] = {kind.code: kind for kind in KINDS}


class UnknownKind(LookupError):
    pass


def get(code: str) -> Kind:
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownKind(f"Unknown notification kind {code!r}; add it to portal.notifications.KINDS.") from None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


def render(code: str, context: dict, language: str = "") -> Rendered:
    """Render kind ``code`` with ``context`` in ``language`` (the site's default when empty)."""
    kind = get(code)
    template = get_template(kind.template_name).template
    blocks = {node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    with translation.override(language or settings.LANGUAGE_CODE):
        parts = {}
        for name in ("subject", "body", "sms"):
            node = blocks.get(name)
            if node is None:
                parts[name] = ""
                continue
            ctx = Context(context, autoescape=False)
            with ctx.render_context.push_state(template), ctx.bind_template(template):
                parts[name] = node.render(ctx).strip()
    subject = " ".join(parts["subject"].split())
    body = "\n".join(line.rstrip() for line in parts["body"].strip().splitlines())
    sms = " ".join((parts["sms"] or subject).split())
    return Rendered(subject=subject[:200], body=body, sms=sms[:280])
