"""The four journeys through the portal, in Chromium against the live server.

(a) a citizen registers, finds an item, applies with uploads, tracks the case anonymously,
supplements what the department asked for, finds the licence in the wallet and rates;
(b) clerks accept, ask another department, that department answers, a reviewer approves and
the clerk completes; (c) a supervisor sees a new case and its rating on the dashboard and in
the one-code look-up; (d) an admin sets up and publishes an implementation that a citizen
then finds and applies to. Steps that belong to another journey are taken through the services.
"""

import re

from django.urls import reverse

from approvals.models import Case, Implementation, Material
from approvals.services import cases as case_services
from evaluations import services as evaluation_services
from evaluations.models import Rating
from portal import sms
from portal.models import User
from tests.e2e.conftest import PASSWORD, axe_serious_violations, log_in
from tests.e2e.scenario import ITEM_NAME, build_hall, submit_case
from tests.factories import ItemFactory, UserFactory, make_id_number

PDF = {"name": "营业执照副本.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"}
PNG = {
    "name": "场所照片.png",
    "mimeType": "image/png",
    "buffer": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00",
}


def take_action(page, action: str, **fields) -> None:
    """Open the action's panel on the case page, fill its form and submit it."""
    form = page.locator(f'form[action$="/do/{action}/"]')
    details = page.locator("details.action", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for selector, value in fields.items():
        field = form.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        elif field.get_attribute("type") in {"checkbox", "radio"}:
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").first.inner_text()


def pick_stars(page, name: str, value: int) -> None:
    radio = page.locator(f"input[name={name}][value='{value}']")
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    assert radio.is_checked()


def test_citizen_registers_applies_tracks_supplements_and_rates(new_page):
    hall = build_hall()
    page = new_page()

    # Register with a mobile number and the code texted to it.
    page.goto("/")
    page.locator("header a[href^='/accounts/login/']").click()
    page.locator("main a[href='/accounts/register/']").click()
    page.locator("input[name=kind][value=individual]").check()
    page.locator("input[name=mobile]").fill("13612345678")
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/accounts/register/verify/")
    code = re.search(r"\d{6}", sms.outbox[-1].text).group()
    assert sms.outbox[-1].mobile == "13612345678"
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=real_name]").fill("张三")
    page.locator("input[name=cert_number]").fill(make_id_number())
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url("**/me/")
    assert "张三" in page.locator("main").inner_text()

    # Browse the catalogue, search, read the guide.
    page.locator("header a[href='/items/']").click()
    page.wait_for_url("**/items/")
    page.locator("#catalogue-q").fill("食品")
    page.locator("#catalogue-q").press("Enter")
    page.wait_for_url(re.compile(r"/items/\?.*q="))
    page.get_by_role("link", name=ITEM_NAME).first.click()
    page.wait_for_url(f"**{hall.implementation.get_absolute_url()}")
    guide = page.locator("main").inner_text()
    assert "申请材料1" in guide and "申请材料2" in guide

    # Apply: answers and two uploads.
    page.locator(f"main a[href='{reverse('approvals:apply', args=[hall.implementation.code])}']").click()
    page.locator("input[name=f_premises]").fill("渝中区解放碑步行街 8 号")
    page.locator("select[name=f_category]").select_option("餐饮服务")
    page.locator("input[name=f_area]").fill("60")
    uploads = page.locator("main input[type=file]")
    assert uploads.count() == 2
    uploads.nth(0).set_input_files(files=[PDF])
    uploads.nth(1).set_input_files(files=[PNG])
    page.locator("button[name=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/receipt/$"))
    code = page.locator(".receipt dd.font-monospace").inner_text().strip()
    assert re.fullmatch(r"\d{18}[\dX]", code)
    case = Case.objects.get(supervision_code=code)
    assert case.state == Case.State.SUBMITTED and case.form_data["premises"] == "渝中区解放碑步行街 8 号"
    assert sorted(case.materials.values_list("original_name", flat=True)) == sorted([PDF["name"], PNG["name"]])

    # Anyone with the code and the last four digits follows it, without logging in.
    stranger = new_page()
    stranger.goto("/track/")
    stranger.locator("input[name=code]").fill(code)
    stranger.locator("input[name=mobile_last4]").fill("5678")
    stranger.locator("main form [type=submit]").click()
    result = stranger.locator("#result-heading")
    assert result.inner_text() == ITEM_NAME
    assert "张三" not in stranger.locator("main").inner_text()
    assert axe_serious_violations(stranger) == []

    # The department asks for a supplement; the message centre says so and the applicant uploads.
    material = Material.objects.filter(implementation=hall.implementation).order_by("sort_order").first()
    case_services.case_accept(case_id=case.pk, actor=hall.clerk)
    case_services.case_request_supplement(
        case_id=case.pk, actor=hall.clerk, items=[{"material": material.pk, "name": material.name, "reason": "模糊"}]
    )
    page.locator("header a[href='/messages/']").click()
    page.locator("main .message-list a").first.click()
    assert code in page.locator("main").inner_text()
    page.goto(case.get_absolute_url())
    page.locator(f"main a[href='{reverse('approvals:case_supplement', args=[case.pk])}']").click()
    page.locator("main input[type=file]").first.set_input_files(files=[PDF])
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"**{case.get_absolute_url()}")
    case.refresh_from_db()
    assert case.state == Case.State.ACCEPTED

    # Review, approval and completion happen at the department; the licence lands in the wallet.
    case_services.case_start_review(case_id=case.pk, actor=hall.clerk)
    case_services.case_approve(case_id=case.pk, actor=hall.reviewer)
    case_services.case_complete(case_id=case.pk, actor=hall.clerk)
    page.goto("/me/licences/")
    wallet = page.locator("main table").inner_text()
    assert "食品经营许可证" in wallet and case.licence.number in wallet

    # Rate the service from the case page.
    page.goto(case.get_absolute_url())
    page.locator(f"main a[href='{reverse('evaluations:rate', args=[case.pk])}']").first.click()
    for name, stars in {"stars": 5, "efficiency": 5, "attitude": 4, "guide_accuracy": 5, "convenience": 4}.items():
        pick_stars(page, name, stars)
    page.locator("textarea[name=comment]").fill("网上办理很方便")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    rating = Rating.objects.get(case=case)
    assert (rating.stars, rating.attitude, rating.comment) == (5, 4, "网上办理很方便")


