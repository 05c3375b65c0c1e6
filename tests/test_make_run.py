"""The `make run` path on a fresh SQLite file: migrate, seed the demo city, serve, follow every navigation link."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    database = tmp_path_factory.mktemp("run") / "portal.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="portal.settings.base")
    for command in (["migrate", "--noinput"], ["seed_demo"], ["seed_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=20)


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


def fetch(client, url, data=None):
    try:
        response = client.open(url, data=data, timeout=20)
        return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", ""), exc.read().decode(errors="replace")


def header_and_footer_links(html: str) -> set[str]:
    parts = re.findall(r"<header.*?</header>|<footer.*?</footer>", html, flags=re.S)
    return {href for part in parts for href in re.findall(r'href="(/[^"#]*)"', part) if not href.startswith("/static/")}


def log_in(client, base, username, password):
    status, _, page = fetch(client, base + "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    request = urllib.request.Request(base + "/accounts/login/", data=form.encode(), headers={"Referer": base + "/"})
    status, _, _ = fetch(client, request)
    assert status == 302, "demo login failed"
    status, location, _ = fetch(client, base + "/")
    if status == 302 and location.startswith("/accounts/2fa/"):
        # Staff accounts give the code of the demo authenticator (two-factor log-in).
        from django_otp.oath import totp

        from demo.accounts import DEMO_TOTP_HEX

        status, _, page = fetch(client, base + location)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        code = f"{totp(bytes.fromhex(DEMO_TOTP_HEX)):06d}"
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": code})
        request = urllib.request.Request(base + location, data=form.encode(), headers={"Referer": base + "/"})
        status, _, _ = fetch(client, request)
        assert status == 302, "demo two-factor step failed"
        assert fetch(client, base + "/")[0] == 200


def check_links(client, base, html):
    links = header_and_footer_links(html)
    assert links
    for link in links:
        status, location, _ = fetch(client, base + link)
        if link.startswith(("/language/", "/elder-mode/")):
            assert status == 302 and location == "/", (link, status, location)  # back to the page it came from
            continue
        assert status == 200 or (status == 302 and location.startswith("/accounts/login/")), (link, status, location)
    return links


def test_home_and_every_navigation_link_work_for_a_visitor(demo_server):
    client, _ = opener()
    status, _, html = fetch(client, demo_server + "/")
    assert status == 200
    assert "两江新区" in html and "渝中区" in html
    check_links(client, demo_server, html)


@pytest.mark.parametrize("username", ["admin", "supervisor", "clerk_scj", "citizen_li"])
def test_every_navigation_link_works_for_each_demo_role(demo_server, username):
    from demo.accounts import DEMO_PASSWORD

    client, _ = opener()
    log_in(client, demo_server, username, DEMO_PASSWORD)
    status, _, html = fetch(client, demo_server + "/")
    links = check_links(client, demo_server, html)
    for link in links - {link for link in links if link.startswith(("/language/", "/elder-mode/"))}:
        status, _, _ = fetch(client, demo_server + link)
        assert status == 200, (username, link, status)
