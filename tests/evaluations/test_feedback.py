"""Ratings, bad-review rectifications, consultations and complaints.

Covers the services' rules (who may rate, once, when; the rectification flow with its events,
appeals and the ``rectified`` rollup; overdue flags; reminders; inquiries and who answers and
follows them up), every page's permissions (owner, department staff, supervisor: 200; anyone
else: 404), the feedback template tags and the query counts of the lists.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Sum
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from approvals.models import Case
from approvals.selectors import calendar as calendar_selectors
from evaluations.models import DailyStat, EvaluationSettings, Inquiry, Rating, Rectification
from evaluations.services import (
    EvaluationError,
    inquiry_answer,
    inquiry_create,
    inquiry_follow_up,
    rating_submit,
    ratings_remind,
    rectification_rate_fix,
    rectification_step,
    rectifications_mark_overdue,
)
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
R = Rectification.State


@pytest.fixture
def world():
    return World()


@pytest.fixture
def supervisor():
    return StaffMembershipFactory(supervisor=True).user


def rate(case, applicant, stars=5, **scores) -> Rating:
    values = {"efficiency": stars, "attitude": stars, "guide_accuracy": stars, "convenience": stars, **scores}
    return rating_submit(case_id=case.pk, applicant=applicant, stars=stars, **values)


def rating_data(stars=5, **extra) -> dict:
    data = {name: str(stars) for name in ("stars", "efficiency", "attitude", "guide_accuracy", "convenience")}
    return {**data, "comment": "", **extra}


def bad_review(world) -> Rectification:
    return rate(world.in_state("completed"), world.applicant, stars=1).rectification


def rectified_total() -> int:
    return DailyStat.objects.aggregate(total=Sum("rectified"))["total"] or 0


def render(source: str, **context) -> str:
    return Template("{% load feedback_tags %}" + source).render(Context(context))


@pytest.fixture(autouse=True)
def english(client):
    """Read pages and messages in English: the assertions below quote the English texts."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def localized(text: str) -> str:
    """Return ``text`` as the pages show it (English here, see ``english``)."""
    return translation.gettext(text)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def ask(world, kind=Inquiry.Kind.CONSULTATION, **about) -> Inquiry:
    about = about or {"implementation": world.implementation}
    return inquiry_create(asker=world.applicant, kind=kind, subject="材料问题", question="需要带原件吗？", **about)


# --- ratings -------------------------------------------------------------------------------


def test_only_the_applicant_rates_a_completed_case_once(world):
    running = world.in_state("under_review")
    with pytest.raises(EvaluationError, match="once it is completed"):
        rate(running, world.applicant)
    case = world.in_state("completed")
    with pytest.raises(EvaluationError, match="Only the applicant"):
        rate(case, world.clerk)
    rating = rate(case, world.applicant, stars=4)
    assert (rating.stars, rating.department, rating.clerk) == (4, world.department, case.assigned_to)
    with pytest.raises(EvaluationError, match="already been rated"):
        rate(case, world.applicant, stars=5)
    assert Rating.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("scores", [{"stars": 0}, {"stars": 6}, {"attitude": 0}, {"convenience": 6}])
def test_scores_out_of_range_are_refused(world, scores):
    case = world.in_state("completed")
    values = {"stars": 3, "efficiency": 3, "attitude": 3, "guide_accuracy": 3, "convenience": 3, **scores}
    with pytest.raises(EvaluationError, match="1 to 5"):
        rating_submit(case_id=case.pk, applicant=world.applicant, **values)
    assert not Rating.objects.exists()


def test_rating_page_is_only_for_the_applicant(client, world):
    case = world.in_state("completed")
    url = reverse("evaluations:rate", args=[case.pk])
    assert client.get(url).status_code == 302
    for outsider in (world.clerk, UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, rating_data()).status_code == 404
    client.force_login(world.applicant)
    page = client.get(url).content.decode()
    for name in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert name in page
    assert "★★★★★" in page and 'type="radio" name="stars"' in page and "<legend" in page
    assert not Rating.objects.exists()


def test_rating_page_rates_once_and_then_shows_the_rating(client, world):
    case = world.in_state("completed")
    url = reverse("evaluations:rate", args=[case.pk])
    client.force_login(world.applicant)
    response = client.post(url, rating_data(4, comment="办得快"))
    assert response.status_code == 302
    assert Rating.objects.get(case=case).comment == "办得快"
    shown = client.get(url).content.decode()
    assert "You rated this case" in shown and 'name="stars"' not in shown and "★★★★☆" in shown
    again = client.post(url, rating_data(1))
    assert again.status_code == 200 and "already been rated" in again.content.decode()
    assert Rating.objects.get(case=case).stars == 4
    assert not Rectification.objects.exists()


