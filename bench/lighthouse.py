"""Lighthouse scores of the home, search, document and form pages.

    .venv/bin/python -m bench.lighthouse [--port 5180] [--preset mobile|desktop] [--runs 1]

Serves the site with gunicorn on 127.0.0.1 (a temporary SQLite database with the demo
data), signs the Mexican demo contributor in for the form page, and runs Lighthouse from
the npm registry (``lighthouse@12.2.3``, installed once under ``bench/.lighthouse/``; 13
needs Node 22) with Debian's Chromium (``/usr/bin/chromium``). Reports go to
``bench/results/lighthouse-<page>.json``; the table of scores is printed, and the exit
status is 1 when a page is under the bar: accessibility and best practices 100,
performance and SEO 95.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "bench" / ".lighthouse"
RESULTS = ROOT / "bench" / "results"
LIGHTHOUSE_VERSION = "12.2.3"
CHROMIUM = "/usr/bin/chromium"
CONTRIBUTOR = "contributor@mx.demo.rcm"
BAR = {"accessibility": 100, "best-practices": 100, "performance": 95, "seo": 95}
CATEGORIES = tuple(BAR)


def lighthouse_binary() -> Path:
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "i",
                "-E",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(TOOLS),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return binary


def serve(port: int, folder: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "RCM_INSTANCE_DIR": str(folder),
        "RCM_DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "RCM_BASE_URL": f"http://127.0.0.1:{port}",
        "RCM_LOGIN_LIMIT": "1000 per minute",
    }
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi:app", "rcm"]
    subprocess.run(flask + ["init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(flask + ["demo-data"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the site did not start")


def signed_in_cookie(base: str, email: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/auth/sign-in").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    opener.open(f"{base}/auth/sign-in", data=data).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def first_public_document(base: str) -> str:
    page = urllib.request.urlopen(f"{base}/search?q=migrantes").read().decode()
    return re.search(r'href="(/documents/\d+)"', page).group(1)


def run_lighthouse(binary: Path, url: str, name: str, preset: str, cookie: str | None) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / f"lighthouse-{name}.json"
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report = json.loads(output.read_text())
    return {key: round(report["categories"][key]["score"] * 100) for key in CATEGORIES}


def main(argv=None) -> int:
    from rcm_exchange.services.demo_data import DEMO_PASSWORD

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5180)
    parser.add_argument("--preset", choices=("mobile", "desktop"), default="mobile")
    args = parser.parse_args(argv)
    binary = lighthouse_binary()
    with tempfile.TemporaryDirectory(prefix="rcm-lighthouse-") as folder:
        server = serve(args.port, Path(folder))
        try:
            base = f"http://127.0.0.1:{args.port}"
            cookie = signed_in_cookie(base, CONTRIBUTOR, DEMO_PASSWORD)
            pages = [
                ("home", "/", None),
                ("search", "/search?q=migrantes", None),
                ("document", first_public_document(base), None),
                ("form", "/documents/new", cookie),
            ]
            scores = {
                name: run_lighthouse(binary, base + path, f"{name}-{args.preset}", args.preset, auth)
                for name, path, auth in pages
            }
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"Lighthouse {LIGHTHOUSE_VERSION}, {args.preset}, Chromium {CHROMIUM}")
    print(f"{'page':10} " + " ".join(f"{key:>15}" for key in CATEGORIES))
    failed = False
    for name, values in scores.items():
        print(f"{name:10} " + " ".join(f"{values[key]:>15}" for key in CATEGORIES))
        failed |= any(values[key] < BAR[key] for key in CATEGORIES)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
