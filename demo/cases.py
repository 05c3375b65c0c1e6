"""Demo cases for ``seed_demo``: about forty applications in every state, so the hall is alive on first run.

Every case is made and moved only by the workflow services (``approvals.services.cases``), by
the demo applicants and the demo staff of five departments. The services stamp everything
"now"; afterwards each case is made to look older by moving its timestamps and dates back,
the one direct write here, and only to timestamp and date fields: submissions spread over
the last 44 working days (about two months, longer when a Spring Festival or National Day
holiday falls inside them), the timeline replayed on working days, due dates and working days used
recomputed the way the services count them. Some open cases end up near their due date and
some overdue; ``case_mark_overdue`` then flags them as the nightly task would.

Running it again changes nothing: demo cases carry ``form_data["demo"] = True`` and their
presence skips the whole seed. Nothing is random; the dates follow from today's date.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from approvals.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CoReviewRequest,
    ExtensionRequest,
    Implementation,
    Material,
    SupplementRequest,
)
from approvals.selectors import calendar as calendar_selectors
from approvals.services import cases as services
from demo.accounts import DEMO_PASSWORD
from departments.models import Department, StaffMembership
from portal.models import User

S = Case.State
CITY_CODE = "500000"
PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TOKEN_NAMESPACE = uuid.UUID("5f0c1f2e-7d1a-4c3b-9a49-2f6a0de9c0a1")

# Departments with demo staff, as ``<region code>:<municipal short name>`` (the keys of ``seed_departments``).
SCJ = "500000:市市场监管局"  # 重庆市市场监督管理局
YZ = "500103:市市场监管局"  # 渝中区市场监督管理局
JB = "500105:市公安局"  # 江北区公安局
WJW = "500000:市卫生健康委"  # 重庆市卫生健康委员会
LJ = "500190:市人力社保局"  # 两江新区人力资源和社会保障局

# Who works each department's cases: (clerk, reviewer). The clerks and reviewer_scj come from
# ``seed_demo``; the other reviewers are created here (EXTRA_REVIEWERS).
STAFF = {
    SCJ: ("clerk_scj", "reviewer_scj"),
    YZ: ("clerk_yz_scj", "reviewer_yz_scj"),
    JB: ("clerk_jb_gaj", "reviewer_jb_gaj"),
    WJW: ("clerk_wjw", "reviewer_wjw"),
    LJ: ("clerk_lj_rsj", "reviewer_lj_rsj"),
}

# username, real name, department, staff number
EXTRA_REVIEWERS = [
    ("reviewer_yz_scj", "黄伟", YZ, "YZ0102"),
    ("reviewer_jb_gaj", "何俊", JB, "JB0202"),
    ("reviewer_wjw", "马艳", WJW, "SJ0302"),
    ("reviewer_lj_rsj", "罗刚", LJ, "LJ0402"),
]


@dataclass(frozen=True)
class Plan:
    """One demo case: where, what, who, and what happens to it.

    ``ago`` is how many working days before today the case was submitted (created, for a
    draft); 0 keeps the real timestamps. Each step is ``(action, working days after the
    previous event, *arguments)`` and makes exactly one timeline event.
    """

    place: str
    item: str
    applicant: str
    ago: int
    steps: tuple = ()
    note: str = ""
    submit: bool = True
    received_at: str = ""  # department key of the window that received the application for ``place`` (异地代收)


ACCEPT, REVIEW = ("accept", 1), ("start_review", 0)

PLANS = [
    # --- drafts
    Plan(SCJ, "企业设立登记", "enterprise_shancheng", 2, note="拟设立重庆山城火锅连锁管理有限公司", submit=False),
    Plan(LJ, "社会保障卡申领", "citizen_wang", 0, note="首次申领", submit=False),
    Plan(JB, "普通护照签发", "citizen_li", 6, note="因私出国旅游", submit=False),
    # --- submitted, waiting for acceptance
    Plan(SCJ, "个体工商户登记", "citizen_wang", 0, note="王芳小面馆，经营场所：渝北区龙溪街道"),
    Plan(JB, "机动车驾驶证换证", "citizen_li", 1, (("assign", 0, "clerk_jb_gaj"),), note="驾驶证有效期满换证"),
    Plan(WJW, "出生医学证明办理", "citizen_li", 2, note="新生儿出生医学证明首次签发"),
    Plan(JB, "居住证签发", "citizen_wang", 1, note="居住地：江北区观音桥街道", received_at=YZ),
    # --- transferred to the competent department
    Plan(SCJ, "个体工商户登记", "citizen_li", 3,
         (("transfer", 1, YZ, "经营场所位于渝中区解放碑街道，依法由属地登记机关办理。"),), note="李记小吃店"),
    Plan(YZ, "特种设备使用登记", "enterprise_shancheng", 2,
         (("transfer", 0, SCJ, "申请登记的设备为大型游乐设施，使用登记由市级特种设备安全监管部门办理。"),),
         note="门店观光电梯使用登记"),
    # --- accepted
    Plan(WJW, "医师执业注册", "citizen_wang", 5, (ACCEPT,), note="执业类别：临床；执业范围：内科专业"),
    Plan(LJ, "失业保险金申领", "citizen_li", 2, (ACCEPT,), note="原单位：重庆某科技有限公司，合同到期终止"),
    Plan(YZ, "食品经营许可", "enterprise_shancheng", 7, (ACCEPT,), note="山城火锅解放碑店，主体业态：餐饮服务经营者"),
    # --- refused at acceptance
    Plan(JB, "户口迁移", "citizen_wang", 12,
         (("refuse", 1, "合法稳定住所证明为房屋租赁合同，不属于《重庆市户口迁移登记实施办法》规定的可落户情形。"),),
         note="迁入地址：江北区观音桥街道"),
    Plan(LJ, "人力资源服务许可", "enterprise_shancheng", 20,
         (("refuse", 2, "营业执照经营范围不含人力资源服务，请变更经营范围后重新申请。"),),
         note="拟开展餐饮行业职业介绍"),
    # --- supplement requested
    Plan(SCJ, "食品经营许可", "enterprise_shancheng", 3,
         (("request_supplement", 1, [(2, "布局图未标注洗消间和专间位置"), (3, "缺少从业人员健康管理制度")]),),
         note="山城火锅观音桥店"),
    Plan(WJW, "医疗机构执业登记", "citizen_li", 9,
         (ACCEPT, REVIEW, ("request_supplement", 2, [(1, "房屋租赁合同已过期，请提供有效期内的使用证明")])),
         note="李明中医诊所"),
    # --- under review
    Plan(SCJ, "特种设备使用登记", "enterprise_shancheng", 7, (ACCEPT, ("start_review", 1)),
         note="后厨燃气锅炉使用登记"),
    Plan(JB, "往来港澳通行证签发", "citizen_li", 6, (ACCEPT, REVIEW), note="赴港旅游"),
    Plan(LJ, "工伤认定", "enterprise_shancheng", 25,
         (ACCEPT, ("start_review", 1), ("request_extension", 5, 10, "需向用人单位和就诊医疗机构调查核实事故经过。"),
          ("extend", 1)),
         note="员工张某在后厨作业时烫伤"),
    Plan(YZ, "食品小作坊登记", "citizen_wang", 14,
         (ACCEPT, ("start_review", 1), ("request_supplement", 1, [(2, "从业人员健康证明已过期")]), ("supplement", 3)),
         note="王记手工汤圆作坊"),
    Plan(WJW, "公共场所卫生许可", "enterprise_shancheng", 5,
         (ACCEPT, REVIEW, ("co_review", 1, [SCJ], "请核实申请人营业执照登记信息和食品经营许可情况。"),
          ("opinion", 2, SCJ, "agree", "营业执照登记信息真实有效，食品经营许可在有效期内。")),
         note="山城火锅解放碑店（含茶座）"),
    # --- co-review: opinions asked of other departments
    Plan(YZ, "食品经营许可", "citizen_li", 3,
         (ACCEPT, REVIEW, ("co_review", 1, [WJW], "经营项目含生食类食品制售，请就从业人员健康管理提出意见。")),
         note="李记日料小馆"),
    Plan(WJW, "医疗机构执业登记", "citizen_wang", 18,
         (ACCEPT, ("start_review", 2),
          ("co_review", 1, [SCJ], "请核查诊所拟使用的压力蒸汽灭菌器的特种设备使用登记情况。")),
         note="王芳口腔诊所"),
    Plan(JB, "户口迁移", "citizen_li", 4,
         (ACCEPT, REVIEW, ("co_review", 1, [LJ], "申请人以人才引进落户，请核实其在两江新区的就业登记和社保缴纳情况。")),
         note="人才引进落户"),
    # --- special procedure (clock stopped)
    Plan(YZ, "食品小作坊登记", "citizen_li", 9,
         (ACCEPT, REVIEW, ("suspend", 1, "现场核查：对生产加工场所进行现场核查，核查时间不计入办理时限。")),
         note="李家手工面条作坊"),
    Plan(LJ, "工伤认定", "citizen_wang", 15,
         (ACCEPT, ("start_review", 1),
          ("suspend", 2, "申请人职业病诊断尚未作出结论，依法中止工伤认定，待诊断结论作出后恢复。")),
         note="疑似职业性噪声聋"),
    # --- approved, waiting for completion (licence being issued)
    Plan(JB, "普通护照签发", "citizen_wang", 4, (ACCEPT, REVIEW, ("approve", 2, "审核通过，证件制作中。")),
         note="出国探亲"),
    Plan(WJW, "医师执业注册", "citizen_li", 6, (ACCEPT, ("start_review", 1), ("approve", 2, "符合执业注册条件。")),
         note="执业类别：中医；执业地点：渝中区"),
    Plan(SCJ, "企业设立登记", "enterprise_shancheng", 1, (("accept", 0), REVIEW, ("approve", 1, "准予设立登记。")),
         note="重庆山城餐饮管理有限公司江北分公司"),
    # --- denied, waiting for completion
    Plan(SCJ, "食品经营许可", "citizen_wang", 4,
         (ACCEPT, REVIEW, ("deny", 2, "经现场核查，经营场所距公共厕所不足25米，不符合食品经营许可条件。")),
         note="王芳小面馆"),
    Plan(LJ, "失业保险金申领", "citizen_wang", 2,
         (("accept", 0), REVIEW,
          ("deny", 1, "经核查，申请人系本人意愿中断就业，不符合《失业保险条例》第十四条规定的条件。")),
         note="原单位：重庆某商贸有限公司"),
    # --- completed
    Plan(SCJ, "企业设立登记", "enterprise_shancheng", 40,
         (("accept", 0), REVIEW, ("approve", 1, "准予设立登记。"), ("complete", 0, "电子营业执照已发放。")),
         note="重庆山城餐饮管理有限公司"),
    Plan(SCJ, "个体工商户登记", "citizen_li", 33, (ACCEPT, REVIEW, ("approve", 1), ("complete", 0)), note="李明便利店"),
    Plan(YZ, "食品经营许可", "enterprise_shancheng", 28,
         (ACCEPT, REVIEW, ("co_review", 0, [WJW], "请就集体用餐配送的从业人员健康管理提出意见。"),
          ("opinion", 1, WJW, "agree", "从业人员健康证明齐全，同意。"), ("approve", 1),
          ("complete", 1, "许可证已邮寄。")),
         note="山城火锅中央厨房"),
    Plan(JB, "出生登记(新生儿入户)", "citizen_wang", 21,
         (("accept", 0), REVIEW, ("approve", 0), ("complete", 1)), note="新生儿随母落户"),
    Plan(JB, "居住证签发", "citizen_li", 30,
         (ACCEPT, ("start_review", 2), ("approve", 6), ("complete", 1, "证件已制发，请到窗口领取。")),
         note="居住地：江北区石马河街道"),
    Plan(WJW, "出生医学证明办理", "citizen_wang", 26, (("accept", 0), REVIEW, ("approve", 1), ("complete", 0)),
         note="新生儿出生医学证明首次签发"),
    Plan(LJ, "就业创业证申领", "citizen_li", 38, (("accept", 0), REVIEW, ("approve", 1), ("complete", 0)),
         note="灵活就业登记"),
    Plan(LJ, "社会保障卡申领", "citizen_wang", 24,
         (ACCEPT, ("request_supplement", 1, [(1, "照片背景不是白色，请重新上传")]), ("supplement", 2),
          ("start_review", 1), ("approve", 3), ("complete", 2, "社保卡已制成，请到网点领取。")),
         note="补领社会保障卡"),
    Plan(YZ, "个体工商户登记", "citizen_wang", 35,
         (ACCEPT, REVIEW, ("deny", 1, "申请经营项目涉及前置许可，申请人未取得相关许可。"), ("complete", 0)),
         note="王芳烟酒店"),
    Plan(WJW, "医师执业注册", "citizen_li", 44,
         (ACCEPT, ("start_review", 1), ("request_extension", 2, 5, "需向原执业机构核实执业经历。"), ("extend", 1),
          ("approve", 4), ("complete", 1)),
         note="变更执业地点"),
    Plan(SCJ, "食品小作坊登记", "citizen_wang", 41,
         (ACCEPT, ("start_review", 1), ("suspend", 1, "委托检验机构对生产用水进行检测，检测时间不计入办理时限。"),
          ("resume", 6, "检测报告合格。"), ("approve", 3), ("complete", 1)),
         note="王记手工豆腐作坊"),
    # --- withdrawn by the applicant
    Plan(JB, "往来港澳通行证签发", "citizen_wang", 10, (("withdraw", 1, "行程取消，不再办理。"),), note="赴澳门旅游"),
    Plan(SCJ, "特种设备使用登记", "enterprise_shancheng", 16,
         (("request_supplement", 1, [(2, "缺少监督检验证明")]),
          ("withdraw", 3, "设备尚未完成监督检验，撤回后重新申请。")),
         note="厨房货梯使用登记"),
]  # fmt: skip


# --- people and places -------------------------------------------------------------------


def _department(key: str) -> Department:
    region_code, short_name = key.split(":")
    departments = Department.objects.filter(region__code=region_code)
    if region_code == CITY_CODE:
        return departments.get(short_name=short_name, parent__isnull=True)
    return departments.get(parent__short_name=short_name, parent__region__code=CITY_CODE)


def seed_reviewers(departments: dict[str, Department]) -> dict[str, User]:
    """Create the reviewers the demo departments lack (get or create; existing ones are kept)."""
    result = {}
    for username, real_name, key, staff_number in EXTRA_REVIEWERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, real_name=real_name, kind=User.Kind.INDIVIDUAL)
            user.set_password(DEMO_PASSWORD)
            user.save()
        StaffMembership.objects.get_or_create(
            user=user,
            department=departments[key],
            defaults={"role": StaffMembership.Role.REVIEWER, "staff_number": staff_number, "is_active": True},
        )
        result[username] = user
    return result


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", PDF_BYTES, content_type="application/pdf")


# --- making the cases through the services -----------------------------------------------


def _apply(plan: Plan, index: int, people: dict, departments: dict) -> Case:
    implementation = Implementation.objects.get(item__name=plan.item, department=departments[plan.place])
    required = [m for m in implementation.materials.all() if m.required]
    if not plan.submit:
        required = required[: max(1, len(required) // 2)]  # a draft half filled in
    window = {}
    if plan.received_at:
        window = {
            "receiving_department": departments[plan.received_at],
            "received_by": people[STAFF[plan.received_at][0]],
        }
    return services.case_save_application(
        applicant=people[plan.applicant],
        implementation=implementation,
        token=uuid.uuid5(TOKEN_NAMESPACE, f"demo-case-{index}"),
        form_data={"demo": True, "remarks": plan.note},
        answers=[services.MaterialAnswer(material=m, upload=_pdf(m.name)) for m in required],
        submit=plan.submit,
        **window,
    )


def _act(case: Case, step: tuple, people: dict, departments: dict, staff: dict) -> Case:
    action, _gap, *args = step
    clerk, reviewer = staff[case.department_id]
    pk = case.pk
    match action:
        case "accept":
            return services.case_accept(case_id=pk, actor=clerk)
        case "refuse":
            return services.case_refuse(case_id=pk, actor=clerk, reason=args[0])
        case "transfer":
            return services.case_transfer(case_id=pk, actor=clerk, to_department=departments[args[0]], reason=args[1])
        case "assign":
            return services.case_assign(case_id=pk, actor=clerk, assignee=people[args[0]])
        case "request_supplement":
            materials = list(case.implementation.materials.all())
            items = [
                {"material": materials[i].pk, "name": materials[i].name, "reason": reason} for i, reason in args[0]
            ]
            return services.case_request_supplement(case_id=pk, actor=clerk, items=items)
        case "supplement":
            request = case.supplement_requests.filter(resolved_at__isnull=True).get()
            asked = Material.objects.filter(pk__in=[item["material"] for item in request.items])
            answers = [services.MaterialAnswer(material=m, upload=_pdf(m.name)) for m in asked]
            return services.case_supplement(case_id=pk, actor=case.applicant, answers=answers, comment="已按要求补正。")
        case "start_review":
            return services.case_start_review(case_id=pk, actor=clerk)
        case "co_review":
            asked = [departments[key] for key in args[0]]
            return services.case_request_co_review(case_id=pk, actor=clerk, departments=asked, question=args[1])
        case "opinion":
            opinion_clerk = people[STAFF[args[0]][0]]
            return services.case_give_opinion(case_id=pk, actor=opinion_clerk, opinion=args[1], comment=args[2])
        case "suspend":
            return services.case_suspend(case_id=pk, actor=clerk, reason=args[0])
        case "resume":
            return services.case_resume(case_id=pk, actor=clerk, comment=args[0])
        case "request_extension":
            services.case_request_extension(case_id=pk, actor=clerk, days=args[0], reason=args[1])
            return case
        case "extend":
            return services.case_extend(case_id=pk, actor=reviewer, approve=True, comment="同意延期。")
        case "approve":
            return services.case_approve(case_id=pk, actor=reviewer, comment=args[0] if args else "")
        case "deny":
            return services.case_deny(case_id=pk, actor=reviewer, reason=args[0])
        case "complete":
            return services.case_complete(case_id=pk, actor=clerk, comment=args[0] if args else "")
        case "withdraw":
            return services.case_withdraw(case_id=pk, actor=case.applicant, comment=args[0])
    raise AssertionError(action)


# --- making them look older --------------------------------------------------------------


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """Return the ``count``-th working day before ``day`` (the inverse of ``add_working_days``)."""
    calendar = calendar_selectors.working_calendar(day - datetime.timedelta(days=count * 7 // 5 + 21), day)
    while count:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def _moments(dates: list[datetime.date], index: int) -> list[datetime.datetime]:
    """Give each event a time of day: office hours, later events of the same day 25–45 minutes apart."""
    moments: list[datetime.datetime] = []
    for position, day in enumerate(dates):
        if moments and dates[position - 1] == day:
            moments.append(moments[-1] + datetime.timedelta(minutes=25 + (index + position) * 7 % 21))
            continue
        minutes = 9 * 60 + (index * 37 + position * 53) % 360  # 9:00 to 15:00
        naive = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
        moments.append(timezone.make_aware(naive))
    return moments


@dataclass
class _Clock:
    """The case's statutory clock replayed on the back-dated timeline, counted as the services count it."""

    total: int
    due: datetime.date | None = None
    remaining: int | None = None
    used: int | None = None

    def replay(self, events: list[CaseEvent], dates: list[datetime.date], extensions: list[int]) -> "_Clock":
        extensions = list(extensions)
        for event, day in zip(events, dates, strict=True):
            if event.action == "accept":
                self.due = calendar_selectors.add_working_days(day, self.total)
            elif event.action in {"request_supplement", "suspend", "withdraw"} and self.due is not None:
                self.remaining, self.due = calendar_selectors.working_days_between(day, self.due), None
            elif event.action in {"supplement", "resume"} and self.remaining is not None:
                self.due, self.remaining = calendar_selectors.add_working_days(day, self.remaining), None
            elif event.action == "extend":
                days = extensions.pop(0)
                self.total += days
                if self.due is not None:
                    self.due = calendar_selectors.add_working_days(self.due, days)
                else:
                    self.remaining = (self.remaining or 0) + days
            elif event.action == "complete":
                if self.due is None:
                    self.used = self.total - (self.remaining or 0)
                elif self.due >= day:
                    self.used = self.total - calendar_selectors.working_days_between(day, self.due)
                else:
                    self.used = self.total + calendar_selectors.working_days_between(self.due, day)
                self.used = max(0, self.used)
        return self