def test_rating_page_waits_for_completion_and_refuses_bad_scores(client, world):
    client.force_login(world.applicant)
    running = world.in_state("under_review")
    page = client.get(reverse("evaluations:rate", args=[running.pk])).content.decode()
    assert "once it is completed" in page and 'name="stars"' not in page
    assert client.post(reverse("evaluations:rate", args=[running.pk]), rating_data()).status_code == 200
    case = world.in_state("completed")
    response = client.post(reverse("evaluations:rate", args=[case.pk]), rating_data(stars=3, attitude="6"))
    assert response.status_code == 200 and response.context["form"].errors["attitude"]
    assert not Rating.objects.exists()


def test_a_bad_review_opens_a_rectification_and_tells_the_department(client, world):
    EvaluationSettings.objects.create(rectification_days=7)
    case = world.in_state("completed")
    client.force_login(world.applicant)
    response = client.post(reverse("evaluations:rate", args=[case.pk]), rating_data(2), follow=True)
    rectification = Rectification.objects.get(rating__case=case)
    assert rectification.department == world.department and rectification.state == R.OPEN
    assert rectification.due_date == calendar_selectors.add_working_days(timezone.localdate(), 7)
    assert any("rectification has been opened" in text for text in message_texts(response))
    assert reverse("evaluations:rectification_detail", args=[rectification.pk]) in response.content.decode()
    told = Notification.objects.filter(kind="rectification.assigned")
    assert [(n.department, n.recipient) for n in told] == [(world.department, None)]
    assert case.supervision_code in told.get().title


def test_a_fair_review_opens_no_rectification(world):
    rate(world.in_state("completed"), world.applicant, stars=3)
    assert not Rectification.objects.exists()
    assert not Notification.objects.filter(kind="rectification.assigned").exists()


def test_ratings_remind_once_per_case_completed_three_days_ago(world):
    old = world.in_state("completed")
    recent = world.in_state("completed")
    rated = world.in_state("completed")
    rate(rated, world.applicant)
    four_days_ago = timezone.now() - datetime.timedelta(days=4)
    Case.objects.filter(pk__in=[old.pk, rated.pk]).update(completed_at=four_days_ago)
    assert ratings_remind() == 1
    ratings_remind()
    reminders = Notification.objects.filter(kind="rating.reminder")
    assert reminders.count() == 1
    reminder = reminders.get()
    assert reminder.recipient == world.applicant and reminder.link == reverse("evaluations:rate", args=[old.pk])
    assert not Notification.objects.filter(kind="rating.reminder", link__endswith=f"/{recent.pk}/rate/").exists()


# --- rectification -------------------------------------------------------------------------


def step_url(rectification, action):
    return reverse("evaluations:rectification_step", args=[rectification.pk, action])


def test_the_full_rectification_flow_through_the_page(client, world):
    rectification = bad_review(world)
    client.force_login(world.clerk)
    page = client.get(reverse("evaluations:rectification_detail", args=[rectification.pk])).content.decode()
    assert step_url(rectification, "verify") in page and step_url(rectification, "appeal") in page
    assert step_url(rectification, "close") not in page
    client.post(step_url(rectification, "verify"))
    response = client.post(step_url(rectification, "call_back"), {"call_back-note": ""}, follow=True)
    assert Rectification.objects.get(pk=rectification.pk).state == R.VERIFIED
    assert [m.level_tag for m in get_messages(response.wsgi_request)][-1] == "error"
    client.post(step_url(rectification, "call_back"), {"call_back-note": "已电话回访申请人"})
    client.post(step_url(rectification, "rectify"), {"rectify-note": "窗口已加派人手"})
    assert rectified_total() == 0
    client.post(step_url(rectification, "close"))
    rectification.refresh_from_db()
    assert rectification.state == R.CLOSED and rectification.closed_at is not None
    events = list(rectification.events.values_list("action", "from_state", "to_state", "actor_id"))
    assert events == [
        ("verify", R.OPEN, R.VERIFIED, world.clerk.pk),
        ("call_back", R.VERIFIED, R.CALLED_BACK, world.clerk.pk),
        ("rectify", R.CALLED_BACK, R.RECTIFIED, world.clerk.pk),
        ("close", R.RECTIFIED, R.CLOSED, world.clerk.pk),
    ]
    assert rectified_total() == 1
    page = client.get(reverse("evaluations:rectification_detail", args=[rectification.pk])).content.decode()
    assert "窗口已加派人手" in page and "What you can do now" not in page


