"""Render the main pages of the demo city into docs/screenshots/ (`make screenshots`).

Builds a fresh SQLite demo database in var/screenshots/ (migrate + seed_demo), serves it with
`manage.py runserver` on a free local port, and photographs each page with Debian's Chromium
through Playwright in Simplified Chinese and English, at desktop (1280 px) and phone (375 px)
width: docs/screenshots/<page>-<zh-hans|en>-<desktop|phone>.png, at most 2000 px high.
PNGs are squeezed with pngquant or optipng when either is installed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from chromium import CHROMIUM, launch  # scripts/chromium.py, beside this script

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "screenshots"
OUT_DIR = BASE_DIR / "docs" / "screenshots"
PASSWORD = "Hall-demo-2026"  # noqa: S105 - the demo accounts' shared password (README)
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
LANGUAGES = ["zh-hans", "en"]
MAX_HEIGHT = 2000

# Ids and codes of demo records the pages need, read from the seeded database.
LOOKUP = """
import json
from approvals.models import Case, Implementation
case = Case.objects.filter(department__short_name="市市场监管局", state="under_review").order_by("pk").first()
tracked = Case.objects.filter(applicant__mobile="13800000001", state="completed").order_by("pk").first()
food = Implementation.objects.filter(status="published", name__contains="食品经营").order_by("pk").first()
print(json.dumps({
    "desk_case": case.pk,
    "track_code": tracked.supervision_code,
    "guide": food.get_absolute_url(),
    "apply": f"/items/{food.code}/apply/",
}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_environment() -> dict:
    """A self-contained development environment: SQLite file, tasks in-process, local-memory cache."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL", "EMAIL_URL"}}
    env.update(
        DJANGO_DEBUG="true",
        DJANGO_ENV_FILE="",
        DJANGO_SETTINGS_MODULE="portal.settings.base",
        DATABASE_URL=f"sqlite:///{WORK_DIR / 'portal.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(WORK_DIR / "media"),
        DJANGO_PRIVATE_MEDIA_ROOT=str(WORK_DIR / "private"),
        SMS_BACKEND="portal.sms.RecordingBackend",
        DJANGO_LOG_LEVEL="WARNING",
        # The demo staff have no authenticator app: pages behind the second factor are shown without it.
        STAFF_2FA_REQUIRED="false",
    )
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return result.stdout or ""


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - the local demo server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def pages(records: dict) -> list[tuple[str | None, str, str]]:
    """(who logs in, file name, URL) for every page photographed; ``None`` is an anonymous visitor."""
    return [
        (None, "home", "/"),
        (None, "search", "/items/?q=营业执照"),
        (None, "guide", records["guide"]),
        (None, "track", "/track/"),
        (None, "disclosure", "/disclosure/"),
        (None, "elder-mode", "/"),
        ("13800000001", "apply", records["apply"]),
        ("13800000001", "my-hall", "/me/"),
        ("13800000001", "wallet", "/me/licences/"),
        ("13800000001", "messages", "/messages/"),
        ("clerk_scj", "desk", "/staff/"),
        ("clerk_scj", "case", f"/cases/{records['desk_case']}/"),
        ("supervisor", "supervision", "/supervision/"),
    ]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form [type=submit][name=submit]").click()
    page.wait_for_load_state()


def shoot(page, name: str, url: str, records: dict, path: Path) -> None:
    page.goto(url)
    if name == "elder-mode":
        page.locator("header [data-elder-toggle]").click()
        page.wait_for_load_state()
    if name == "track":
        page.locator("input[name=code]").fill(records["track_code"])
        page.locator("input[name=mobile_last4]").fill("0001")
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
    height = min(MAX_HEIGHT, page.evaluate("() => document.documentElement.scrollHeight"))
    width = page.viewport_size["width"]
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    if name == "elder-mode":
        page.locator("header [data-elder-toggle]").click()
        page.wait_for_load_state()


def optimise(paths: list[Path]) -> None:
    if shutil.which("pngquant"):
        for path in paths:
            subprocess.run(
                ["pngquant", "--force", "--skip-if-larger", "--quality=70-95", "--output", str(path), str(path)],
                check=False,
            )
    elif shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", *map(str, paths)], check=False)


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    env = demo_environment()
    print("Building the demo city in", WORK_DIR)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")
    records = json.loads(manage(env, "shell", "-c", LOOKUP, capture=True).strip().splitlines()[-1])

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    written = []
    try:
        wait_for(base_url + "/")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for language in LANGUAGES:
                for width_name, viewport in WIDTHS.items():
                    by_role: dict[str | None, list] = {}
                    for who, name, url in pages(records):
                        by_role.setdefault(who, []).append((name, url))
                    for who, role_pages in by_role.items():
                        context = browser.new_context(
                            base_url=base_url,
                            viewport=viewport,
                            locale="zh-CN" if language == "zh-hans" else "en-US",
                            timezone_id="Asia/Shanghai",
                        )
                        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
                        page = context.new_page()
                        if who:
                            log_in(page, who)
                        for name, url in role_pages:
                            path = OUT_DIR / f"{name}-{language}-{width_name}.png"
                            shoot(page, name, url, records, path)
                            written.append(path)
                            print("  wrote", path.relative_to(BASE_DIR))
                        context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    optimise(written)
    total = sum(path.stat().st_size for path in written)
    print(f"{len(written)} screenshots, {total / 1_000_000:.1f} MB in {OUT_DIR.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
