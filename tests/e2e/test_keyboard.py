"""Keyboard only: the skip link, the application form filled and submitted with Tab, typing, arrow
keys and Enter (file inputs are reached by Tab; the system's file dialog is set directly), and
the language switcher changing ``lang``."""

import re

from django.urls import reverse

from approvals.models import Case
from tests.e2e.conftest import log_in
from tests.e2e.scenario import build_hall
from tests.factories import UserFactory

PDF = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%%EOF\n"}


def focused(page, selector: str) -> bool:
    return page.evaluate("(selector) => document.activeElement.matches(selector)", selector)


def tab_to(page, selector: str, limit: int = 40) -> int:
    """Press Tab until ``selector`` has the focus; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return presses
    raise AssertionError(f"Tab never reached {selector} in {limit} presses")


def test_the_application_form_can_be_completed_with_the_keyboard_alone(new_page):
    hall = build_hall()
    applicant = UserFactory(with_id_number=True, password="Hall-e2e-2026")  # no records: nothing offered
    page = new_page()
    log_in(page, applicant.mobile)
    page.goto(reverse("approvals:apply", args=[hall.implementation.code]))
    materials = list(hall.implementation.materials.order_by("sort_order", "pk"))

    page.keyboard.press("Tab")
    assert focused(page, ".skip-link")
    page.keyboard.press("Enter")
    assert focused(page, "#main")

    tab_to(page, "input[name=f_premises]")
    page.keyboard.type("渝中区解放碑步行街 8 号")
    page.keyboard.press("Tab")
    assert focused(page, "select[name=f_category]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page, "input[name=f_area]")
    page.keyboard.type("60")
    for material in materials:
        page.keyboard.press("Tab")
        upload = f"input[type=file][name=m_{material.pk}]"
        assert focused(page, upload), f"the upload for {material.name} comes next"
        page.locator(upload).set_input_files(files=[PDF])
    page.keyboard.press("Tab")
    assert focused(page, "button[name=save]")
    page.keyboard.press("Tab")
    assert focused(page, "button[name=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/cases/\d+/receipt/(#main)?$"))
    case = Case.objects.get(applicant=applicant)
    assert case.state == Case.State.SUBMITTED
    assert case.form_data == {"premises": "渝中区解放碑步行街 8 号", "category": "餐饮服务", "area": "60"}
    assert case.materials.count() == len(materials)


def test_the_language_switcher_sets_lang_in_both_languages(new_page):
    page = new_page()
    page.goto("/")
    assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
    page.locator("header button[lang=en]").click()
    page.wait_for_url("**/")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator("header button[lang=en]").get_attribute("aria-current") == "true"
    page.locator("header button[lang=zh-Hans]").click()
    assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