def test_a_step_out_of_turn_is_refused_with_a_message(client, world):
    rectification = bad_review(world)
    client.force_login(world.clerk)
    response = client.post(step_url(rectification, "close"), follow=True)
    assert any("not possible now" in text for text in message_texts(response))
    assert client.post(step_url(rectification, "jump")).status_code == 404
    assert client.get(step_url(rectification, "verify")).status_code == 405
    assert Rectification.objects.get(pk=rectification.pk).state == R.OPEN


def test_an_appeal_is_upheld_only_by_a_supervisor(client, world, supervisor):
    rectification = bad_review(world)
    rectification_step(rectification_id=rectification.pk, actor=world.clerk, action="appeal", note="恶意差评")
    with pytest.raises(EvaluationError, match="supervisor"):
        rectification_step(rectification_id=rectification.pk, actor=world.reviewer, action="uphold")
    client.force_login(world.clerk)
    page = client.get(reverse("evaluations:rectification_detail", args=[rectification.pk])).content.decode()
    assert step_url(rectification, "uphold") not in page and "恶意差评" in page
    client.post(step_url(rectification, "uphold"))
    assert Rectification.objects.get(pk=rectification.pk).state == R.APPEALED
    client.force_login(supervisor)
    page = client.get(reverse("evaluations:rectification_detail", args=[rectification.pk])).content.decode()
    assert step_url(rectification, "uphold") in page and step_url(rectification, "reject") in page
    client.post(step_url(rectification, "uphold"))
    rectification.refresh_from_db()
    assert rectification.state == R.UPHELD and rectification.closed_at is not None
    assert rectified_total() == 0


def test_a_rejected_appeal_goes_back_to_the_department_to_rectify(world, supervisor):
    rectification = bad_review(world)
    rectification_step(rectification_id=rectification.pk, actor=world.clerk, action="appeal", note="恶意差评")
    with pytest.raises(EvaluationError, match="supervisor"):
        rectification_step(rectification_id=rectification.pk, actor=world.clerk, action="reject")
    rectification_step(rectification_id=rectification.pk, actor=supervisor, action="reject", note="证据不足")
    # Before, the department could close it at once and it counted as rectified.
    with pytest.raises(EvaluationError):
        rectification_step(rectification_id=rectification.pk, actor=world.clerk, action="close")
    for action, note in [("verify", ""), ("call_back", "已回访"), ("rectify", "已整改"), ("close", "")]:
        rectification_step(rectification_id=rectification.pk, actor=world.clerk, action=action, note=note)
    assert Rectification.objects.get(pk=rectification.pk).state == R.CLOSED
    assert list(rectification.events.values_list("action", flat=True)) == [
        "appeal", "reject", "verify", "call_back", "rectify", "close",
    ]  # fmt: skip
    assert rectified_total() == 1


def test_the_applicant_rates_the_fix_once(client, world):
    rectification = bad_review(world)
    detail = reverse("evaluations:rectification_detail", args=[rectification.pk])
    rate_fix = reverse("evaluations:rectification_rate_fix", args=[rectification.pk])
    with pytest.raises(EvaluationError, match="once, after it is done"):
        rectification_rate_fix(rectification_id=rectification.pk, applicant=world.applicant, stars=4)
    for action, note in [("verify", ""), ("call_back", "已回访"), ("rectify", "已整改")]:
        rectification_step(rectification_id=rectification.pk, actor=world.clerk, action=action, note=note)
    with pytest.raises(EvaluationError, match="Only the applicant"):
        rectification_rate_fix(rectification_id=rectification.pk, applicant=world.clerk, stars=4)
    client.force_login(world.applicant)
    assert rate_fix in client.get(detail).content.decode()
    client.post(rate_fix, {"fix-stars": "4"})
    response = client.post(rate_fix, {"fix-stars": "1"}, follow=True)
    assert any("once" in text for text in message_texts(response))
    assert Rectification.objects.get(pk=rectification.pk).fix_stars == 4
    assert rate_fix not in client.get(detail).content.decode()


