"""Schemathesis against the served OpenAPI schema: generated requests, valid and invalid, never get a 5xx
and are answered as the schema says.

The schema is loaded from the application (``/api/schema/``) and every operation is called
in-process through WSGI with a valid key of a department that has cases in several states,
licences and materials; half of the generated ids are replaced with ids that exist, so the
requests reach real objects as well as unknown ones.
"""

import time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from approvals.models import Case, Licence, LicenceType
from tests.exchange.factories import make_key, make_system

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION_AND_MODE = 15
# No 5xx, and every answer is one the schema documents: status, content type and body.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, with the per-request connection clean-up off (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _known_ids(world):
    licence_type = LicenceType.objects.create(code="food", name="食品经营许可证", number_prefix="JY")
    world.implementation.issues_licence = licence_type
    world.implementation.save()
    cases = [world.in_state(state) for state in (Case.State.SUBMITTED, Case.State.ACCEPTED, Case.State.UNDER_REVIEW,
                                                 Case.State.APPROVED, Case.State.COMPLETED)]  # fmt: skip
    cases.append(world.in_state(Case.State.SUBMITTED))
    return {
        "cases": [c.pk for c in cases],
        "materials": [m.pk for c in cases for m in c.materials.all()],
        "licences": list(Licence.objects.values_list("pk", flat=True)),
    }


@override_settings(EXCHANGE_RATE="100000/min")
def test_no_generated_request_gets_a_server_error(world, wsgi_app):
    known = _known_ids(world)
    key = make_key(make_system(world.department))
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Bearer {key}"}
    calls, statuses, started = 0, set(), time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        kind = "licences" if "/licences/" in operation.path else "cases"
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            @given(
                case=operation.as_strategy(generation_mode=mode),
                pk=st.sampled_from([None, *known[kind]]),
                material=st.sampled_from([None, *known["materials"]]),
            )
            def check(case, pk, material):
                nonlocal calls
                path = case.path_parameters or {}
                if pk is not None and "id" in path:
                    path["id"] = pk
                if material is not None and "material_id" in path:
                    path["material_id"] = material
                response = case.call(headers=headers)
                calls += 1
                statuses.add(response.status_code)
                case.validate_response(response, checks=CHECKS)

            check()

    elapsed = time.monotonic() - started
    print(f"schemathesis: {calls} requests, statuses {sorted(statuses)}, {elapsed:.1f} s")
    assert calls >= 200 and 200 in statuses and {400, 404} <= statuses
