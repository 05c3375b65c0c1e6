"""The case workflow's transition table: the only place that says what may follow what, and who may do it.

Each action names the states it may start from, the state it leads to (``None``: decided by
the service, e.g. a supplement returns the case to where it was) and who may take it:
the applicant, staff of the handling department with one of the listed roles, or staff of
a department whose opinion was asked (co-review).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from approvals.models import Case
from departments.models import StaffMembership

S = Case.State
Role = StaffMembership.Role

STAFF = frozenset({Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN})
DECIDERS = frozenset({Role.REVIEWER, Role.DEPARTMENT_ADMIN})

APPLICANT = "applicant"
HANDLING = "handling"
CO_REVIEWER = "co_reviewer"

# States in which the statutory clock runs; in SUPPLEMENT (after acceptance) and SUSPENDED it stops.
CLOCK_RUNNING = frozenset({S.ACCEPTED, S.UNDER_REVIEW, S.CO_REVIEW})
OPEN_STATES = frozenset(
    {
        S.SUBMITTED,
        S.TRANSFERRED,
        S.ACCEPTED,
        S.SUPPLEMENT,
        S.UNDER_REVIEW,
        S.CO_REVIEW,
        S.SUSPENDED,
        S.APPROVED,
        S.DENIED,
    }
)
FINAL_STATES = frozenset({S.REFUSED, S.COMPLETED, S.WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None
    actor: str
    roles: frozenset = frozenset()
    needs_reason: bool = False


def _t(action, label, sources, target, actor, roles=frozenset(), needs_reason=False):
    return Transition(action, label, frozenset(sources), target, actor, frozenset(roles), needs_reason)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", _("Submit"), [S.DRAFT], S.SUBMITTED, APPLICANT),
        _t("withdraw", _("Withdraw"), [S.SUBMITTED, S.TRANSFERRED, S.SUPPLEMENT, S.ACCEPTED, S.UNDER_REVIEW],
           S.WITHDRAWN, APPLICANT),
        _t("accept", _("Accept"), [S.SUBMITTED, S.TRANSFERRED], S.ACCEPTED, HANDLING, STAFF),
        _t("refuse", _("Refuse"), [S.SUBMITTED, S.TRANSFERRED], S.REFUSED, HANDLING, STAFF, needs_reason=True),
        _t("request_supplement", _("Request a supplement"), [S.SUBMITTED, S.TRANSFERRED, S.ACCEPTED, S.UNDER_REVIEW],
           S.SUPPLEMENT, HANDLING, STAFF),
        _t("supplement", _("Supplement"), [S.SUPPLEMENT], None, APPLICANT),
        _t("transfer", _("Transfer"), [S.SUBMITTED, S.TRANSFERRED], S.TRANSFERRED, HANDLING, STAFF, needs_reason=True),
        _t("start_review", _("Start review"), [S.ACCEPTED], S.UNDER_REVIEW, HANDLING, STAFF),
        _t("pass_step", _("Pass this review step"), [S.UNDER_REVIEW], None, HANDLING, STAFF),
        _t("request_co_review", _("Ask other departments"), [S.UNDER_REVIEW], S.CO_REVIEW, HANDLING, STAFF),
        _t("give_opinion", _("Give an opinion"), [S.CO_REVIEW], None, CO_REVIEWER, STAFF),
        _t("suspend", _("Start a special procedure"), [S.UNDER_REVIEW], S.SUSPENDED, HANDLING, STAFF,
           needs_reason=True),
        _t("resume", _("End the special procedure"), [S.SUSPENDED], S.UNDER_REVIEW, HANDLING, STAFF),
        _t("request_extension", _("Ask for an extension"), [S.ACCEPTED, S.UNDER_REVIEW, S.CO_REVIEW, S.SUSPENDED],
           None, HANDLING, STAFF, needs_reason=True),
        _t("extend", _("Approve the extension"), [S.ACCEPTED, S.UNDER_REVIEW, S.CO_REVIEW, S.SUSPENDED], None,
           HANDLING, DECIDERS),
        _t("approve", _("Approve"), [S.UNDER_REVIEW], S.APPROVED, HANDLING, DECIDERS),
        _t("deny", _("Deny"), [S.UNDER_REVIEW], S.DENIED, HANDLING, DECIDERS, needs_reason=True),
        _t("complete", _("Complete"), [S.APPROVED, S.DENIED], S.COMPLETED, HANDLING, STAFF),
    ]
}  # fmt: skip

#: Transitions taken on a page of their own (the application form, the supplement page), never
#: by a button of the case page.
OWN_PAGE = frozenset({"submit", "supplement"})