def test_mark_overdue_flags_only_running_rectifications_past_due(client, world):
    late, closed, on_time = bad_review(world), bad_review(world), bad_review(world)
    for action, note in [("verify", ""), ("call_back", "已回访"), ("rectify", "已整改"), ("close", "")]:
        rectification_step(rectification_id=closed.pk, actor=world.clerk, action=action, note=note)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Rectification.objects.filter(pk__in=[late.pk, closed.pk]).update(due_date=yesterday)
    assert rectifications_mark_overdue() == 1
    assert rectifications_mark_overdue() == 0
    flags = dict(Rectification.objects.values_list("pk", "is_overdue"))
    assert flags == {late.pk: True, closed.pk: False, on_time.pk: False}
    client.force_login(world.clerk)
    assert (
        localized("Overdue") in client.get(reverse("evaluations:rectification_detail", args=[late.pk])).content.decode()
    )


def test_rectification_pages_are_for_the_applicant_department_and_supervisors(client, world, supervisor):
    rectification = bad_review(world)
    detail = reverse("evaluations:rectification_detail", args=[rectification.pk])
    for user in (world.applicant, world.clerk, world.reviewer, supervisor):
        client.force_login(user)
        assert client.get(detail).status_code == 200
    client.force_login(world.applicant)
    assert step_url(rectification, "verify") not in client.get(detail).content.decode()
    for outsider in (world.other_clerk, UserFactory()):
        client.force_login(outsider)
        assert client.get(detail).status_code == 404
        assert client.post(step_url(rectification, "verify")).status_code == 404
        assert client.post(reverse("evaluations:rectification_rate_fix", args=[rectification.pk])).status_code == 404
    client.logout()
    assert client.get(detail).status_code == 302
    assert Rectification.objects.get(pk=rectification.pk).state == R.OPEN


# --- consultations and complaints ----------------------------------------------------------


def test_ask_about_an_implementation_prefilled_from_the_guide(client, world):
    client.force_login(world.applicant)
    url = reverse("evaluations:ask")
    assert world.implementation.code in client.get(f"{url}?item={world.implementation.code}").content.decode()
    response = client.post(
        url,
        {"kind": "consultation", "implementation_code": world.implementation.code.lower(), "subject": "材料",
         "question": "需要原件吗？", "allow_publish": "on"},
    )  # fmt: skip
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluations:inquiry_detail", args=[inquiry.pk]
    )
    assert (inquiry.implementation, inquiry.department, inquiry.allow_publish) == (
        world.implementation, world.department, True,
    )  # fmt: skip
    limit = EvaluationSettings.current().consultation_days
    assert inquiry.due_date == calendar_selectors.add_working_days(timezone.localdate(), limit)
    assert Notification.objects.filter(kind="consultation.assigned", department=world.department).exists()


def test_ask_about_an_own_case_or_a_department(client, world):
    case = world.in_state("accepted")
    client.force_login(world.applicant)
    url = reverse("evaluations:ask")
    assert f'value="{case.pk}" selected' in client.get(f"{url}?case={case.pk}").content.decode()
    client.post(url, {"kind": "complaint", "case": case.pk, "subject": "态度", "question": "窗口态度差"})
    complaint = Inquiry.objects.get(kind=Inquiry.Kind.COMPLAINT)
    assert (complaint.case, complaint.department, complaint.implementation) == (
        case, world.department, world.implementation,
    )  # fmt: skip
    client.post(
        url, {"kind": "consultation", "department": world.other_department.pk, "subject": "地址", "question": "在哪？"}
    )
    assert Inquiry.objects.get(kind=Inquiry.Kind.CONSULTATION).department == world.other_department
    response = client.post(url, {"kind": "consultation", "subject": "无", "question": "？"})
    assert response.status_code == 200 and "Say which item, case or department" in response.content.decode()
    assert Inquiry.objects.count() == 2


def test_someone_elses_case_is_refused(client, world):
    case = world.in_state("accepted")
    stranger = UserFactory()
    with pytest.raises(EvaluationError, match="your own cases"):
        inquiry_create(asker=stranger, kind="complaint", subject="x", question="y", case=case)
    client.force_login(stranger)
    response = client.post(
        reverse("evaluations:ask"), {"kind": "complaint", "case": case.pk, "subject": "x", "question": "y"}
    )
    assert response.status_code == 200 and response.context["form"].errors["case"]
    assert case.supervision_code not in client.get(f"{reverse('evaluations:ask')}?case={case.pk}").content.decode()
    assert not Inquiry.objects.exists()


