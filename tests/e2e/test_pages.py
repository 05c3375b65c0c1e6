"""Every main page, in both languages: no serious or critical axe-core violation, the right ``lang``,
and no horizontal scrolling on a 375 × 812 phone screen.

One browser context per role visits that role's pages; the failures of all pages are
collected so that one run lists everything to fix.
"""

import os

import pytest
from django.urls import reverse

from tests.e2e.conftest import PHONE, axe_serious_violations, horizontal_overflow, log_in
from tests.e2e.scenario import build_hall

LANG_ATTRIBUTE = {"zh-hans": "zh-Hans", "en": "en"}


def main_pages(hall) -> list[tuple[str | None, str, str]]:
    """Return (who logs in, page name, URL) for every main page; ``None`` is an anonymous visitor."""
    implementation = hall.implementation
    case = hall.completed_case
    return [
        (None, "home", "/"),
        (None, "catalogue", reverse("approvals:catalogue")),
        (None, "search", reverse("approvals:catalogue") + "?q=食品"),
        (None, "guide", implementation.get_absolute_url()),
        (None, "track", reverse("approvals:track")),
        (None, "disclosure", reverse("evaluations:disclosure")),
        (None, "login", reverse("portal:login")),
        (None, "register", reverse("portal:register")),
        (hall.citizen.mobile, "apply", reverse("approvals:apply", args=[implementation.code])),
        (hall.citizen.mobile, "receipt", reverse("approvals:case_receipt", args=[case.pk])),
        (hall.citizen.mobile, "my hall", reverse("portal:me")),
        (hall.citizen.mobile, "account", reverse("portal:profile")),
        (hall.citizen.mobile, "wallet", reverse("approvals:wallet_licences")),
        (hall.citizen.mobile, "messages", reverse("portal:message_list")),
        (hall.citizen.mobile, "case (applicant)", case.get_absolute_url()),
        (hall.citizen.mobile, "rating", reverse("evaluations:rate", args=[case.pk])),
        (hall.citizen.mobile, "ask", reverse("evaluations:ask")),
        (hall.clerk.username, "desk", reverse("approvals:staff_desk")),
        (hall.clerk.username, "case (clerk)", hall.waiting_case.get_absolute_url()),
        (hall.supervisor.username, "supervision", reverse("evaluations:overview")),
        (
            hall.supervisor.username,
            "one-code look-up",
            reverse("evaluations:lookup") + f"?code={case.supervision_code}",
        ),
    ]


def visit_all(new_page, hall, *, language: str, viewport: dict | None, check) -> list[str]:
    """Open every main page as its role and return the problems ``check(page)`` reports."""
    problems = []
    pages_by_role: dict[str | None, list] = {}
    for who, name, url in main_pages(hall):
        pages_by_role.setdefault(who, []).append((name, url))
    for who, pages in pages_by_role.items():
        page = new_page(language=language, viewport=viewport)
        if who:
            log_in(page, who)
        for name, url in pages:
            response = page.goto(url)
            assert response.status == 200, f"{name} ({url}) answered {response.status}"
            problems.extend(f"{name} ({url}): {problem}" for problem in check(page))
    return problems


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_main_pages_have_no_serious_accessibility_violations(new_page, language):
    hall = build_hall()

    def check(page):
        lang = page.evaluate("() => document.documentElement.lang")
        if lang != LANG_ATTRIBUTE[language]:
            yield f'<html lang="{lang}">, expected "{LANG_ATTRIBUTE[language]}"'
        yield from axe_serious_violations(page)

    problems = visit_all(new_page, hall, language=language, viewport=None, check=check)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_main_pages_fit_a_phone_screen_without_horizontal_scrolling(new_page, language):
    hall = build_hall()

    def check(page):
        overflow = horizontal_overflow(page)
        if overflow > 0:
            yield f"{overflow}px wider than the {PHONE['width']}px screen"

    problems = visit_all(new_page, hall, language=language, viewport=PHONE, check=check)
    assert not problems, "\n".join(problems)


def test_log_out_everywhere_else_keeps_this_browser_and_ends_the_other(new_page):
    hall = build_hall()
    here, elsewhere = new_page(), new_page()
    for page in (here, elsewhere):
        log_in(page, hall.citizen.mobile)
    here.goto(reverse("portal:profile"))
    here.get_by_role("button", name="退出其他所有设备").click()
    here.wait_for_url(f"**{reverse('portal:profile')}")
    assert here.get_by_role("status").filter(has_text="已退出您在其他所有设备和浏览器上的登录").count() == 1
    if os.environ.get("E2E_SCREENSHOTS"):
        here.screenshot(path=os.path.join(os.environ["E2E_SCREENSHOTS"], "account.png"), full_page=True)
    assert here.goto(reverse("portal:me")).url.endswith(reverse("portal:me"))
    elsewhere.goto(reverse("portal:me"))
    assert reverse("portal:login") in elsewhere.url
