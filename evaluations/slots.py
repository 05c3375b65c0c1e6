"""What evaluations shows on approvals' pages, through the named slots those pages leave (``portal.slots``).

approvals may not import evaluations, so its pages say where feedback goes and this module
fills it: the department's feedback inbox on the staff desk, the applicant's rating on the
case page and in My hall, published answers on the guide page. Each renders the same
template, with the same data and queries, as the matching tag of ``feedback_tags``.
"""

from django.template.loader import get_template

from evaluations.templatetags import feedback_tags
from portal.slots import slot_fill


def _render(template_name: str, data: dict):
    # Rendered like an inclusion tag: the tag's own data only, no context processors.
    return get_template(template_name).render(data)


def connect() -> None:
    """Fill approvals' slots (called once from ``EvaluationsConfig.ready``)."""
    slot_fill(
        "desk.feedback_inbox",
        lambda context, user: _render("evaluations/includes/feedback_inbox.html", feedback_tags.department_inbox(user)),
    )
    slot_fill(
        "case.rating",
        lambda context, case, user: _render(
            "evaluations/includes/feedback_rating_link.html", feedback_tags.rating_link(case, user)
        ),
    )
    slot_fill(
        "item.published_answers",
        lambda context, implementation: _render(
            "evaluations/includes/feedback_published_answers.html", feedback_tags.published_answers(implementation)
        ),
    )
