"""What evaluations does when the workflow announces a case event (inside the workflow's transaction)."""

from evaluations import rollups


def case_event_received(sender, case, event, **kwargs):
    """Count the event in the supervision store and, on completion, invite the applicant to rate."""
    rollups.on_case_event(sender, case=case, event=event)
    if event.action == "complete":
        from evaluations.services import rating_invite

        rating_invite(case=case)