def _after(events: list[CaseEvent], start: int, actions: set[str], **match) -> int | None:
    for position in range(start + 1, len(events)):
        event = events[position]
        if event.action in actions and all(getattr(event, k) == v for k, v in match.items()):
            return position
    return None


def _age(case: Case, plan: Plan, index: int, today: datetime.date) -> None:
    """Move the case's timestamps back to ``plan.ago`` working days ago (timestamp and date fields only)."""
    latest = working_days_before(today, 1)
    start = min(working_days_before(today, plan.ago), latest)
    case.refresh_from_db()
    if case.state == S.DRAFT:
        created = _moments([start], index)[0]
        Case.objects.filter(pk=case.pk).update(created_at=created, updated_at=created + datetime.timedelta(minutes=12))
        CaseMaterial.objects.filter(case=case).update(uploaded_at=created + datetime.timedelta(minutes=5))
        return

    events = list(case.events.order_by("id"))
    if len(events) != len(plan.steps) + 1:
        raise AssertionError(f"{plan.item}: {len(events)} events for {len(plan.steps)} steps")
    dates = [start]
    for _action, gap, *_args in plan.steps:
        dates.append(min(calendar_selectors.add_working_days(dates[-1], gap), latest))
    moments = _moments(dates, index)
    for event, moment in zip(events, moments, strict=True):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=moment)
    at = {}
    for event, moment in zip(events, moments, strict=True):
        at.setdefault(event.action, moment)
    at["decide"] = at.get("approve") or at.get("deny")

    extensions = list(case.extension_requests.filter(approved=True).order_by("id").values_list("days", flat=True))
    clock = _Clock(total=case.implementation.committed_limit_days).replay(events, dates, extensions)
    fields = {
        "created_at": moments[0] - datetime.timedelta(minutes=20),
        "updated_at": moments[-1],
        "submitted_at": moments[0],
        "accepted_at": at.get("accept") if case.accepted_at else None,
        "decided_at": at.get("decide") if case.decided_at else None,
        "completed_at": at.get("complete") if case.completed_at else None,
    }
    if case.due_date is not None:
        fields["due_date"] = clock.due
    if case.state == S.COMPLETED:
        fields["working_days_used"] = clock.used
        fields["is_overdue"] = clock.used > clock.total
    Case.objects.filter(pk=case.pk).update(**fields)

    # The rows hanging off the timeline follow their events.
    supplied = set()
    for event, moment in zip(events, moments, strict=True):
        if event.action == "supplement":
            ids = list(event.attachments.values_list("pk", flat=True))
            CaseMaterial.objects.filter(pk__in=ids).update(uploaded_at=moment - datetime.timedelta(minutes=2))
            supplied.update(ids)
    CaseMaterial.objects.filter(case=case).exclude(pk__in=supplied).update(
        uploaded_at=moments[0] - datetime.timedelta(minutes=10)
    )
    asked = [p for p, e in enumerate(events) if e.action == "request_co_review"]
    for request in case.co_reviews.order_by("round", "id"):
        position = asked[request.round - 1]
        limit = request.step.limit_days if request.step else 5
        values = {
            "requested_at": moments[position],
            "due_date": calendar_selectors.add_working_days(dates[position], limit),
        }
        if request.answered_at:
            answer = _after(events, position, {"give_opinion"}, actor_department_id=request.department_id)
            values["answered_at"] = moments[answer]
        CoReviewRequest.objects.filter(pk=request.pk).update(**values)
    for model, asked_action, answered_action, answered_field in (
        (SupplementRequest, "request_supplement", {"supplement"}, "resolved_at"),
        (ExtensionRequest, "request_extension", {"extend", "extension_refused"}, "decided_at"),
    ):
        positions = [p for p, e in enumerate(events) if e.action == asked_action]
        for row, position in zip(model.objects.filter(case=case).order_by("id"), positions, strict=True):
            values = {"requested_at": moments[position]}
            answer = _after(events, position, answered_action)
            if getattr(row, answered_field) and answer is not None:
                values[answered_field] = moments[answer]
            model.objects.filter(pk=row.pk).update(**values)


# --- entry point -------------------------------------------------------------------------


@transaction.atomic
def seed_cases(*, users: dict) -> int:
    """Create the demo cases unless they exist; return how many cases exist afterwards.

    ``users`` is what ``demo.accounts.seed_users`` returns. Call it after the demo departments,
    catalogue and staff memberships of ``seed_demo`` exist; the reviewers the demo departments
    lack are created here.
    """
    if Case.objects.filter(form_data__demo=True).exists():
        return Case.objects.count()
    departments = {key: _department(key) for key in STAFF}
    people = {**users, **seed_reviewers(departments)}
    staff = {}
    for key, (clerk, reviewer) in STAFF.items():
        for username in (clerk, reviewer):
            if not StaffMembership.objects.filter(user=people[username], department=departments[key]).exists():
                raise RuntimeError(f"{username} does not work at {departments[key].name}: seed the staff first.")
        staff[departments[key].pk] = (people[clerk], people[reviewer])

    today = timezone.localdate()
    for index, plan in enumerate(PLANS):
        case = _apply(plan, index, people, departments)
        for step in plan.steps:
            case = _act(case, step, people, departments, staff)
        if plan.ago:
            _age(case, plan, index, today)
    services.case_mark_overdue()
    return Case.objects.count()
