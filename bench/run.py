"""Run the benchmark end to end (``make bench``) and write docs/benchmarks.md.

1. Create the database ``portal_bench`` (never the development or test databases), migrate it,
   and generate the data set unless it already holds the requested size (``bench_data``).
2. Serve the portal with gunicorn (``gunicorn.conf.py``; DEBUG off, persistent database
   connections, Redis cache and sessions) on a port of its own.
3. Check every page once (status and content), warm it, then measure it with wrk: requests
   per second with enough connections to keep every worker busy (each page's baseline again
   just before and after it, the ratio using their mean), then p50, p95 and p99 with one
   request in flight per core; errors from both.
4. Print one table with each page's ratio to its baseline and whether it meets its target,
   and write it with the machine, the sizes and the generation time to docs/benchmarks.md.

Settings come from the environment: BENCH_CASES (default 1,000,000), BENCH_REGENERATE=1
(generate again even if the database holds that size), BENCH_SECONDS (10 per page),
BENCH_CONNECTIONS (16, for requests per second), BENCH_LATENCY_CONNECTIONS (one per core, for
the percentiles), BENCH_PAGES (only these pages, e.g. "search2,track"; nothing is written),
BENCH_THREADS (2), BENCH_PORT (8077),
BENCH_DATABASE (portal_bench), BENCH_REDIS (redis://127.0.0.1:6379, whose databases 13, 14
and 15 the run uses and empties), GUNICORN_WORKERS.
"""

import datetime
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = ROOT / "bench" / "lua" / "requests.lua"
REPORT = ROOT / "docs" / "benchmarks.md"
FORM = "Content-Type: application/x-www-form-urlencoded"


@dataclass
class Page:
    """One row of the table: what is requested, how it is checked, and what it is compared with."""

    key: str
    label: str
    lines: list[str]
    baseline: str = ""  # "B0" or "B1"
    expect_status: int = 200
    expect_text: list[str] = field(default_factory=list)
    min_ratio: float | None = None
    max_p95_ms: float | None = None
    max_p95_of: tuple[str, float] | None = None  # (other page, factor)
    result: dict = field(default_factory=dict)


def line(method: str, path: str, body: str = "", *headers: str) -> str:
    return "\t".join([method, path, body, *headers])


def settings_from_env() -> dict:
    cpu = os.cpu_count() or 1
    workers = int(os.environ.get("GUNICORN_WORKERS") or cpu * 2 + 1)
    return {
        "cases": int(os.environ.get("BENCH_CASES") or 1_000_000),
        "regenerate": os.environ.get("BENCH_REGENERATE", "").lower() in {"1", "true", "yes", "on"},
        "only": {key for key in (os.environ.get("BENCH_PAGES") or "").split(",") if key},
        "seconds": int(os.environ.get("BENCH_SECONDS") or 10),
        "warm_seconds": int(os.environ.get("BENCH_WARM_SECONDS") or 2),
        "workers": workers,
        # Requests per second with enough connections to keep every worker busy; latency with one
        # request in flight per core, so that it is the service time, not time in gunicorn's backlog.
        "connections": int(os.environ.get("BENCH_CONNECTIONS") or 16),
        "latency_connections": int(os.environ.get("BENCH_LATENCY_CONNECTIONS") or cpu),
        "threads": int(os.environ.get("BENCH_THREADS") or 2),
        "port": int(os.environ.get("BENCH_PORT") or 8077),
        "database": os.environ.get("BENCH_DATABASE") or "portal_bench",
        "pg": os.environ.get("BENCH_POSTGRES") or "postgres://postgres@127.0.0.1:5432",
        "redis": (os.environ.get("BENCH_REDIS") or "redis://127.0.0.1:6379").rstrip("/"),
    }