def test_clerks_accept_ask_another_department_approve_and_complete(new_page):
    hall = build_hall()
    case = hall.waiting_case

    clerk = new_page()
    log_in(clerk, hall.clerk.username)
    clerk.locator("header a[href='/staff/']").click()
    clerk.locator(f"main table a[href='{case.get_absolute_url()}']").click()
    take_action(clerk, "accept", textarea="材料齐全，予以受理")
    take_action(clerk, "start_review")
    take_action(clerk, "request_co_review", **{"select": hall.other_department.name, "textarea": "请出具卫生意见"})
    case.refresh_from_db()
    assert case.state == Case.State.CO_REVIEW

    colleague = new_page()
    log_in(colleague, hall.other_clerk.username)
    colleague.goto("/staff/")
    colleague.locator(f"main a[href='{case.get_absolute_url()}']").first.click()
    take_action(colleague, "give_opinion", **{"input[value=agree]": True, "textarea": "符合卫生要求"})
    case.refresh_from_db()
    assert case.state == Case.State.UNDER_REVIEW
    assert case.co_reviews.get().comment == "符合卫生要求"

    reviewer = new_page()
    log_in(reviewer, hall.reviewer.username)
    reviewer.goto(case.get_absolute_url())
    take_action(reviewer, "approve", textarea="准予许可")

    clerk.reload()
    take_action(clerk, "complete")
    case.refresh_from_db()
    assert case.state == Case.State.COMPLETED and case.licence is not None
    assert "符合卫生要求" in clerk.locator("#co-heading + ul").inner_text()


