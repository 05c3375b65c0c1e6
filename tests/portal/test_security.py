"""The security baseline: lock-out, passwords, sessions, headers, the audit log, rate limits, access control."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLResolver
from django.utils import timezone

from approvals.models import Case, CaseMaterial, Licence, LicenceType
from approvals.services import cases as case_services
from evaluations.models import Inquiry
from evaluations.services import inquiry_create, rating_submit
from portal import audit
from portal.middleware import AUTH_AT_SESSION_KEY
from portal.models import AuditEvent, Message
from portal.validators import CharacterClassesValidator
from tests.approvals.test_bundles import BundleWorld
from tests.approvals.workflow_helpers import World
from tests.factories import MessageFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(reverse("portal:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- log-in lock-out ----------------------------------------------------------------------


def test_five_failures_lock_that_username_from_that_address_for_fifteen_minutes(client, settings):
    from axes.models import AccessAttempt

    user = UserFactory(mobile="13811112222")
    assert settings.AXES_FAILURE_LIMIT == 5 and timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    for _ in range(4):
        assert login(client, "13811112222", "wrong").status_code == 200
    response = login(client, "13811112222", "wrong")
    assert response.status_code == 429
    # Locked now even with the right password, with a clear page.
    client.cookies["django_language"] = "en"
    response = login(client, "13811112222")
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Nobody locks another person out for good: the same account from another address logs in.
    other = client.__class__()
    assert login(other, "13811112222", ip="10.0.0.2").status_code == 302
    # ... and after the cool-off the first address may try again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, "13811112222").status_code == 302
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("login_failed") >= 5 and "lockout" in actions and "login" in actions
    assert not AuditEvent.objects.filter(detail__contains="13811112222").exists()  # the number is masked
    assert user.pk in set(AuditEvent.objects.filter(action="login").values_list("actor_id", flat=True))


# --- passwords ----------------------------------------------------------------------------


def test_the_mlps_mode_wants_three_character_classes():
    validator = CharacterClassesValidator(min_classes=3)
    from django.core.exceptions import ValidationError

    for weak in ["abcdefgh", "abcdefg1", "ABCDEFG1"]:
        with pytest.raises(ValidationError):
            validator.validate(weak)
    for strong in ["Abcdefg1", "abcdefg1!", "ABCD-1234"]:
        validator.validate(strong)


def test_password_policy_is_configurable_and_checks_common_and_similar_passwords(tmp_path):
    script = (
        "import django;django.setup();"
        "from django.contrib.auth.password_validation import validate_password as v;"
        "from django.core.exceptions import ValidationError as E\n"
        "def bad(p):\n"
        "    try: v(p)\n"
        "    except E: return True\n"
        "    return False\n"
        "print(bad('qz7vlp2mw'), bad('Qz7vLp2mW'), bad('password123'), bad('Sh0rt!'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PASSWORD_MLPS_MODE": "true"}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "True", "True"]
    env["PASSWORD_MLPS_MODE"] = "false"
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True", "True"]


# --- sessions -----------------------------------------------------------------------------


def test_the_session_key_changes_at_log_in(client):
    UserFactory(mobile="13811113333")
    client.get(reverse("portal:login"))
    client.session["x"] = 1
    before = client.session.session_key
    assert login(client, "13811113333").status_code == 302
    assert client.session.session_key != before


def test_sessions_end_after_30_idle_minutes_and_an_absolute_limit(client, settings):
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("portal:me")).status_code == 200
    session = client.session
    session[AUTH_AT_SESSION_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("portal:me"))
    assert response.status_code == 302 and reverse("portal:login") in response.url
    assert client.get(reverse("portal:me")).status_code == 302  # logged out


def test_changing_the_password_ends_the_other_sessions(client):
    user = UserFactory(mobile="13811114444")
    other = client.__class__()
    assert login(client, "13811114444").status_code == 302
    assert login(other, "13811114444", ip="10.0.0.9").status_code == 302
    response = client.post(
        reverse("portal:profile"),
        {"change_password": "1", "old_password": PASSWORD, "new_password1": "Another-pass-456",
         "new_password2": "Another-pass-456"},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get(reverse("portal:me")).status_code == 200  # this one stays
    assert other.get(reverse("portal:me")).status_code == 302  # the other is over
    client.post(reverse("portal:logout"))
    assert client.get(reverse("portal:me")).status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor_id=user.pk).exists()


def test_log_out_everywhere_else_ends_the_other_sessions_and_keeps_this_one(client, settings):
    user = UserFactory(mobile="13811115555")
    other, third = client.__class__(), client.__class__()
    assert login(client, "13811115555").status_code == 302
    assert login(other, "13811115555", ip="10.0.0.9").status_code == 302
    # A session made under a secret since rotated out (kept in SECRET_KEY_FALLBACKS) ends too.
    old_secret, settings.SECRET_KEY = settings.SECRET_KEY, "a-new-secret-key-for-this-test-only-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    third.force_login(user)  # made with the new secret; the two above with the old one
    assert other.get(reverse("portal:me")).status_code == 200  # verified through the fallback

    assert client.get(reverse("portal:profile")).status_code == 200
    response = client.post(reverse("portal:profile"), {"end_sessions": "1"})
    assert response.status_code == 302
    assert client.get(reverse("portal:me")).status_code == 200  # this one stays
    assert other.get(reverse("portal:me")).status_code == 302  # the others are over
    assert third.get(reverse("portal:me")).status_code == 302
    assert AuditEvent.objects.filter(action="sessions_ended", actor_id=user.pk).count() == 1
    user.refresh_from_db()
    assert user.session_epoch == 1
    assert login(other, "13811115555", ip="10.0.0.9").status_code == 302  # logging in again works
    assert other.get(reverse("portal:me")).status_code == 200
    assert client.get(reverse("portal:profile")).status_code == 200


def test_the_session_generation_keeps_django_s_hash_until_it_is_raised():
    user = UserFactory()
    plain = super(type(user), user)._get_session_auth_hash()
    assert user.get_session_auth_hash() == plain
    user.session_epoch = 2
    assert user.get_session_auth_hash() != plain


# --- headers ------------------------------------------------------------------------------


def test_every_page_carries_a_csp_without_unsafe_inline_and_the_other_headers(client):
    response = client.get(reverse("portal:home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def _inline(html: str) -> list[str]:
    import re

    found = []
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I):
        attrs, body = match.groups()
        if "src=" not in attrs and body.strip() and "application/json" not in attrs and "ld+json" not in attrs:
            found.append(match.group(0)[:120])
    found += re.findall(r"<style\b[^>]*>", html, re.I)
    found += [m[:80] for m in re.findall(r"\sstyle=\"[^\"]*\"", html, re.I)]
    found += re.findall(r"\son[a-z]+=\"", html, re.I)
    return found


def test_no_page_has_inline_script_or_style(client):
    world = World()
    case = world.in_state("accepted")
    admin = UserFactory(admin=True)
    pages = [
        (None, reverse("portal:home")), (None, reverse("approvals:catalogue")),
        (None, world.implementation.get_absolute_url()), (None, reverse("portal:login")),
        (None, reverse("approvals:track")), (world.applicant, reverse("portal:me")),
        (world.applicant, reverse("approvals:apply", args=[world.implementation.code])),
        (world.applicant, reverse("portal:message_list")), (world.clerk, case.get_absolute_url()),
        (world.clerk, reverse("approvals:staff_desk")), (admin, reverse("admin:index")),
        (admin, reverse("admin:approvals_implementation_change", args=[world.implementation.pk])),
        (admin, reverse("admin:portal_notification_changelist")), (None, "/api/docs/"),
    ]  # fmt: skip
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline(response.content.decode()) == [], url


def test_the_production_settings_pass_the_deploy_check():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "hall.example.gov.cn",
        "DJANGO_PII_KEY": "a-personal-data-key-of-its-own-0123456789",
        "PORTAL_BASE_URL": "https://hall.example.gov.cn",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# --- audit log ----------------------------------------------------------------------------


def test_transitions_reveals_and_refusals_are_audited(client):
    world = World()
    case = world.accepted()
    assert AuditEvent.objects.filter(action="case.accept", actor_id=world.clerk.pk, object_id=str(case.pk)).exists()
    client.force_login(world.clerk)
    client.post(reverse("approvals:case_reveal", args=[case.pk]), REMOTE_ADDR="10.1.2.3")
    reveal = AuditEvent.objects.get(action="reveal")
    assert (reveal.actor_id, reveal.object_id, reveal.ip) == (world.clerk.pk, str(world.applicant.pk), "10.1.2.3")
    client.force_login(world.other_clerk)
    assert client.get(case.get_absolute_url(), REMOTE_ADDR="10.9.9.9").status_code == 404
    refused = AuditEvent.objects.get(action="access_refused")
    assert (refused.actor_id, refused.result, refused.ip) == (world.other_clerk.pk, "refused", "10.9.9.9")
    assert refused.object_id == str(case.pk) and refused.at.tzinfo is not None


def test_admin_changes_are_audited_one_and_many(client):
    """Through the admin's own views: one deletion from its page, then two at once from the list."""
    admin = UserFactory(admin=True)
    client.force_login(admin)
    kinds = [LicenceType.objects.create(code=f"audit-{n}", name=f"证{n}") for n in range(3)]
    response = client.post(reverse("admin:approvals_licencetype_delete", args=[kinds[0].pk]), {"post": "yes"})
    assert response.status_code == 302
    one = AuditEvent.objects.get(action="admin.delete")
    assert (one.actor_id, one.object_type, one.object_id) == (admin.pk, "approvals.licencetype", str(kinds[0].pk))
    response = client.post(
        reverse("admin:approvals_licencetype_changelist"),
        {"action": "delete_selected", "_selected_action": [k.pk for k in kinds[1:]], "post": "yes"},
    )
    assert response.status_code == 302 and not LicenceType.objects.filter(code__startswith="audit-").exists()
    deleted = set(AuditEvent.objects.filter(action="admin.delete").values_list("object_id", flat=True))
    assert deleted == {str(k.pk) for k in kinds}


