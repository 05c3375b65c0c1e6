"""A hostile-input sweep of every URL of the URLconf, as every kind of user.

The demo city is loaded once for the module (inside a transaction rolled back at its end),
so every URL parameter gets a real id. Then, for each role (anonymous, the citizen who owns
the case, a clerk of its department, a clerk of another department, a supervisor, an admin,
and the department's business system for the API), every URL pattern is requested:

1. once plainly, recording which query parameters and form fields the view reads (every
   ``QueryDict`` read is recorded, so a new filter or form field is swept without editing
   this file);
2. again with each hostile value in every parameter it read, by GET and by POST, and with
   hostile JSON bodies on the API.

No answer may be a 5xx; no GET may write to the database (apart from the session, the audit
log, the sharing log and the API's call log, which record the reading itself); a ``next``
parameter never sends the browser to another site. The URL list comes from the resolver: a
new page is swept as soon as it exists, and a new URL parameter name without a value below
fails the test with its name.
"""

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from approvals.models import Bundle, BundleApplication, Case, CaseMaterial, Licence, Material, Theme
from departments.models import StaffMembership
from evaluations.models import Inquiry, Rectification
from portal.models import Message, User
from tests.exchange.factories import make_key, make_system
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "²",  # a "digit" for str.isdigit that int() refuses
    "１２３",  # full-width digits
    "٣",  # a digit of another script that int() reads as 3
    "x" * 10_000,
    "-1",
    "99999999999999999999999",  # past bigint
    "2026-02-30",  # a date that does not exist
    "foo",  # an unknown choice; a relative next
    "//evil.example",
    "/\\evil.example",
    "<script>'\" OR 1=1 --",
]

# Hostile JSON for the API: deeply nested, oversized, wrong types.
HOSTILE_JSON = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    json.dumps({"reason": "x" * (6 * 1024 * 1024)}),
    json.dumps({"reason": "\x00", "comment": "\x00", "items": "\x00"}),
    json.dumps({"reason": 10**30, "items": [{"material": "²", "name": None}], "days": -5}),
    json.dumps([1, 2, 3]),
    "{not json",
]

# Tables a GET may write to: they record the reading itself, or the session that made it.
GET_WRITABLE_TABLES = {
    "django_session",
    "portal_auditevent",
    "approvals_sharinglog",
    "exchange_apicalllog",
    "axes_accesslog",
}
# Bookkeeping of the reading itself: opening a message marks it read, as every mailbox does,
# and an API key notes when it was last used.
READ_RECEIPTS = re.compile(
    r'^UPDATE "(portal_message" SET "read_at" = %s, "read_by_id" = %s|exchange_apikey" SET "last_used_at" = %s) WHERE'
)
# The admin's many list and form pages get the values that broke pages before, not every one.
ADMIN_HOSTILE_VALUES = ["a\x00b", "²", "x" * 10_000, "-1", "99999999999999999999999", "foo", "//evil.example"]

ROLES = ["anonymous", "citizen", "clerk", "other_clerk", "supervisor", "admin", "system"]
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Target:
    """One URL to sweep: its path, its name and whether only the admin or the API reaches past the door."""

    path: str
    name: str
    admin: bool = False
    api: bool = False


@dataclass
class City:
    users: dict
    kwargs: dict
    system_key: str
    targets: list[Target] = field(default_factory=list)


def _patterns(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), ns)
        else:
            yield prefix + str(entry.pattern), namespace, entry


def _admin_object_id(name: str) -> str | None:
    """Return a real primary key for an admin URL named ``<app>_<model>_<view>``."""
    for model in apps.get_models():
        stem = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(stem):
            row = model._default_manager.order_by("pk").first()
            return str(row.pk) if row else None
    return None


def _targets(values: dict) -> list[Target]:
    """Turn every pattern of the URLconf into a concrete path with real ids."""
    targets, missing = [], []
    for route, namespace, pattern in _patterns(get_resolver().url_patterns):
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else None
        admin, api = route.startswith("admin/"), route.startswith("api/")
        if name is None:
            # Unnamed: the admin's catch-all and per-object redirect, DRF's format suffix root.
            if route == "admin/(?P<url>.*)$":
                targets.append(Target("/admin/no-such-page/", "admin:catch_all", admin=True))
            continue
        converters = pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}
        regex_groups = pattern.pattern.regex.groupindex
        kwarg_names = list(converters) or list(regex_groups)
        if admin and "object_id" in kwarg_names:
            object_id = _admin_object_id(pattern.name)
            if object_id is None:
                continue  # nothing of that model in the city
            kwargs = {"object_id": object_id}
            if "id" in kwarg_names:
                kwargs["id"] = object_id
        elif admin and pattern.name and pattern.name.endswith("_simple_history"):
            model_pk = _admin_object_id(pattern.name.removesuffix("simple_history") + "x")
            if model_pk is None:
                continue
            targets.append(Target(reverse(name, args=[model_pk, "1"]), name, admin=True))
            continue
        elif admin and pattern.name in {"otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"}:
            kwargs = {"pk": _admin_object_id("otp_totp_totpdevice_") or "1"}
        elif admin and pattern.name == "auth_user_password_change":
            kwargs = {"id": str(values["citizen_pk"])}
        elif admin and pattern.name == "view_on_site":
            kwargs = {"content_type_id": values["case_content_type"], "object_id": values["case_pk"]}
        elif admin and pattern.name == "app_list":
            kwargs = {"app_label": "approvals"}
        elif name in values["by_name"]:
            kwargs = values["by_name"][name]
        elif not kwarg_names:
            kwargs = {}
        else:
            missing.append(f"{name} ({', '.join(kwarg_names)})")
            continue
        targets.append(Target(reverse(name, kwargs=kwargs), name, admin=admin, api=api))
    assert not missing, "give these URL parameters a real value in _values(): " + "; ".join(missing)
    return targets


