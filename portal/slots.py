"""Named slots: a page of a lower app shows what a higher app knows, without importing it.

The case page (approvals) shows the applicant's rating (evaluations); approvals may not
import evaluations, so the page leaves a named slot, ``{% slot "case.rating" case request.user %}``
(``{% load slots %}``), and evaluations fills it in its ``AppConfig.ready``. A slot nobody
fills renders nothing, so the lower app works on its own.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

# A filler takes the template context (for the request) and the slot's arguments, and
# returns the HTML it rendered from its own templates (``render_to_string`` gives a SafeString).
Filler = Callable[..., SafeString]

_fillers: dict[str, Filler] = {}


def slot_fill(name: str, filler: Filler) -> None:
    """Make ``filler`` render the slot ``name`` (an app calls this once, in ``ready``)."""
    _fillers[name] = filler


def slot_render(name: str, context, *args) -> SafeString:
    """Return the HTML of slot ``name`` for ``args``, or nothing when no app fills it."""
    filler = _fillers.get(name)
    return filler(context, *args) if filler is not None else SafeString("")
