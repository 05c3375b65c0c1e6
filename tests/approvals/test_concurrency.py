"""Concurrency on PostgreSQL: two people acting on one case at the same moment; a form posted twice at once."""

import threading
import uuid

import pytest
from django.db import connection, connections

from approvals.models import Case, CaseEvent
from approvals.services import cases as services
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]


def race(*calls):
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_clerks_accepting_at_once_make_one_transition(round_):
    world = World()
    second_clerk = StaffMembershipFactory(department=world.department).user
    case = world.submitted()
    results = race(
        lambda: services.case_accept(case_id=case.pk, actor=world.clerk),
        lambda: services.case_accept(case_id=case.pk, actor=second_clerk),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], services.WorkflowError), results
    assert "accepted" in str(errors[0]).lower() or "受理" in str(errors[0])
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_a_clerk_refusing_while_the_applicant_withdraws_one_wins():
    world = World()
    case = world.submitted()
    results = race(
        lambda: services.case_refuse(case_id=case.pk, actor=world.clerk, reason="不符合"),
        lambda: services.case_withdraw(case_id=case.pk, actor=world.applicant),
    )
    assert sum(isinstance(r, services.WorkflowError) for r in results) == 1, results
    case.refresh_from_db()
    assert case.state in {Case.State.REFUSED, Case.State.WITHDRAWN}
    assert CaseEvent.objects.filter(case=case).exclude(action="submit").count() == 1


def test_a_form_posted_twice_at_once_makes_one_case():
    world = World()
    token = uuid.uuid4()

    def post():
        return services.case_save_application(
            applicant=world.applicant, implementation=world.implementation, token=token, form_data={},
            answers=world.answers(), submit=True,
        )  # fmt: skip

    results = race(post, post)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Case.objects.filter(applicant=world.applicant).count() == 1
    assert results[0].pk == results[1].pk
