"""Print, as JSON, what ``bench/run.py`` sends: URLs, request bodies and ready-made log-in sessions."""

import json
import random
import secrets
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from approvals.models import Case, Implementation, Material
from approvals.selectors.cases import QUEUE_STATES, encode_cursor
from bench import data
from departments.models import StaffMembership
from portal.models import User

SEARCH_TERMS = {
    "1": ["证", "医", "车", "房", "税", "船", "林", "药"],
    "2": ["食品", "护照", "医师", "户口", "排污", "驾驶", "养老", "营业"],
    "3": ["营业执", "出入境", "驾驶人", "不动产", "医疗器", "公共场", "建筑施", "危险化"],
}
AUTH_BACKEND = "portal.backends.MobileOrUsernameBackend"


def _second_factor(user: User) -> dict:
    """Return the session keys of a second factor already given (staff log in with TOTP when it is installed)."""
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return {}
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    return {DEVICE_ID_SESSION_KEY: device.persistent_id}


def session_for(user: User, *, staff: bool = False) -> str:
    """Return the key of a new logged-in session for ``user``, as logging in (and the second factor) leave it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if staff:
        store.update(_second_factor(user))
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "Print the benchmark's targets as JSON (URLs, bodies, sessions) for bench/run.py."

    def add_arguments(self, parser):
        parser.add_argument("--citizens", type=int, default=20, help="logged-in citizens who apply")

    def handle(self, *args, citizens, **options):
        data.ensure_bench_database()
        rng = random.Random(7)
        csrf = secrets.token_urlsafe(24)[:32].replace("-", "a").replace("_", "b")
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            synchronous_commit = cursor.fetchone()[0]
        max_case = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
        popular = list(
            Implementation.objects.filter(status="published")
            .order_by("-case_count", "code")
            .values_list("code", flat=True)[:200]
        )
        # Track: cases of applicants with a mobile, spread over the whole table.
        track = []
        for pk in rng.sample(range(1, max_case + 1), 600):
            row = (
                Case.objects.filter(pk__gte=pk, supervision_code__isnull=False)
                .order_by("pk")
                .values_list("supervision_code", "applicant__mobile")
                .first()
            )
            if row and row[1]:
                track.append({"code": row[0], "last4": row[1][-4:]})
        # Apply: implementations whose required materials all accept a signed commitment.
        blocked = Material.objects.filter(implementation=OuterRef("pk"), required=True, commitment_allowed=False)
        applicable = list(
            Implementation.objects.filter(status="published")
            .annotate(blocked=Exists(blocked))
            .filter(blocked=False)
            .order_by("-case_count", "code")[:60]
        )
        applicants = list(User.objects.filter(mobile__isnull=False).order_by("pk")[:citizens])
        apply = []
        for index, implementation in enumerate(rng.sample(applicable, min(20, len(applicable)))):
            fields = {
                "csrfmiddlewaretoken": csrf,
                "token": "{uuid}",
                "submit": "1",
                "f_contact_name": "张三",
                "f_contact_phone": "13800000000",
            }
            for material in implementation.materials.all():
                fields[f"c_{material.pk}"] = "on"
            apply.append(
                {
                    "path": f"/items/{implementation.code}/apply/",
                    "body": urlencode(fields).replace("%7Buuid%7D", "{uuid}"),
                    "session": session_for(applicants[index % len(applicants)]),
                }
            )
        # The desk: the department with the longest queue, its first page and one nine tenths down.
        busiest = (
            Case.objects.filter(state__in=QUEUE_STATES, submitted_at__isnull=False)
            .values("department_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        department_id, queue_length = busiest["department_id"], busiest["n"]
        clerk = (
            StaffMembership.objects.filter(department_id=department_id, role=StaffMembership.Role.CLERK)
            .select_related("user")
            .first()
            .user
        )
        position = int(queue_length * 0.9)
        deep_case = (
            Case.objects.filter(department_id=department_id, state__in=QUEUE_STATES, submitted_at__isnull=False)
            .order_by("submitted_at", "pk")[position : position + 1]
            .get()
        )
        supervisor = User.objects.get(username="bench_supervisor")
        citizen = applicants[0]
        b1_ids = [rng.randint(1, max_case) for _ in range(500)]
        catalogue = ["/items/", "/items/?page=2", "/items/?page=3", "/items/?visits=0", "/items/?kind=XK",
                     "/items/?audience=individual", "/items/?theme=start-business", "/items/?page=10"]  # fmt: skip
        out = {
            "size": data.stored_size(),
            "generation": data.stored_timings(),
            "synchronous_commit": synchronous_commit,
            "csrf": csrf,
            "b1": [f"/bench/b1/?id={pk}" for pk in b1_ids],
            "catalogue": catalogue,
            "guide": [f"/items/{code}/" for code in popular],
            "search": {
                length: [f"/items/?{urlencode({'q': term})}" for term in terms]
                for length, terms in SEARCH_TERMS.items()
            },
            "search_session": session_for(citizen),
            "track": [
                urlencode({"csrfmiddlewaretoken": csrf, "code": t["code"], "mobile_last4": t["last4"]}) for t in track
            ],
            "track_codes": [t["code"] for t in track],
            "apply": apply,
            "queue": {
                "department_id": department_id,
                "length": queue_length,
                "deep_position": position,
                "first": f"/staff/?department={department_id}",
                "deep": f"/staff/?department={department_id}&after={encode_cursor(deep_case)}",
                "session": session_for(clerk, staff=True),
            },
            "dashboard": {"path": "/supervision/", "session": session_for(supervisor, staff=True)},
            "disclosure": "/disclosure/",
            "counts": {
                "open_cases": Case.objects.filter(~Q(state__in=["draft", "completed", "refused", "withdrawn"])).count()
            },
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