def test_the_department_answers_and_no_other(client, world, supervisor):
    inquiry = ask(world)
    detail = reverse("evaluations:inquiry_detail", args=[inquiry.pk])
    with pytest.raises(EvaluationError, match="department asked"):
        inquiry_answer(inquiry_id=inquiry.pk, actor=world.other_clerk, answer="不归我们管")
    with pytest.raises(EvaluationError, match="department asked"):
        inquiry_answer(inquiry_id=inquiry.pk, actor=supervisor, answer="监督答复")
    client.force_login(world.other_clerk)
    assert client.post(detail, {"step": "answer", "answer-answer": "x"}).status_code == 404
    client.force_login(world.clerk)
    assert 'name="answer-answer"' in client.get(detail).content.decode()
    response = client.post(detail, {"step": "answer", "answer-answer": ""})
    assert response.status_code == 200 and response.context["answer_form"].errors
    client.post(detail, {"step": "answer", "answer-answer": "复印件即可"})
    inquiry.refresh_from_db()
    assert (inquiry.state, inquiry.answer, inquiry.answered_by) == (Inquiry.State.ANSWERED, "复印件即可", world.clerk)
    assert Notification.objects.filter(recipient=world.applicant, kind="inquiry.answered").exists()
    page = client.get(detail).content.decode()
    assert "复印件即可" in page and 'name="answer-answer"' not in page
    response = client.post(detail, {"step": "answer", "answer-answer": "再答一次"}, follow=True)
    assert any("already been answered" in text for text in message_texts(response))


def test_supervision_follows_up_complaints(client, world, supervisor):
    complaint = ask(world, kind=Inquiry.Kind.COMPLAINT, case=world.in_state("completed"))
    consultation = ask(world)
    with pytest.raises(EvaluationError, match="Only a supervisor"):
        inquiry_follow_up(inquiry_id=complaint.pk, actor=world.clerk, note="已督办")
    with pytest.raises(EvaluationError, match="Only complaints"):
        inquiry_follow_up(inquiry_id=consultation.pk, actor=supervisor, note="已督办")
    client.force_login(world.clerk)
    detail = reverse("evaluations:inquiry_detail", args=[complaint.pk])
    assert 'name="follow-note"' not in client.get(detail).content.decode()
    response = client.post(detail, {"step": "follow_up", "follow-note": "越权督办"}, follow=True)
    assert any("Only a supervisor" in text for text in message_texts(response))
    client.force_login(supervisor)
    consultation_page = client.get(reverse("evaluations:inquiry_detail", args=[consultation.pk])).content.decode()
    assert 'name="follow-note"' not in consultation_page
    assert 'name="follow-note"' in client.get(detail).content.decode()
    client.post(detail, {"step": "follow_up", "follow-note": "已督促整改"})
    assert Inquiry.objects.get(pk=complaint.pk).state == Inquiry.State.FOLLOWED_UP
    client.post(detail, {"step": "follow_up", "follow-note": "办结", "follow-close": "on"})
    complaint.refresh_from_db()
    assert complaint.state == Inquiry.State.CLOSED and complaint.follow_up == "已督促整改\n办结"
    assert 'name="follow-note"' not in client.get(detail).content.decode()


def test_inquiry_pages_are_for_the_asker_department_and_supervisors(client, world, supervisor):
    inquiry = ask(world)
    detail = reverse("evaluations:inquiry_detail", args=[inquiry.pk])
    for url in (detail, reverse("evaluations:ask"), reverse("evaluations:inquiry_list")):
        assert client.get(url).status_code == 302
    for user in (world.applicant, world.clerk, world.reviewer, supervisor):
        client.force_login(user)
        assert client.get(detail).status_code == 200
    for outsider in (world.other_clerk, UserFactory()):
        client.force_login(outsider)
        assert client.get(detail).status_code == 404
        assert inquiry.subject not in client.get(reverse("evaluations:inquiry_list")).content.decode()