def _values(users: dict) -> dict:
    """Pick, in the demo city, one real object for every kind of URL parameter."""
    citizen = users["citizen"]
    case = Case.objects.filter(applicant=citizen).exclude(state=Case.State.DRAFT).order_by("pk").first()
    material = CaseMaterial.objects.filter(case=case).order_by("pk").first()
    implementation = case.implementation
    template = Material.objects.filter(implementation=implementation).order_by("pk").first()
    licence = Licence.objects.filter(holder=citizen).order_by("pk").first() or Licence.objects.order_by("pk").first()
    # Notifications become messages after commit, which never comes inside the module's transaction.
    message = Message.objects.filter(recipient=citizen).order_by("pk").first() or MessageFactory(recipient=citizen)
    rectification = Rectification.objects.order_by("pk").first()
    inquiry = Inquiry.objects.order_by("pk").first()
    bundle = Bundle.objects.order_by("pk").first()
    application = BundleApplication.objects.order_by("pk").first()
    theme = Theme.objects.order_by("pk").first()
    department_code = case.department.code
    by_name = {
        "portal:language": {"code": "en"},
        "portal:elder_mode": {"state": "on"},
        "portal:message_detail": {"pk": message.pk},
        "departments:department_detail": {"code": department_code},
        "approvals:item_detail": {"code": implementation.code},
        "approvals:apply": {"code": implementation.code},
        "approvals:material_template": {"code": implementation.code, "pk": template.pk},
        "approvals:theme_detail": {"slug": theme.slug},
        "approvals:department_items": {"code": department_code},
        "approvals:case_detail": {"pk": case.pk},
        "approvals:case_receipt": {"pk": case.pk},
        "approvals:case_supplement": {"pk": case.pk},
        "approvals:case_reveal": {"pk": case.pk},
        "approvals:case_assign": {"pk": case.pk},
        "approvals:case_records": {"pk": case.pk},
        "approvals:case_record_file": {"pk": case.pk, "material_id": material.pk},
        "approvals:case_action": {"pk": case.pk, "action": "accept"},
        "approvals:case_file": {"pk": material.pk},
        "approvals:licence_detail": {"pk": licence.pk},
        "approvals:licence_revoke": {"pk": licence.pk},
        "approvals:bundle_application": {"pk": application.pk},
        "approvals:bundle_detail": {"slug": bundle.slug},
        "approvals:bundle_apply": {"slug": bundle.slug},
        "evaluations:rate": {"pk": case.pk},
        "evaluations:rectification_detail": {"pk": rectification.pk},
        "evaluations:rectification_rate_fix": {"pk": rectification.pk},
        "evaluations:rectification_step": {"pk": rectification.pk, "action": "verify"},
        "evaluations:inquiry_detail": {"pk": inquiry.pk},
        "exchange:case_detail": {"pk": case.pk},
        "exchange:case_material_file": {"pk": case.pk, "material_id": material.pk},
        "exchange:case_shared_materials": {"pk": case.pk},
        "exchange:case_shared_licences": {"pk": case.pk},
        "exchange:case_shared_material_file": {"pk": case.pk, "material_id": material.pk},
        "exchange:licence_detail": {"pk": licence.pk},
        **{
            f"exchange:case_{action}": {"pk": case.pk}
            for action in ("accept", "refuse", "request_supplement", "start_review", "approve", "deny", "complete")
        },
    }
    return {
        "by_name": by_name,
        "case": case,
        "case_pk": case.pk,
        "citizen_pk": citizen.pk,
        "case_content_type": ContentType.objects.get_for_model(Case).pk,
    }


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> Iterator[City]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        citizen = User.objects.get(username="citizen_li")
        values = _values({"citizen": citizen})
        case = values["case"]
        clerk = StaffMembership.objects.filter(department=case.department, role=StaffMembership.Role.CLERK).first().user
        other_clerk = (
            StaffMembership.objects.filter(role=StaffMembership.Role.CLERK)
            .exclude(department=case.department)
            .exclude(user=clerk)
            .first()
            .user
        )
        users = {
            "citizen": citizen,
            "clerk": clerk,
            "other_clerk": other_clerk,
            "supervisor": User.objects.get(username="supervisor"),
            "admin": User.objects.get(username="admin"),
        }
        key = make_key(make_system(case.department))
        yield City(users=users, kwargs=values, system_key=key, targets=_targets(values))
        transaction.set_rollback(True)