def test_the_audit_log_is_append_only_on_postgresql_and_kept_180_days():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    recent = audit.record("login")
    old = audit.record("login")
    with connection.cursor() as cursor:  # an old row, as if written 200 days ago (INSERT is allowed)
        cursor.execute(
            "INSERT INTO portal_auditevent (at, action, object_type, object_id, result, detail, actor_label) "
            "VALUES (now() - interval '200 days', 'login', '', '', 'ok', '', '') RETURNING id"
        )
        ancient_id = cursor.fetchone()[0]
    for statement in [
        ("UPDATE portal_auditevent SET detail = 'x' WHERE id = %s", [recent.pk]),
        ("DELETE FROM portal_auditevent WHERE id = %s", [old.pk]),
        ("UPDATE portal_auditevent SET detail = 'x' WHERE id = %s", [ancient_id]),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*statement)
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("purge_audit", days=30)
    call_command("purge_audit")
    assert not AuditEvent.objects.filter(pk=ancient_id).exists()
    assert AuditEvent.objects.filter(pk__in=[recent.pk, old.pk]).count() == 2


# --- rate limits --------------------------------------------------------------------------


def test_ask_is_rate_limited_per_person(client, settings):
    settings.ASK_RATE_LIMIT = 3
    world = World()
    client.force_login(world.applicant)
    url = reverse("evaluations:ask")
    data = {"kind": "consultation", "subject": "问题", "question": "需要原件吗？",
            "implementation_code": world.implementation.code}  # fmt: skip
    codes = [client.post(url, data).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Inquiry.objects.count() == 3


def test_tracking_registration_codes_and_log_in_are_rate_limited(client):
    from approvals.views.cases import TRACK_LIMIT

    data = {"code": "5000002611270000011", "mobile_last4": "0000"}
    codes = [client.post(reverse("approvals:track"), data).status_code for _ in range(TRACK_LIMIT + 1)]
    assert codes == [200] * TRACK_LIMIT + [429]
    # Registration texts a code: the same number cannot be texted again at once.
    register = reverse("portal:register")
    first = client.post(register, {"kind": "individual", "mobile": "13822223333"})
    assert first.status_code == 302
    again = client.__class__().post(register, {"kind": "individual", "mobile": "13822223333"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    # Log-in: the lock-out above (django-axes) is the limit.


# --- access control sweep -----------------------------------------------------------------

PUBLIC = {
    "portal:language", "portal:elder_mode", "departments:department_detail", "approvals:item_detail",
    "approvals:apply", "approvals:material_template", "approvals:theme_detail", "approvals:department_items",
    "approvals:bundle_detail", "approvals:bundle_apply",
}  # fmt: skip


def _object_routes() -> dict[str, str]:
    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = (f"{ns}:{p.namespace}" if ns else p.namespace) if p.namespace else ns
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            else:
                yield prefix + str(p.pattern), (f"{ns}:" if ns else "") + (p.name or "")

    return {
        name: route for route, name in walk(get_resolver().url_patterns)
        if "<" in route and not route.startswith(("admin/", "api/"))
    }  # fmt: skip


@pytest.fixture
def owned(django_capture_on_commit_callbacks):
    """One of everything a citizen or a department owns, keyed by URL name, with its URL arguments."""
    with django_capture_on_commit_callbacks(execute=True):
        world = World()
        world.implementation.issues_licence = LicenceType.objects.create(code="sweep", name="许可证", valid_years=5)
        world.implementation.save()
        case = case_services.case_complete(case_id=world.in_state("approved").pk, actor=world.clerk)
        rating = rating_submit(
            case_id=case.pk, applicant=world.applicant, stars=1, efficiency=1, attitude=1, guide_accuracy=1,
            convenience=1, comment="差",
        )  # fmt: skip
        inquiry = inquiry_create(asker=world.applicant, kind="complaint", subject="投诉", question="太慢", case=case)
        supplement = world.in_state(Case.State.SUPPLEMENT)
        bundles = BundleWorld(parts=2)
        bundles.applicant = world.applicant
        application = bundles.submit()
    licence = Licence.objects.get(case=case)
    material = CaseMaterial.objects.filter(case=case).first()
    message = Message.objects.filter(recipient=world.applicant).first() or MessageFactory(recipient=world.applicant)
    rectification = rating.rectification
    args = {
        "portal:message_detail": [message.pk],
        "approvals:case_detail": [case.pk], "approvals:case_receipt": [case.pk],
        "approvals:case_supplement": [supplement.pk], "approvals:case_reveal": [case.pk],
        "approvals:case_assign": [supplement.pk], "approvals:case_records": [supplement.pk],
        "approvals:case_record_file": [supplement.pk, material.pk],
        "approvals:case_action": [supplement.pk, "refuse"], "approvals:case_file": [material.pk],
        "approvals:licence_detail": [licence.pk], "approvals:licence_revoke": [licence.pk],
        "approvals:bundle_application": [application.pk], "evaluations:rate": [case.pk],
        "evaluations:rectification_detail": [rectification.pk],
        "evaluations:rectification_rate_fix": [rectification.pk],
        "evaluations:rectification_step": [rectification.pk, "verify"],
        "evaluations:inquiry_detail": [inquiry.pk],
    }  # fmt: skip
    return world, case, licence, args


def test_every_object_url_is_refused_to_strangers_and_supervisors_change_nothing(client, owned):
    world, _case, _licence, args = owned
    routes = _object_routes()
    assert set(routes) == PUBLIC | set(args), "classify the new URL as public or owned in this sweep"
    stranger = UserFactory(with_id_number=True)
    supervisor = StaffMembershipFactory(supervisor=True).user
    snapshot = lambda: (  # noqa: E731
        list(Case.objects.order_by("pk").values_list("state", "assigned_to_id", "updated_at")),
        list(Licence.objects.values_list("revoked_at", flat=True)),
        AuditEvent.objects.filter(action__startswith="case.").count(),
    )
    before = snapshot()
    for name, arguments in args.items():
        url = reverse(name, args=arguments)
        client.logout()
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 404, 405), (name, "anonymous", response.status_code)
            if response.status_code == 302:
                assert reverse("portal:login") in response.url, (name, response.url)
        for user in (stranger, world.other_clerk):
            client.force_login(user)
            for method in (client.get, client.post):
                status = method(url).status_code
                assert status in (403, 404, 405), (name, user, status)
        client.force_login(supervisor)
        client.post(url, {"reason": "x", "refuse-reason": "x", "assignee": world.clerk.pk})
    assert snapshot() == before


# --- personal data never leaves in clear ------------------------------------------------


def test_no_full_id_number_or_mobile_in_any_log_line_or_task_argument(
    client, caplog, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """A whole journey — register, fail a log-in, apply, accept, reveal, complete — with every logger at DEBUG."""
    import logging
    import re as regex

    from celery.app.task import Task

    from tests.factories import make_id_number

    settings.SMS_BACKEND = "portal.sms.ConsoleBackend"  # logs every text message (masked)
    sent_tasks = []
    original = Task.apply_async

    def recording(self, args=None, kwargs=None, **options):
        sent_tasks.append(repr((self.name, args, kwargs)))
        return original(self, args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    caplog.set_level(logging.DEBUG)
    mobile, id_number = "13866667777", make_id_number()

    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:register"), {"kind": "individual", "mobile": mobile}, REMOTE_ADDR="10.3.3.3")
        # The console backend logs the text message (number masked); the code is in it.
        texted = " ".join(r.getMessage() for r in caplog.records if r.getMessage().startswith("SMS to"))
        code = regex.search(r"(?<!\d)(\d{6})(?!\d)", texted).group(1)
        response = client.post(
            reverse("portal:register_verify"),
            {"code": code, "real_name": "张三", "cert_number": id_number, "password1": "Qz7vLp2mW-9",
             "password2": "Qz7vLp2mW-9"},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:300]
        client.logout()
        login(client.__class__(), mobile, "wrong-password")
        world = World()
        from portal.models import User

        world.applicant = User.objects.get(mobile=mobile)
        world.applicant.email = "zhang@example.com"
        world.applicant.save()
        case = world.accepted()
        client.force_login(world.clerk)
        client.post(reverse("approvals:case_reveal", args=[case.pk]))
        case_services.case_start_review(case_id=case.pk, actor=world.clerk)
        case_services.case_approve(case_id=case.pk, actor=world.reviewer)
        case_services.case_complete(case_id=case.pk, actor=world.clerk)

    lines = [record.getMessage() for record in caplog.records] + [str(record.args) for record in caplog.records]
    everything = "\n".join(lines + sent_tasks)
    assert sent_tasks, "the journey sent no task"
    assert any("SMS to 138****7777" in line for line in lines)
    assert mobile not in everything
    assert id_number not in everything
    assert not AuditEvent.objects.filter(detail__contains=mobile).exists()


# --- uploads ------------------------------------------------------------------------------


def test_a_file_over_the_limit_stops_being_stored_at_the_limit(settings):
    from approvals.uploads import OversizeUpload, SizeLimitUploadHandler

    settings.UPLOAD_MAX_BYTES = 100 * 1024
    handler = SizeLimitUploadHandler()
    handler.new_file("m_1", "big.pdf", "application/pdf", 0)
    chunk = b"x" * (64 * 1024)
    passed = [handler.receive_data_chunk(chunk, i * len(chunk)) for i in range(5)]
    assert [p is not None for p in passed] == [True, False, False, False, False]
    result = handler.file_complete(5 * len(chunk))
    # Nothing past the limit is kept, but the size is the file's own (a 320 KB file is not "128 KB").
    assert isinstance(result, OversizeUpload) and result.size == 5 * len(chunk)
    small = SizeLimitUploadHandler()
    small.new_file("m_1", "small.pdf", "application/pdf", 0)
    assert small.receive_data_chunk(b"%PDF-1.4", 0) == b"%PDF-1.4"
    assert small.file_complete(8) is None  # the next handler keeps it


def test_an_oversized_upload_is_refused_with_its_size_and_nothing_is_created(client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 100 * 1024
    world = World()
    client.force_login(world.applicant)
    client.cookies["django_language"] = "en"
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "submit": "1"}
    for material in world.implementation.materials.all():
        data[f"m_{material.pk}"] = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (300 * 1024), "application/pdf")
    response = client.post(url, data)
    assert response.status_code == 200
    # The file's own size, not the point where storing stopped.
    assert "The file is 300.0" in response.content.decode() and "the limit is 100.0" in response.content.decode()
    assert not Case.objects.filter(applicant=world.applicant).exists()


def test_a_request_announcing_too_much_is_refused_unread(client, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 1024
    world = World()
    client.force_login(world.applicant)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("approvals:apply", args=[world.implementation.code])
    response = client.post(url, {"m_1": SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 4096)})
    assert response.status_code == 400
