"""The notification registry, its channels, the department inbox, preferences and the supervisors' digest."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.services import cases as case_services
from departments.models import StaffMembership
from evaluations.services import supervision_digest_send
from hall import services as hall_services
from portal import notifications, services, sms
from portal.models import Message, Notification
from tests.approvals.workflow_helpers import World
from tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def empty_outboxes():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- the registry -------------------------------------------------------------------------

# Acceptance of the notifications issue, kind by kind.
REQUIRED = {
    "co_review.requested", "co_review.answered", "case.transferred", "case.transferred_in",
    "rectification.assigned", "complaint.assigned", "case.supplement_requested", "case.accepted",
    "case.refused", "case.decided", "licence.issued", "licence.expiring", "rating.invite", "rating.reminder",
    "deadline.near_due", "deadline.overdue", "supervision.digest",
}  # fmt: skip

SAMPLE = {
    "code": "500000261127000029X", "item": "食品经营许可", "department": "重庆市市场监督管理局",
    "from_department": "渝中区卫生健康委员会", "date": "2026-12-01", "comment": "请补充营业执照", "count": 2,
    "days": 5, "approved": True, "type": "食品经营许可证", "number": "JY15001030000001", "valid_until": "2031-11-30",
    "verification_code": "ABCD2345", "subject": "需要原件吗", "answer": "复印件即可", "stars": 1, "day": "2026-11-26",
    "submitted": 10, "accepted": 9, "completed": 8, "overdue": 0, "satisfaction": "97.6%", "bad_reviews": 1,
    "running_overdue": 2, "rectifications_overdue": 0, "complaints_open": 1, "previous": "2026-11-30",
}  # fmt: skip


def test_the_registry_holds_every_required_kind():
    assert set(notifications.REGISTRY) >= REQUIRED


@pytest.mark.parametrize("code", sorted(notifications.REGISTRY))
def test_every_kind_renders_in_chinese_and_english(code):
    zh = notifications.render(code, SAMPLE, "zh-hans")
    en = notifications.render(code, SAMPLE, "en")
    for text in (zh, en):
        assert text.subject and text.body and text.sms
        assert "{{" not in text.subject + text.body and "%(" not in text.subject + text.body
    # Chinese text around the (Chinese) sample values; English text without Chinese of its own.
    values = sorted((str(v) for v in SAMPLE.values()), key=len, reverse=True)
    strip = lambda s: re.sub("|".join(map(re.escape, values)), "", s)  # noqa: E731
    assert CJK.search(strip(zh.subject)), zh.subject
    assert CJK.search(strip(zh.body)), zh.body
    assert not CJK.search(strip(en.subject)), en.subject
    assert not CJK.search(strip(en.body)), en.body


def test_unknown_kinds_are_refused():
    with pytest.raises(notifications.UnknownKind):
        services.notify("case.lost", recipient=UserFactory(), context={})


def _sources() -> str:
    files = [
        p
        for app in ("approvals", "evaluations", "portal", "departments", "exchange")
        for p in (ROOT / app).rglob("*.py")
    ]
    return "\n".join(p.read_text() for p in files if "migrations" not in p.parts)


def test_every_kind_is_sent_somewhere_and_nothing_is_sent_outside_the_registry():
    source = _sources()
    quoted = set(re.findall(r'"([a-z_]+\.[a-z_]+)"', source))
    unused = {code for code in notifications.REGISTRY if code not in quoted}
    assert not unused, f"kinds nobody sends: {unused}"
    sent = set(re.findall(r'notify\(\s*"([^"]+)"', source))
    assert sent <= set(notifications.REGISTRY)


# --- language and channels ----------------------------------------------------------------


def test_text_is_in_the_recipients_language():
    chinese, english = UserFactory(), UserFactory(language="en")
    for user in (chinese, english):
        services.notify("case.accepted", recipient=user, context={"code": "C1", "date": "2026-12-01"})
    assert CJK.search(Notification.objects.get(recipient=chinese).title)
    english_title = Notification.objects.get(recipient=english).title
    assert english_title == "Case C1 accepted; due by 2026-12-01"


def test_channels_follow_the_kind_and_the_persons_preferences():
    everything = UserFactory(email="a@example.com", mobile="13500000001")
    no_sms = UserFactory(email="b@example.com", mobile="13500000002", notify_by_sms=False)
    no_email = UserFactory(email="c@example.com", mobile="13500000003", notify_by_email=False)
    no_address = UserFactory(email="", mobile=None)

    def channels(user, kind):
        notification = services.notify(kind, recipient=user, context=SAMPLE)
        return set(notification.deliveries.values_list("channel", flat=True))

    assert channels(everything, "case.accepted") == {"site", "email", "sms"}
    assert channels(everything, "case.received") == {"site", "email"}  # not important enough for SMS
    assert channels(no_sms, "case.accepted") == {"site", "email"}
    assert channels(no_email, "case.accepted") == {"site", "sms"}
    assert channels(no_address, "case.accepted") == {"site"}


def test_email_and_sms_carry_the_text_a_full_link_and_stable_ids(settings):
    settings.PORTAL_BASE_URL = "https://hall.example.gov.cn"
    user = UserFactory(email="li@example.com", mobile="13512345678")
    notification = services.notify(
        "case.supplement_requested", recipient=user, context=SAMPLE, link="/cases/7/", event_key="case:7:x"
    )
    services.notification_deliver(notification_id=notification.pk)
    email = mail.outbox[-1]
    assert email.to == ["li@example.com"] and email.subject == notification.title
    assert "请补充营业执照" in email.body and "https://hall.example.gov.cn/cases/7/" in email.body
    assert email.extra_headers["Message-ID"] == f"<notification-{notification.pk}@hall.example.gov.cn>"
    text = sms.outbox[-1]
    assert text.mobile == "13512345678" and text.reference == f"notification-{notification.pk}"
    assert text.text.startswith(f"【{settings.SMS_SIGNATURE}】") or text.text.startswith(f"[{settings.SMS_SIGNATURE}]")
    assert SAMPLE["code"] in text.text


def test_department_notifications_reach_the_inbox_and_the_duty_address():
    department = DepartmentFactory(duty_email="duty@scj.example.gov.cn")
    notification = services.notify("co_review.requested", department=department, context=SAMPLE, link="/x/")
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"site", "email"}
    services.notification_deliver(notification_id=notification.pk)
    message = Message.objects.get(notification=notification)
    assert (message.department, message.recipient) == (department, None)
    assert mail.outbox[-1].to == ["duty@scj.example.gov.cn"]


# --- the department inbox -----------------------------------------------------------------


def test_whoever_is_on_duty_sees_the_department_inbox_and_the_first_to_open_takes_it(
    client, django_capture_on_commit_callbacks
):
    department = DepartmentFactory()
    first, second = (StaffMembershipFactory(department=department).user for _ in range(2))
    supervisor = StaffMembershipFactory(department=department, supervisor=True).user
    outsider = StaffMembershipFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        services.notify("complaint.assigned", department=department, context=SAMPLE, link="/ask/1/")
    message = Message.objects.get()
    detail = reverse("portal:message_detail", args=[message.pk])
    inbox = reverse("portal:message_list") + "?box=department"

    for user in (supervisor, outsider):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert message.title not in client.get(inbox).content.decode()

    client.force_login(second)
    page = client.get(inbox).content.decode()
    assert message.title in page
    assert client.get(reverse("portal:home")).context["unread_count"] == 1

    client.force_login(first)
    assert client.get(detail).status_code == 200
    message.refresh_from_db()
    assert message.read_by == first and message.read_at is not None

    client.force_login(second)
    assert first.username in client.get(detail).content.decode()  # taken, and by whom
    message.refresh_from_db()
    assert message.read_by == first
    assert client.get(reverse("portal:home")).context["unread_count"] == 0


def test_the_department_inbox_costs_the_same_for_2_and_20_messages(client, django_capture_on_commit_callbacks):
    department = DepartmentFactory()
    user = StaffMembershipFactory(department=department).user
    client.force_login(user)
    url = reverse("portal:message_list") + "?box=department"

    def queries(n):
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(n):
                services.notify("case.submitted", department=department, context={**SAMPLE, "code": f"Q{i}"})
        hall_services.message_mark_read(user=user, message_id=Message.objects.filter(read_at__isnull=True).first().pk)
        assert Message.objects.filter(department=department).count() >= n
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    assert queries(2) == queries(18)


# --- preferences --------------------------------------------------------------------------


def test_preferences_are_saved_and_the_language_switch_remembers_the_language(client):
    user = UserFactory(email="x@example.com")
    client.force_login(user)
    url = reverse("portal:message_preferences")
    assert client.get(url).status_code == 200
    response = client.post(url, {"language": "en", "notify_by_email": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.notify_by_email, user.notify_by_sms) == ("en", True, False)
    assert client.post(url, {"language": "fr"}).status_code == 200  # refused, nothing saved
    client.post(reverse("portal:language", args=["zh-hans"]), {"next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans" and user.notify_by_email


def test_preferences_need_login(client):
    assert client.get(reverse("portal:message_preferences")).status_code == 302


# --- who is told what along the workflow --------------------------------------------------


def _told(**filters) -> list[str]:
    return sorted(Notification.objects.filter(**filters).values_list("kind", flat=True))


def test_cross_department_steps_go_to_the_department_inboxes(django_capture_on_commit_callbacks):
    world = World()
    case = world.under_review()
    Notification.objects.all().delete()
    case_services.case_request_co_review(
        case_id=case.pk, actor=world.clerk, departments=[world.other_department], question="请出具意见"
    )
    assert _told(department=world.other_department) == ["co_review.requested"]
    case_services.case_give_opinion(case_id=case.pk, actor=world.other_clerk, opinion="agree", comment="同意")
    # The answer goes to the clerk handling the case, in person.
    answered = Notification.objects.get(kind="co_review.answered")
    assert answered.recipient == world.clerk and world.other_department.name in answered.body

    other = world.submitted()
    case_services.case_transfer(
        case_id=other.pk, actor=world.clerk, to_department=world.other_department, reason="职能"
    )
    assert "case.transferred_in" in _told(department=world.other_department)
    assert "case.transferred" in _told(recipient=world.applicant)


def test_deadline_warnings_go_to_the_clerk_and_the_department_head():
    import datetime

    from approvals.models import Case

    world = World(committed_limit_days=1)
    head = StaffMembershipFactory(department=world.department, role=StaffMembership.Role.DEPARTMENT_ADMIN).user
    case = world.accepted()
    Case.objects.filter(pk=case.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=3))
    result = case_services.case_mark_overdue()
    assert result["warned"] == 1
    told = set(Notification.objects.filter(kind="deadline.overdue").values_list("recipient_id", flat=True))
    assert told == {world.clerk.pk, head.pk}
    case_services.case_mark_overdue()  # once per case and day
    assert Notification.objects.filter(kind="deadline.overdue").count() == 2


def test_supervisors_get_one_digest_a_day_with_the_figures():
    import datetime

    from evaluations.models import DailyStat

    world = World()
    world.submitted()
    day = datetime.date.today()
    first = StaffMembershipFactory(supervisor=True).user
    second = StaffMembershipFactory(supervisor=True).user
    StaffMembershipFactory(supervisor=True, user=second)  # a second post: still one digest
    received = sum(DailyStat.objects.filter(day=day).values_list("received", flat=True))
    assert received == 1
    assert supervision_digest_send(day=day) == 2
    assert supervision_digest_send(day=day) == 2  # the same rows again, not new ones
    digests = Notification.objects.filter(kind="supervision.digest")
    assert sorted(digests.values_list("recipient_id", flat=True)) == sorted([first.pk, second.pk])
    assert "1" in digests.first().body and day.isoformat() in digests.first().title
    assert not Notification.objects.filter(kind="supervision.digest", recipient=world.clerk).exists()


# --- the schedule -------------------------------------------------------------------------


def test_the_beat_schedule_is_documented_in_the_readme_and_runs_the_required_work():
    readme = (ROOT / "README.md").read_text()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in tasks:
        assert f"`{task}`" in readme, f"{task} is not in the README's schedule table"
    assert {
        "portal.tasks.outbox_sweep", "approvals.tasks.cases_mark_overdue", "evaluations.tasks.ratings_remind",
        "approvals.tasks.licences_remind_expiring", "evaluations.tasks.supervision_digest",
    } <= tasks  # fmt: skip
    from portal.celery import app

    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
