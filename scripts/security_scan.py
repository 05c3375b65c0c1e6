"""Scan a local server of the portal with wapiti3 and summarise the findings (``make scan``).

The server runs the demo city with DEBUG off from a throwaway SQLite database, logged out
(what anyone on the internet sees). wapiti lives in its own virtualenv (``.venv-scan``,
``requirements-scan.txt``) so its dependencies never mix with the portal's. The JSON report
goes to ``var/scan/report.json``; the summary counts findings by level and the command
fails if any is high (level 3).
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "scan"
PY = ROOT / ".venv" / "bin" / "python"
WAPITI = ROOT / ".venv-scan" / "bin" / "wapiti"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "scan.sqlite3"
    database.unlink(missing_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DJANGO_DEBUG": "false",
        "DEMO_DATA": "true",  # seed_demo lives in the demo app, installed only with DEBUG or DEMO_DATA
        "DJANGO_SECRET_KEY": "scan-only-secret-key-" + "x" * 40,
        "DJANGO_PII_KEY": "scan-only-personal-data-key-" + "p" * 40,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "SMS_BACKEND": "portal.sms.ConsoleBackend",
    }
    env.pop("CELERY_BROKER_URL", None)
    run = lambda *args: subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: E731
    run("migrate", "--noinput", "-v0")
    run("seed_demo")
    run("collectstatic", "--noinput", "-v0")
    server = subprocess.Popen(
        [str(PY), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(60):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        report = OUT / "report.json"
        subprocess.run(
            [str(WAPITI), "-u", f"http://127.0.0.1:{port}/", "--scope", "folder", "-f", "json", "-o", str(report),
             "--max-scan-time", os.environ.get("SCAN_SECONDS", "900"), "--max-attack-time", "60",
             "--max-links-per-page", "40", "--depth", "4",
             "--flush-session", "-x", f"http://127.0.0.1:{port}/language/*", "-x", f"http://127.0.0.1:{port}/admin/*",
             "--verbose", "0"],
            cwd=ROOT, check=True,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)
    data = json.loads(report.read_text())
    levels = Counter()
    for category, findings in data.get("vulnerabilities", {}).items():
        for finding in findings:
            levels[finding.get("level", 0)] += 1
            print(f"  vulnerability level {finding.get('level')}: {category}: {finding.get('info', '')[:120]}")
    anomalies = sum(len(v) for v in data.get("anomalies", {}).values())
    infos = data.get("infos", {})
    print(
        f"wapiti {infos.get('version', '')}: {infos.get('crawled_pages_nbr', '?')} pages; "
        f"vulnerabilities high {levels[3]}, medium {levels[2]}, low {levels[1]}; anomalies {anomalies}"
    )
    return 1 if levels[3] else 0


if __name__ == "__main__":
    sys.exit(main())
