"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The live server runs in this process, so a test reads text messages from ``portal.sms.outbox``
and builds its data with the factories and services directly. Playwright's sync API keeps an
event loop in the test's thread, hence ``DJANGO_ALLOW_ASYNC_UNSAFE`` for the ORM calls.

Chromium is required in CI: without it these tests fail there, and are skipped only on a
developer's machine that has no ``/usr/bin/chromium`` (``.ci/run`` installs it).
"""

import functools
import os
import re
from pathlib import Path

import pytest

from scripts.chromium import CHROMIUM, launch

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "Hall-e2e-2026"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium is missing at {CHROMIUM}: `apt-get install -y chromium fonts-noto-cjk` (see .ci/run)."
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_state(request):
    """Every browser test starts with an empty page cache and SMS outbox."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.core.cache import cache

    from portal import sms

    cache.clear()
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def new_page(browser, live_server):
    """Return a function opening a page in a fresh browser context (own cookies), closed after the test.

    ``language`` sets the switcher's cookie; ``viewport`` defaults to a desktop window.
    """
    from django.conf import settings

    contexts = []
    refused = []

    def open_page(*, language: str = "zh-hans", viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="zh-CN" if language == "zh-hans" else "en-US",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()

        # The pages run under the real Content Security Policy: whatever it blocks is a bug, as is a script error.
        def on_console(message):
            if "Content Security Policy" in message.text:
                refused.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: refused.append(f"{page.url}: script error: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not refused, "Refused by the Content Security Policy or failed in a script:\n" + "\n".join(refused)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would."""
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form input[type=submit][name=submit], main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_serious_violations(page) -> list[str]:
    """Run axe-core on the page and describe every serious or critical violation, one line each."""
    # Evaluated through the DevTools protocol, which the page's Content Security Policy does not govern.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in {"serious", "critical"}:
            continue
        targets = ", ".join(_describe(node) for node in violation["nodes"][:4])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines


def _describe(node) -> str:
    target = " ".join(node["target"])
    data = next((check.get("data") for check in node.get("any", []) if isinstance(check.get("data"), dict)), None)
    if data and "contrastRatio" in data:
        target += f" [{data.get('fgColor')} on {data.get('bgColor')}: {data['contrastRatio']}]"
    return target


def horizontal_overflow(page) -> int:
    """Return by how many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