class Recorder:
    """Record every QueryDict key a view reads, and every database write a request makes."""

    def __init__(self):
        self.keys: set[str] = set()
        self.writes: list[str] = []

    def record_reads(self, monkeypatch):
        for method in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(QueryDict, method)

            def reading(qd, key, *args, _original=original, **kwargs):
                if isinstance(key, str):
                    self.keys.add(key)
                return _original(qd, key, *args, **kwargs)

            monkeypatch.setattr(QueryDict, method, reading)

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match and match.group(2).lower() not in GET_WRITABLE_TABLES and not READ_RECEIPTS.match(sql):
            self.writes.append(sql[:160])
        return execute(sql, params, many, context)


def _client(role: str, city: City) -> Client:
    if role == "system":
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {city.system_key}")
        return client
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(city.users[role])
    return client


def _fresh_caches():
    """Rate limits and throttles start from zero for each URL, so they never hide a deeper answer."""
    for alias in settings.CACHES:
        caches[alias].clear()


def _offsite(response) -> bool:
    location = response.headers.get("Location", "") if 300 <= response.status_code < 400 else ""
    return location.startswith(("//", "/\\", "http://evil", "https://evil")) or "evil.example" in location.split("?")[0]


def _sweep(role: str, city: City, monkeypatch) -> list[str]:
    """Request every target as ``role``; return what went wrong."""
    problems: list[str] = []
    recorder = Recorder()
    recorder.record_reads(monkeypatch)

    def check(method: str, target: Target, response, note: str):
        if response.status_code >= 500:
            problems.append(f"{role} {method} {target.path} [{note}] answered {response.status_code}")
        if _offsite(response):
            problems.append(f"{role} {method} {target.path} [{note}] redirects off-site: {response['Location']}")

    for target in city.targets:
        if target.api != (role == "system") and (target.api or role == "system"):
            continue  # the API is for business systems; they reach nothing else
        _fresh_caches()
        client = _client(role, city)
        # Outside the admin, or as the admin, sweep every parameter; elsewhere the door is enough.
        deep = not target.admin or role == "admin"
        values = ADMIN_HOSTILE_VALUES if target.admin else HOSTILE_VALUES

        recorder.keys.clear()
        recorder.writes.clear()
        with connection.execute_wrapper(recorder):
            response = client.get(target.path)
        check("GET", target, response, "plain")
        if recorder.writes:
            problems.append(f"{role} GET {target.path} wrote: {recorder.writes}")
        get_keys = set(recorder.keys)
        # A page that read no parameter has nothing to sweep (its door, above, is all there is).
        if deep and get_keys:
            for value in values:
                recorder.writes.clear()
                with connection.execute_wrapper(recorder):
                    response = client.get(target.path, dict.fromkeys(sorted(get_keys), value))
                check("GET", target, response, f"{sorted(get_keys)}={value[:12]!r}")
                if recorder.writes:
                    problems.append(f"{role} GET {target.path} {value[:12]!r} wrote: {recorder.writes}")

        if target.api:
            for body in HOSTILE_JSON:
                _fresh_caches()
                response = client.post(target.path, body, content_type="application/json")
                check("POST", target, response, f"json {body[:16]!r}")
            continue
        if not deep or target.name in {"portal:logout", "admin:logout"}:
            continue
        recorder.keys.clear()
        with transaction.atomic():
            response = client.post(target.path, {})
            check("POST", target, response, "empty")
            transaction.set_rollback(True)
        post_keys = set(recorder.keys) - {"csrfmiddlewaretoken"}
        if response.status_code == 405 or not post_keys:
            continue
        for value in values:
            # Each hostile POST is rolled back, so one that is accepted cannot change what the next one meets.
            with transaction.atomic():
                response = client.post(target.path, dict.fromkeys(sorted(post_keys), value))
                check("POST", target, response, f"{sorted(post_keys)}={value[:12]!r}")
                transaction.set_rollback(True)
    return problems


def test_the_sweep_covers_every_page(city):
    swept = {target.name for target in city.targets}
    named = {
        f"{namespace}:{pattern.name}"
        for route, namespace, pattern in _patterns(get_resolver().url_patterns)
        if namespace and pattern.name and not route.startswith("admin/")
    }
    assert named and named <= swept, sorted(named - swept)
    admin_pages = {name for name in swept if name.startswith("admin:")}
    assert len(admin_pages) > 150
    assert {"admin:approvals_case_change", "admin:approvals_case_changelist", "admin:catch_all"} <= admin_pages


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_5xx_or_changes_anything_on_get(city, role, monkeypatch):
    problems = _sweep(role, city, monkeypatch)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])
