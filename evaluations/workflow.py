"""The rectification workflow as data: which step leads from which states to which, and who takes it.

Read by the services that take a step and by the selectors that list the steps a person may
take now, so neither imports the other.
"""

from evaluations.models import Rectification

R = Rectification.State

# action: (from states, to state, who: department staff / applicant / supervisor)
RECTIFICATION_TRANSITIONS = {
    # A rejected appeal sends the bad review back to be rectified like any other (docs/figures.md).
    "verify": ({R.OPEN, R.REJECTED}, R.VERIFIED, "department"),
    "call_back": ({R.VERIFIED}, R.CALLED_BACK, "department"),
    "rectify": ({R.CALLED_BACK}, R.RECTIFIED, "department"),
    "close": ({R.RECTIFIED}, R.CLOSED, "department"),
    "appeal": ({R.OPEN, R.VERIFIED}, R.APPEALED, "department"),
    "uphold": ({R.APPEALED}, R.UPHELD, "supervisor"),
    "reject": ({R.APPEALED}, R.REJECTED, "supervisor"),
}