def child_env(cfg: dict) -> dict:
    """Return the environment of every process the run starts: production-like settings, the bench database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "AWS_", "GUNICORN_"))
    }
    env.update(
        {
            "DJANGO_ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            # Fixed, so that a data set kept from an earlier run still decrypts and is still found.
            "DJANGO_PII_KEY": "bench-only-personal-data-key-" + "b" * 32,
            "PORTAL_BASE_URL": f"http://127.0.0.1:{cfg['port']}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"{cfg['pg']}/{cfg['database']}?conn_max_age=600",
            "REDIS_URL": f"{cfg['redis']}/13",
            "CELERY_BROKER_URL": f"{cfg['redis']}/14",
            "PORTAL_BENCH": "true",
            "GUNICORN_BIND": f"127.0.0.1:{cfg['port']}",
            "GUNICORN_WORKERS": str(cfg["workers"]),
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_MAX_REQUESTS": "0",
        }
    )
    return env


def manage(env: dict, *argv: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *argv], cwd=ROOT, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return result.stdout or ""


def ensure_database(cfg: dict) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{cfg['pg']}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["database"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{cfg["database"]}"')
    connection.close()


def redis_flush(cfg: dict) -> None:
    import redis

    for number in (13, 14, 15):
        redis.Redis.from_url(f"{cfg['redis']}/{number}").flushdb()


def request(cfg: dict, raw: str) -> tuple[int, dict, str]:
    """Send one request of a request-file line; return status, headers and body (no redirects followed)."""
    method, path, body, *headers = raw.split("\t")
    body = body.replace("{uuid}", str(__import__("uuid").uuid4()))
    names = dict(h.split(": ", 1) for h in headers)
    connection = http.client.HTTPConnection("127.0.0.1", cfg["port"], timeout=60)
    connection.request(method, path, body=body.encode() if body else None, headers=names)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, dict(response.getheaders()), text


def start_server(cfg: dict, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(PYTHON).with_name("gunicorn")), "-c", "gunicorn.conf.py", "bench.wsgi:application"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(cfg, line("GET", "/bench/b0/"))[0] == 200:
                return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 seconds.")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def check(cfg: dict, page: Page) -> None:
    """Send each distinct request once and stop the run if a page does not answer as it should."""
    for raw in dict.fromkeys(page.lines):
        status, headers, text = request(cfg, raw)
        if status != page.expect_status:
            raise SystemExit(f"{page.key}: {raw.split(chr(9))[1]} answered {status}, expected {page.expect_status}.")
        missing = [needle for needle in page.expect_text if needle not in text and needle not in str(headers)]
        if missing:
            raise SystemExit(f"{page.key}: {raw.split(chr(9))[1]} lacks {missing}.")


def wrk(cfg: dict, page: Page, seconds: int, connections: int | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(page.lines) + "\n")
        lines_file = handle.name
    try:
        output = subprocess.run(
            ["wrk", f"-t{cfg['threads']}", f"-c{connections or cfg['connections']}", f"-d{seconds}s",
             "--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{cfg['port']}", "--", lines_file],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(lines_file)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{page.key}: no result from wrk:\n{output}")
    raw = json.loads(match.group(1))
    errors = sum(raw["errors"].values())
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "errors": errors,
        **{name: raw["latency_us"][name] / 1000 for name in ("p50", "p90", "p95", "p99", "mean", "max")},
    }


def pages(targets: dict) -> list[Page]:
    csrf = targets["csrf"]
    anonymous_post = [FORM, f"Cookie: csrftoken={csrf}"]

    def session(key: str) -> str:
        return f"Cookie: sessionid={key}; csrftoken={csrf}"

    search_cookie = session(targets["search_session"])
    result = [
        Page("B0", "B0 bare Django view", [line("GET", "/bench/b0/")]),
        Page("B1", "B1 one indexed query", [line("GET", path) for path in targets["b1"]]),
        Page("catalogue", "Catalogue (anonymous, cached)", [line("GET", p) for p in targets["catalogue"]], "B0",
             min_ratio=0.6),
        Page("guide", "Guide page (anonymous, cached)", [line("GET", p) for p in targets["guide"]], "B0",
             min_ratio=0.6),
    ]  # fmt: skip
    for length, paths in targets["search"].items():
        result.append(
            Page(f"search{length}", f"Search, {length}-character queries (logged in, no page cache)",
                 [line("GET", p, "", search_cookie) for p in paths], "B1", max_p95_ms=50)
        )  # fmt: skip
    result += [
        Page("track", "Tracking by code (POST /track/)",
             [line("POST", "/track/", body, *anonymous_post) for body in targets["track"]], "B1",
             expect_text=['id="result-heading"'], min_ratio=0.4),
        Page("submit", "Submitting an application (POST, synchronous_commit on)",
             [line("POST", a["path"], a["body"], FORM, session(a["session"])) for a in targets["apply"]], "B1",
             expect_status=302, expect_text=["/receipt/"], min_ratio=0.25),
        Page("queue", "Clerk queue, first page", [line("GET", targets["queue"]["first"], "",
             session(targets["queue"]["session"]))], "B1", expect_text=["/cases/"]),
        Page("queue_deep", f"Clerk queue, page at position {targets['queue']['deep_position']:,}",
             [line("GET", targets["queue"]["deep"], "", session(targets["queue"]["session"]))], "B1",
             expect_text=["/cases/"], max_p95_of=("queue", 1.5)),
        Page("dashboard", "Supervision dashboard (last 30 days)",
             [line("GET", targets["dashboard"]["path"], "", session(targets["dashboard"]["session"]))], "B1",
             min_ratio=0.15, max_p95_ms=50),
        Page("disclosure", "Disclosure page (anonymous, cached)", [line("GET", targets["disclosure"])], "B0"),
    ]  # fmt: skip
    return result


def verdicts(page: Page, by_key: dict[str, Page]) -> list[tuple[str, bool]]:
    """Return (target text, met) for each target of ``page``."""
    out = []
    r = page.result
    if page.min_ratio is not None:
        out.append((f"≥ {page.min_ratio:g} × {page.baseline}", r["ratio"] >= page.min_ratio))
    if page.max_p95_ms is not None:
        out.append((f"p95 ≤ {page.max_p95_ms:g} ms", r["p95"] <= page.max_p95_ms))
    if page.max_p95_of is not None:
        other, factor = page.max_p95_of
        out.append((f"p95 ≤ {factor:g} × {other} p95", r["p95"] <= factor * by_key[other].result["p95"]))
    out.append(("no errors", r["errors"] == 0))
    return out


def machine() -> dict:
    cpu = "unknown"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
        memory = next(r for r in Path("/proc/meminfo").read_text().splitlines() if r.startswith("MemTotal"))
        memory_gib = int(memory.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        memory_gib = 0
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[:1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wrk": (wrk_version[0] if wrk_version else "wrk").split(" [")[0],
    }


def table(rows: list[Page], by_key: dict[str, Page]) -> list[str]:
    out = [
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors | ratio | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for page in rows:
        r = page.result
        # Truncated, not rounded, so that a ratio shown as 0.60 does meet "≥ 0.6".
        ratio = f"{math.floor(r['ratio'] * 100) / 100:.2f} × {page.baseline}" if page.baseline else "—"
        checks = [c for c in verdicts(page, by_key) if c[0] != "no errors" or not c[1]]
        target = "; ".join(text for text, _met in checks) or "—"
        met = "; ".join("yes" if ok else "**no**" for _text, ok in checks) or "—"
        out.append(
            f"| {page.label} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} "
            f"| {ratio} | {target} | {met} |"
        )
    return out


def write_report(cfg: dict, targets: dict, rows: list[Page], by_key: dict, info: dict, server: dict) -> str:
    generation = targets.get("generation") or {}
    counts = generation.get("counts", {})
    steps = generation.get("steps", {})
    missed = [(page, text) for page in rows for text, ok in verdicts(page, by_key) if not ok]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py; `BENCH_CASES=100000 make bench` for a smaller city). Every",
        "figure below comes from one run on one machine: the ratios compare pages with the two baselines",
        "measured in the same run, so they say more than the absolute numbers. The indexes and rollups the",
        "pages rely on, with their query plans on this data set: [performance.md](performance.md).",
        "",
        f"Run on {datetime.date.today().isoformat()}.",
        "",
        "## Machine and settings",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; {info['memory_gib']} GiB; {info['system']}",
        f"- PostgreSQL {server['postgres']} (synchronous_commit {targets['synchronous_commit']}, shared_buffers "
        f"{server['shared_buffers']}), Redis {server['redis']}; Python {info['python']}, Django {server['django']}, "
        f"gunicorn {server['gunicorn']}",
        f"- gunicorn: {cfg['workers']} sync workers (gunicorn.conf.py), DEBUG off, persistent database connections "
        "(CONN_MAX_AGE 600), cache and sessions in Redis, Celery publishing to Redis (no worker running)",
        f"- {info['wrk']}, {cfg['threads']} threads: requests per second with {cfg['connections']} connections, "
        f"latency (p50, p95, p99) with {cfg['latency_connections']} (one request in flight per core, so it is the "
        f"service time, not time waiting in gunicorn's backlog); {cfg['seconds']} s each after "
        f"{cfg['warm_seconds']} s of warm-up; wrk, gunicorn, PostgreSQL and Redis share the machine",
        "",
        "## Data set",
        "",
        "| rows | count |",
        "| --- | ---: |",
        *[f"| {name.replace('_', ' ')} | {value:,} |" for name, value in counts.items()],
        "",
        f"Generated with set-based SQL in {generation.get('total_seconds', 0):.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in steps.items() if v >= 1)}).",
        f"The queue measured is the busiest department's: {targets['queue']['length']:,} open cases.",
        "",
        "## Results",
        "",
        *table(rows, by_key),
        "",
        "Cached pages are compared with B0, pages that must read the database with B1: each ratio divides",
        "the page's requests per second by its baseline's, measured again just before and after the page",
        "(half as long each time, the mean taken), so that other load on the machine weighs on both sides.",
        "The B0 and B1 rows are their first runs. Search, the queue and the dashboard are measured logged in,",
        "so the page cache never answers them; tracking and submission are POSTs with a CSRF token.",
        "",
        "## Targets",
        "",
    ]
    if not missed:
        lines.append("Every target was met in this run.")
    else:
        lines.append("Missed in this run:")
        lines.append("")
        lines += [f"- {page.label}: {text} (see the notes below)." for page, text in missed]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text("utf-8").strip()]
    text = "\n".join(lines) + "\n"
    REPORT.write_text(text, "utf-8")
    return text


def server_versions(env: dict) -> dict:
    script = (
        "import django, gunicorn, redis; from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW server_version'); v = c.fetchone()[0]; c.execute('SHOW shared_buffers'); "
        "b = c.fetchone()[0]; r = redis.Redis.from_url(__import__('os').environ['REDIS_URL']).info()['redis_version']; "
        "import json; print(json.dumps({'postgres': v.split()[0], 'shared_buffers': b, 'redis': r, "
        "'django': django.get_version(), 'gunicorn': gunicorn.__version__}))"
    )
    return json.loads(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    cfg = settings_from_env()
    env = child_env(cfg)
    print(f"Benchmark: {cfg['cases']:,} cases in {cfg['database']}; {cfg['workers']} gunicorn workers.", flush=True)
    ensure_database(cfg)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "bench_data", "--cases", str(cfg["cases"]), *(["--force"] if cfg["regenerate"] else []))
    manage(env, "collectstatic", "--noinput", "-v", "0")
    redis_flush(cfg)
    targets = json.loads(manage(env, "bench_targets", capture=True).strip().splitlines()[-1])
    server_info = server_versions(env)
    rows = pages(targets)
    by_key = {page.key: page for page in rows}
    if cfg["only"]:  # a partial run for development: these pages and their baselines, no report written
        rows = [page for page in rows if page.key in cfg["only"] or page.key in {"B0", "B1"}]
    server = start_server(cfg, env)
    try:
        for page in rows:
            check(cfg, page)
            wrk(cfg, page, cfg["warm_seconds"])
            if page.baseline:
                # The baseline again just before and after the page: other load on the machine
                # then weighs on both sides of the ratio alike.
                half = max(cfg["seconds"] // 2, 1)
                before = wrk(cfg, by_key[page.baseline], half)
                throughput = wrk(cfg, page, cfg["seconds"])
                after = wrk(cfg, by_key[page.baseline], half)
            else:
                throughput = wrk(cfg, page, cfg["seconds"])
            latency = wrk(cfg, page, cfg["seconds"], cfg["latency_connections"])
            page.result = {
                **latency,
                "rps": throughput["rps"],
                "requests": throughput["requests"] + latency["requests"],
                "errors": throughput["errors"] + latency["errors"],
            }
            if page.baseline:
                page.result["baseline_rps"] = (before["rps"] + after["rps"]) / 2
                page.result["ratio"] = page.result["rps"] / page.result["baseline_rps"]
            r = page.result
            ratio = f", {r['ratio']:.2f} × {page.baseline} ({r['baseline_rps']:,.0f} req/s)" if page.baseline else ""
            print(f"  {page.label}: {r['rps']:,.0f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
                  f"p99 {r['p99']:.1f} ms, errors {r['errors']}{ratio}", flush=True)  # fmt: skip
    finally:
        stop_server(server)
        redis_flush(cfg)
    print()
    print("\n".join(table(rows, by_key)))
    if cfg["only"]:
        return
    write_report(cfg, targets, rows, by_key, machine(), server_info)
    print(f"\nWritten to {REPORT.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
