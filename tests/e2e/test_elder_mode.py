"""Elder mode (适老化): a visible header toggle for large text and high contrast, kept for the session
and on the account, never mixed up by the anonymous page cache, accessible and phone-sized."""

from django.urls import reverse

from portal.models import User
from tests.e2e.conftest import PHONE, axe_serious_violations, horizontal_overflow, log_in
from tests.e2e.scenario import build_hall

TOGGLE = "header [data-elder-toggle]"


def in_elder_mode(page) -> bool:
    return page.evaluate("() => document.documentElement.classList.contains('elder')")


def root_font_px(page) -> float:
    return float(page.evaluate("() => getComputedStyle(document.documentElement).fontSize").removesuffix("px"))


def test_the_toggle_enlarges_text_for_the_session_and_the_page_cache_keeps_modes_apart(new_page):
    hall = build_hall()
    page = new_page()
    page.goto("/")  # cached for anonymous visitors in the standard mode
    assert not in_elder_mode(page) and root_font_px(page) == 16
    toggle = page.locator(TOGGLE)
    assert toggle.is_visible() and toggle.inner_text().strip().endswith("长辈模式")

    toggle.click()
    page.wait_for_url(page.url)
    assert in_elder_mode(page) and root_font_px(page) == 20
    assert page.locator(TOGGLE).inner_text().strip() == "标准模式"
    for url in ["/items/", hall.implementation.get_absolute_url(), "/"]:
        page.goto(url)
        assert in_elder_mode(page), url

    # Another visitor gets the standard page, not the copy cached in elder mode, and vice versa.
    other = new_page()
    other.goto("/")
    assert not in_elder_mode(other)
    page.reload()
    assert in_elder_mode(page)

    page.locator(TOGGLE).click()
    assert not in_elder_mode(page) and root_font_px(page) == 16


def test_the_choice_is_kept_on_the_account_and_back_at_the_next_log_in(new_page):
    hall = build_hall()
    page = new_page(language="en")
    log_in(page, hall.citizen.mobile)
    page.goto("/me/")
    assert page.locator(TOGGLE).inner_text().strip() == "A+ Elder mode"
    page.locator(TOGGLE).click()
    assert in_elder_mode(page)
    assert User.objects.get(pk=hall.citizen.pk).elder_mode is True

    page.locator("header form[action='/accounts/logout/'] button").click()
    assert not in_elder_mode(page)  # the session ended with the log-out

    elsewhere = new_page(language="en")
    log_in(elsewhere, hall.citizen.mobile)
    assert in_elder_mode(elsewhere)
    elsewhere.locator(TOGGLE).click()
    assert not in_elder_mode(elsewhere)
    assert User.objects.get(pk=hall.citizen.pk).elder_mode is False


def test_the_toggle_shows_on_a_phone_and_elder_pages_stay_accessible_without_horizontal_scrolling(new_page):
    hall = build_hall()
    hall.citizen.elder_mode = True
    hall.citizen.save(update_fields=["elder_mode"])
    phone = new_page(viewport=PHONE)
    phone.goto("/")
    assert phone.locator(TOGGLE).is_visible()  # not hidden in the collapsed menu
    log_in(phone, hall.citizen.mobile)
    desktop = new_page()
    log_in(desktop, hall.citizen.mobile)
    problems = []
    for url in [
        "/",
        reverse("approvals:catalogue") + "?q=食品",
        hall.implementation.get_absolute_url(),
        reverse("approvals:apply", args=[hall.implementation.code]),
        reverse("portal:me"),
        reverse("approvals:wallet_licences"),
        hall.completed_case.get_absolute_url(),
    ]:
        phone.goto(url)
        assert in_elder_mode(phone), url
        if horizontal_overflow(phone) > 0:
            problems.append(f"{url}: {horizontal_overflow(phone)}px wider than the phone")
        desktop.goto(url)
        problems.extend(f"{url}: {problem}" for problem in axe_serious_violations(desktop))
    assert not problems, "\n".join(problems)
