"""Every page runs the same number of queries when the data grows tenfold (BRIEF §5).

One city is built through the services at size N and every page is requested once by the
user it is for (anonymous pages with the page cache emptied, so they are computed); then the
city grows to 10 × N — more departments, implementations, cases in every state, licences,
ratings, consultations, messages, bundle applications and supervision counters — and every
page is requested again. The counts must be equal, page by page. ``PAGES`` lists them all;
``test_every_url_is_measured`` fails when a page is added to the URLs and not to the list.
"""

import itertools
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from approvals.models import FAQ, Bundle, BundlePart, Case, Licence, LicenceType, Material, SharingLog
from approvals.selectors import cases as case_selectors
from approvals.services import bundles as bundle_services
from approvals.services import cases as case_services
from evaluations import services as evaluation_services
from evaluations.models import Inquiry, Rating
from exchange.api import ACTIONS
from portal.models import Message
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.factories import (
    DepartmentFactory,
    ImplementationFactory,
    MessageFactory,
    RegionFactory,
    StaffMembershipFactory,
    ThemeFactory,
    UserFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
S = Case.State
N = 2
_serial = itertools.count(1)

# URL names not measured here, and why.
NOT_PAGES = {
    "portal:language": "POST only, sets a cookie and redirects",
    "portal:elder_mode": "POST only, sets the session and redirects",
    "portal:logout": "POST only, redirects",
    "portal:message_read_all": "POST only, redirects",
    "portal:register_verify": "needs a code sent by SMS in the same session (tests/portal/test_accounts.py)",
    "portal:password_reset_verify": "needs a code sent by SMS in the same session (tests/portal/test_accounts.py)",
    "portal:two_factor_verify": "staff sign-in step, a fixed form (tests/portal/test_two_factor.py)",
    "portal:two_factor_setup": "staff sign-in step, a fixed form (tests/portal/test_two_factor.py)",
    "portal:two_factor_recovery_codes": "staff account step behind a second factor, a fixed form "
    "(tests/portal/test_recovery_codes.py)",
    "approvals:material_template": "a file download",
    "approvals:case_file": "a file download",
    "approvals:case_record_file": "a file download through the sharing service",
    "approvals:case_action": "POST only, redirects",
    "approvals:case_assign": "POST only, redirects",
    "approvals:case_reveal": "POST only, redirects",
    "approvals:case_records": "POST only (each view is logged); tests/approvals/test_sharing.py counts it",
    "approvals:case_supplement": "only while a supplement is asked for; covered by the workflow tests",
    "approvals:licence_revoke": "POST only, redirects",
    "evaluations:rectification_step": "POST only, redirects",
    "evaluations:rectification_rate_fix": "POST only, redirects",
    "exchange:system": "API: one system's own record",
    "exchange:case_detail": "API: one case (tests/exchange/test_cases.py)",
    "exchange:case_material_file": "API: a file download",
    "exchange:case_shared_licences": "API: POST-like read through the sharing service (tests/exchange)",
    "exchange:case_shared_materials": "API: read through the sharing service (tests/exchange)",
    "exchange:case_shared_material_file": "API: a file download",
    "exchange:licence_detail": "API: one licence",
    "exchange:schema": "the OpenAPI document, no data",
    "exchange:docs": "the API documentation page, no data",
    **{f"exchange:case_{name}": "API: POST, one transition" for name in ACTIONS},
}


# Pages known to grow, with the fix; the test fails once they stop growing, so the entry goes.
KNOWN_GROWTH: dict[str, str] = {}


class City:
    """Departments, implementations and people, and ``grow()`` to add one unit of everything."""

    def __init__(self):
        self.theme = ThemeFactory(slug="start-business", name="开办企业")
        self.licence_type, _created = LicenceType.objects.get_or_create(
            code="food", defaults={"name": "食品经营许可证", "valid_years": 5, "number_prefix": "JY"}
        )
        self.world = World(issues_licence=self.licence_type)
        self.implementation = self.world.implementation
        self.implementation.item.themes.add(self.theme)
        Material.objects.create(
            implementation=self.implementation, name="营业执照", licence_type=self.licence_type, sort_order=9
        )
        FAQ.objects.create(implementation=self.implementation, question="要多久？", answer="5个工作日。")
        self.department = self.world.department
        self.applicant = self.world.applicant
        self.clerk = self.world.clerk
        self.supervisor = StaffMembershipFactory(supervisor=True).user
        self.track_case = self.world.accepted()
        self.rated = self.complete(self.world)
        self.rating = self.rate(self.rated, stars=2)  # opens a rectification
        self.unrated = self.complete(self.world)
        self.licence = Licence.objects.get(case=self.rated)
        self.inquiry = evaluation_services.inquiry_create(
            asker=self.applicant, kind=Inquiry.Kind.CONSULTATION, subject="材料", question="要带原件吗？",
            implementation=self.implementation,
        )  # fmt: skip
        self.bundle = self.make_bundle()
        self.bundle_application = self.apply_bundle()
        self.system = make_system(self.department)
        self.api_key = make_key(self.system)
        self.grow(N)

    # --- building blocks ---

    @staticmethod
    def complete(world: World) -> Case:
        return case_services.case_complete(case_id=world.in_state(S.APPROVED).pk, actor=world.clerk)

    def rate(self, case: Case, stars: int = 5) -> Rating:
        return evaluation_services.rating_submit(
            case_id=case.pk, applicant=case.applicant, stars=stars, efficiency=stars, attitude=stars,
            guide_accuracy=stars, convenience=stars, comment="",
        )  # fmt: skip

    def make_bundle(self) -> Bundle:
        bundle = Bundle.objects.create(slug=f"bundle-{next(_serial)}", name="开办餐饮店")
        for order in range(2):
            implementation = ImplementationFactory(materials=0)
            Material.objects.create(implementation=implementation, name="营业执照", sort_order=0)
            BundlePart.objects.create(bundle=bundle, implementation=implementation, order=order)
            StaffMembershipFactory(department=implementation.department)
        bundle_services.bundle_publish(bundle=bundle)
        return bundle

    def apply_bundle(self):
        return bundle_services.bundle_submit(
            applicant=self.applicant, bundle=self.bundle, token=uuid.uuid4(), form_data={},
            answers={"营业执照": pdf_upload()},
        )  # fmt: skip

    # --- one unit of growth ---

    def grow(self, units: int) -> None:
        for _ in range(units):
            # The catalogue: another place for the same item, another item, another department and region.
            region = RegionFactory(district=True)
            ImplementationFactory(item=self.implementation.item, department=DepartmentFactory(region=region))
            ImplementationFactory().item.themes.add(self.theme)
            DepartmentFactory()
            # The applicant's and the desk's cases in every state, licences, ratings, messages.
            for state in (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.SUPPLEMENT, S.UNDER_REVIEW, S.REFUSED, S.WITHDRAWN):
                self.world.in_state(state)
            self.rate(self.complete(self.world), stars=4)
            self.complete(self.world)
            # Another department's completed and rated case: new supervision counters and ranking rows.
            other = World()
            self.rate(self.complete(other), stars=1)
            evaluation_services.inquiry_create(
                asker=self.applicant, kind=Inquiry.Kind.COMPLAINT, subject="太慢", question="为什么还没办好？",
                case=self.world.submitted(),
            )  # fmt: skip
            self.apply_bundle()
            SharingLog.objects.create(
                actor=self.clerk, department=self.department, subject=self.applicant, what=SharingLog.What.LICENCE,
                object_id=self.licence.pk, description="食品经营许可证", case=self.track_case, purpose="核验",
            )  # fmt: skip
            UserFactory()
            MessageFactory(recipient=self.applicant)


def pages(city: City) -> dict[str, tuple[str, str, str, dict]]:
    """Return each page: (who asks, method, URL, data). Who: anonymous, applicant, clerk, supervisor or api."""
    first_open = (
        Case.objects.filter(department=city.department, state__in=case_selectors.QUEUE_STATES)
        .order_by("submitted_at", "pk")
        .first()
    )
    code, department = city.implementation.code, city.department.code
    case, licence = city.track_case.pk, city.licence.pk
    # An unread message: opening one marks it read, which is one write more than opening a read one.
    message = Message.objects.filter(recipient=city.applicant, read_at__isnull=True).order_by("pk").first().pk
    track = {"code": city.track_case.supervision_code, "mobile_last4": city.applicant.mobile[-4:]}
    desk = reverse("approvals:staff_desk")

    def get(who: str, name: str, *args, data: dict | None = None) -> tuple[str, str, str, dict]:
        return who, "get", reverse(name, args=args), data or {}

    return {
        "portal:home": get("anonymous", "portal:home"),
        "portal:login": get("anonymous", "portal:login"),
        "portal:register": get("anonymous", "portal:register"),
        "portal:password_reset": get("anonymous", "portal:password_reset"),
        "portal:profile": get("applicant", "portal:profile"),
        "portal:me": get("applicant", "portal:me"),
        "portal:message_list": get("applicant", "portal:message_list"),
        "portal:message_detail": get("applicant", "portal:message_detail", message),
        "portal:message_preferences": get("applicant", "portal:message_preferences"),
        "departments:department_list": get("anonymous", "departments:department_list"),
        "departments:department_detail": get("anonymous", "departments:department_detail", department),
        "approvals:catalogue": get("anonymous", "approvals:catalogue"),
        "approvals:catalogue (search, logged in)": get("applicant", "approvals:catalogue", data={"q": "测试"}),
        "approvals:catalogue (facets)": get(
            "anonymous", "approvals:catalogue", data={"q": "许可", "visits": "1", "theme": "start-business"}
        ),
        "approvals:item_detail": get("anonymous", "approvals:item_detail", code),
        "approvals:apply": get("applicant", "approvals:apply", code),
        "approvals:theme_list": get("anonymous", "approvals:theme_list"),
        "approvals:theme_detail": get("anonymous", "approvals:theme_detail", city.theme.slug),
        "approvals:department_items": get("anonymous", "approvals:department_items", department),
        "approvals:track": ("anonymous", "post", reverse("approvals:track"), track),
        "approvals:case_detail": get("applicant", "approvals:case_detail", case),
        "approvals:case_detail (desk)": get("clerk", "approvals:case_detail", case),
        "approvals:case_receipt": get("applicant", "approvals:case_receipt", case),
        "approvals:staff_desk": ("clerk", "get", desk, {}),
        "approvals:staff_desk (next page)": ("clerk", "get", desk, {"after": case_selectors.encode_cursor(first_open)}),
        "approvals:staff_desk (filtered)": ("clerk", "get", desk, {"state": "accepted", "mine": "1"}),
        "approvals:staff_receive": get("clerk", "approvals:staff_receive"),
        "approvals:wallet_licences": get("applicant", "approvals:wallet_licences"),
        "approvals:wallet_materials": get("applicant", "approvals:wallet_materials"),
        "approvals:licence_verify": get(
            "anonymous", "approvals:licence_verify", data={"code": city.licence.verification_code}
        ),
        "approvals:licence_detail": get("applicant", "approvals:licence_detail", licence),
        "approvals:staff_licences": get("clerk", "approvals:staff_licences"),
        "approvals:bundle_list": get("anonymous", "approvals:bundle_list"),
        "approvals:bundle_detail": get("anonymous", "approvals:bundle_detail", city.bundle.slug),
        "approvals:bundle_apply": get("applicant", "approvals:bundle_apply", city.bundle.slug),
        "approvals:bundle_application": get("applicant", "approvals:bundle_application", city.bundle_application.pk),
        "evaluations:rate": get("applicant", "evaluations:rate", city.unrated.pk),
        "evaluations:rectification_detail": get(
            "applicant", "evaluations:rectification_detail", city.rating.rectification.pk
        ),
        "evaluations:ask": get("applicant", "evaluations:ask", data={"item": code}),
        "evaluations:inquiry_list": get("applicant", "evaluations:inquiry_list"),
        "evaluations:inquiry_detail": get("applicant", "evaluations:inquiry_detail", city.inquiry.pk),
        "evaluations:overview": get("supervisor", "evaluations:overview"),
        "evaluations:overview (by clerk)": get(
            "supervisor", "evaluations:overview", data={"by": "clerk", "department": department}
        ),
        "evaluations:performance": get("supervisor", "evaluations:performance"),
        "evaluations:lookup": get("supervisor", "evaluations:lookup", data={"code": city.rated.supervision_code}),
        "evaluations:sharing_log": get("supervisor", "evaluations:sharing_log"),
        "evaluations:disclosure": get("anonymous", "evaluations:disclosure"),
        "evaluations:disclosure (one department)": get(
            "anonymous", "evaluations:disclosure", data={"department": department}
        ),
        "exchange:case_list": get("api", "exchange:case_list"),
        "exchange:licence_list": get("api", "exchange:licence_list"),
    }


def measure(city: City) -> dict[str, int]:
    clients = {"anonymous": Client(), "api": client_for(city.api_key)}
    for who, user in (("applicant", city.applicant), ("clerk", city.clerk), ("supervisor", city.supervisor)):
        clients[who] = Client()
        clients[who].force_login(user)
    clients["api"].get(reverse("exchange:case_list"))  # a key's first call also records when it was used
    counts = {}
    for name, (who, method, url, data) in pages(city).items():
        cache.clear()  # anonymous pages are measured computed, not served from the page cache
        with CaptureQueriesContext(connection) as queries:
            response = getattr(clients[who], method)(url, data)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        counts[name] = len(queries)
    return counts


def test_no_page_runs_more_queries_with_ten_times_the_data():
    city = City()
    few = measure(city)
    city.grow(9 * N)
    assert Case.objects.count() >= 8 * N * 10  # the city did grow tenfold
    many = measure(city)
    grown = {name: (few[name], many[name]) for name in few if many[name] != few[name] and name not in KNOWN_GROWTH}
    assert not grown, f"pages whose queries grew with the data (N → 10 × N): {grown}"
    fixed = [name for name in KNOWN_GROWTH if many[name] == few[name]]
    assert not fixed, f"these pages no longer grow: remove them from KNOWN_GROWTH: {fixed}"


def test_every_url_is_measured():
    # The keys of the dict ``pages`` returns, read from its code without building a city.
    measured = {name.split(" (")[0] for name in pages.__code__.co_consts if isinstance(name, str) and ":" in name}
    names = set()

    def collect(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                collect(pattern.url_patterns, inner)
            elif pattern.name and namespace and not namespace.startswith("admin"):
                names.add(f"{namespace}{pattern.name}")

    collect(get_resolver().url_patterns)
    missing = names - measured - set(NOT_PAGES)
    assert not missing, f"pages without a query-count measurement: {sorted(missing)}"