def test_my_inquiries_list_costs_the_same_for_2_and_20(client, world):
    client.force_login(world.applicant)
    url = reverse("evaluations:inquiry_list")
    for _ in range(2):
        ask(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    case = world.in_state("accepted")
    for index in range(18):
        ask(world, case=case) if index % 2 else ask(world, department=world.other_department)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count(reverse("evaluations:inquiry_detail", args=[Inquiry.objects.first().pk])) == 1
    assert len(many) == len(few)


# --- template tags -------------------------------------------------------------------------


def test_published_answers_show_only_answered_consultations_allowed_to_be_published(world):
    shown = ask(world)
    Inquiry.objects.filter(pk=shown.pk).update(allow_publish=True, subject="可以公开的问题")
    waiting = ask(world)
    Inquiry.objects.filter(pk=waiting.pk).update(allow_publish=True, subject="还没答复的问题")
    private = ask(world)
    Inquiry.objects.filter(pk=private.pk).update(subject="不愿公开的问题")
    complaint = ask(world, kind=Inquiry.Kind.COMPLAINT)
    Inquiry.objects.filter(pk=complaint.pk).update(allow_publish=True, subject="一件投诉")
    for inquiry in (shown, private, complaint):
        inquiry_answer(inquiry_id=inquiry.pk, actor=world.clerk, answer=f"答复{inquiry.pk}")
    with CaptureQueriesContext(connection) as queries:
        html = render("{% published_answers implementation %}", implementation=world.implementation)
    assert len(queries) == 1
    assert "可以公开的问题" in html and f"答复{shown.pk}" in html
    for hidden in ("还没答复的问题", "不愿公开的问题", "一件投诉", world.applicant.real_name):
        assert hidden not in html
    assert render("{% published_answers implementation %}", implementation=World().implementation).strip() == ""


def test_rating_link_offers_rating_then_shows_stars_and_rectification(world):
    case = world.in_state("completed")
    source = "{% rating_link case user %}"
    assert render(source, case=case, user=world.clerk).strip() == ""
    assert render(source, case=world.in_state("accepted"), user=world.applicant).strip() == ""
    assert "Rate the service" in render(source, case=case, user=world.applicant)
    rate(case, world.applicant, stars=2)
    html = render(source, case=Case.objects.get(pk=case.pk), user=world.applicant)
    rectification = Rectification.objects.get(rating__case=case)
    assert "★★☆☆☆" in html and "Rate the service" not in html
    assert reverse("evaluations:rectification_detail", args=[rectification.pk]) in html
    loaded = Case.objects.select_related("rating__rectification").get(pk=case.pk)
    with CaptureQueriesContext(connection) as queries:
        render(source, case=loaded, user=world.applicant)
    assert len(queries) == 0


def test_department_inbox_lists_what_is_due_oldest_first_with_overdue_highlighted(world):
    late = bad_review(world)
    Rectification.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))
    question = ask(world)
    source = "{% department_inbox user %}"
    html = render(source, user=world.clerk)
    rectification_link = reverse("evaluations:rectification_detail", args=[late.pk])
    question_link = reverse("evaluations:inquiry_detail", args=[question.pk])
    assert html.index(rectification_link) < html.index(question_link)
    assert html.count("list-group-item-danger") == 1 and localized("Overdue") in html
    assert question_link not in render(source, user=world.other_clerk)
    assert render(source, user=world.applicant).strip() == ""
    inquiry_answer(inquiry_id=question.pk, actor=world.clerk, answer="已答")
    assert question_link not in render(source, user=world.clerk)


def test_department_inbox_costs_the_same_for_2_and_20_items(world):
    source = "{% department_inbox user %}"
    bad_review(world)
    ask(world)
    with CaptureQueriesContext(connection) as few:
        render(source, user=world.clerk)
    for _ in range(9):
        bad_review(world)
        ask(world, kind=Inquiry.Kind.COMPLAINT)
    with CaptureQueriesContext(connection) as many:
        html = render(source, user=world.clerk)
    assert html.count("<li") == 20
    assert len(many) == len(few) == 3


# --- admin ---------------------------------------------------------------------------------


def test_admin_shows_evaluations_read_only_and_one_settings_row(client, world):
    bad = bad_review(world)
    inquiry = ask(world)
    client.force_login(UserFactory(admin=True))
    assert client.get(reverse("admin:evaluations_evaluationsettings_add")).status_code == 200
    settings_row = EvaluationSettings.objects.create()
    assert client.get(reverse("admin:evaluations_evaluationsettings_add")).status_code == 403
    assert client.get(reverse("admin:evaluations_evaluationsettings_delete", args=[settings_row.pk])).status_code == 403
    for name, pk in [
        ("rating", bad.rating_id),
        ("rectification", bad.pk),
        ("inquiry", inquiry.pk),
        ("dailystat", None),
    ]:
        assert client.get(reverse(f"admin:evaluations_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:evaluations_{name}_add")).status_code == 403
        if pk:
            change = reverse(f"admin:evaluations_{name}_change", args=[pk])
            assert client.get(change).status_code == 200
            assert client.post(change, {}).status_code == 403