def test_supervisor_sees_the_new_case_and_its_rating(new_page):
    hall = build_hall()
    applicant = UserFactory(with_id_number=True)
    case = submit_case(applicant=applicant, implementation=hall.implementation)
    case_services.case_accept(case_id=case.pk, actor=hall.clerk)
    case_services.case_start_review(case_id=case.pk, actor=hall.clerk)
    case_services.case_approve(case_id=case.pk, actor=hall.reviewer)
    case_services.case_complete(case_id=case.pk, actor=hall.clerk)
    evaluation_services.rating_submit(
        case_id=case.pk, applicant=applicant, stars=2, efficiency=2, attitude=3, guide_accuracy=2, convenience=2,
        comment="等待时间太长",
    )  # fmt: skip

    page = new_page(language="en")
    log_in(page, hall.supervisor.username)
    page.locator("header a[href='/supervision/']").click()
    figures = {
        card.locator("dt").inner_text().strip(): card.locator("dd").inner_text().strip()
        for card in page.locator("main .figure-card").all()
    }
    # Three cases were received (the hall's two and this one); two completed, both rated, this one badly.
    assert figures["Received"] == "3"
    assert figures["Completed"] == "2"
    assert figures["Bad reviews"].split()[0] == "1"
    assert "2 ratings" in figures["Satisfaction rate"]

    page.goto(reverse("evaluations:lookup"))
    page.locator("#lookup-code").fill(case.supervision_code)
    page.locator("#lookup-code").press("Enter")
    main = page.locator("main").inner_text()
    assert case.supervision_code in main and ITEM_NAME in main
    rating_card = page.locator("section", has=page.locator("#rating-heading")).inner_text()
    assert "(2 ★)" in rating_card and "等待时间太长" in rating_card


def _select2(page, field: str, text: str) -> None:
    """Choose ``text`` in one of the admin's autocomplete (select2) fields."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_admin_publishes_an_implementation_that_a_citizen_then_applies_to(new_page):
    hall = build_hall()
    item = ItemFactory(code="XK00099002", name="小餐饮店登记", keywords="小餐饮 登记")

    admin = new_page(language="en")
    log_in(admin, hall.admin.username)
    admin.goto(reverse("admin:approvals_implementation_add"))
    _select2(admin, "item", item.name)
    _select2(admin, "department", hall.department.name)
    _select2(admin, "region", hall.department.region.name)
    admin.locator("#id_name").fill(item.name)
    admin.locator("#id_conditions").fill("在本市从事小餐饮经营的个人或单位。")
    admin.locator("#id_statutory_limit_days").fill("20")
    admin.locator("#id_committed_limit_days").fill("3")
    materials = admin.locator("#materials-group")
    for index, name in enumerate(["从业人员健康证明", "经营场所平面图"]):
        materials.locator(".add-row a").click()
        materials.locator(f"input[name='materials-{index}-sort_order']").fill(str(index + 1))
        materials.locator(f"input[name='materials-{index}-name']").fill(name)
    fields = admin.locator("#form_fields-group")
    fields.locator(".add-row a").click()
    fields.locator("input[name='form_fields-0-name']").fill("shop_name")
    fields.locator("input[name='form_fields-0-label']").fill("店铺名称")
    admin.locator("input[name=_save]").click()
    admin.wait_for_url("**/admin/approvals/implementation/")
    implementation = Implementation.objects.get(item=item)
    assert implementation.status == "draft"
    assert list(implementation.materials.values_list("name", flat=True)) == ["从业人员健康证明", "经营场所平面图"]

    admin.locator(f"input[name=_selected_action][value='{implementation.pk}']").check()
    admin.locator("select[name=action]").select_option("publish")
    admin.locator("button[name=index]").click()
    admin.wait_for_load_state()
    implementation.refresh_from_db()
    assert implementation.status == "published"

    citizen = new_page()
    log_in(citizen, hall.citizen.mobile)
    citizen.goto("/items/?q=小餐饮")
    citizen.get_by_role("link", name=item.name).first.click()
    citizen.locator(f"main a[href='{reverse('approvals:apply', args=[implementation.code])}']").click()
    citizen.locator("input[name=f_shop_name]").fill("山城小面馆")
    uploads = citizen.locator("main input[type=file]")
    uploads.nth(0).set_input_files(files=[PDF])
    uploads.nth(1).set_input_files(files=[PNG])
    citizen.locator("button[name=submit]").click()
    citizen.wait_for_url(re.compile(r"/cases/\d+/receipt/$"))
    case = Case.objects.get(implementation=implementation)
    assert case.applicant == User.objects.get(pk=hall.citizen.pk)
    assert case.form_data == {"shop_name": "山城小面馆"} and case.state == Case.State.SUBMITTED
