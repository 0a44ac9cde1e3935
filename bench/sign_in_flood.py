"""Wrong-password floods against one account: does its owner still get in?

    .venv/bin/python -m bench.sign_in_flood [--seconds 40] [--attackers 40] [--storage redis://127.0.0.1:6379/0]

Starts the site under gunicorn with two workers on 127.0.0.1 (a throw-away SQLite
database in a temporary folder), makes one admin account, and signs its owner in once
from their browser (which so receives its device cookie) and out again. Then attacker
threads, each bound to its own loopback address (127.0.0.2, 127.0.0.3, ...), send
wrong passwords for that account as fast as the site answers, while the owner's browser
signs in with the right password every two seconds. Everything is bounded: a fixed
duration, a cap on requests, loopback addresses only.

Prints the guesses the site actually checked (answers 401) per minute, on average and
in the busiest 60 seconds, against the
configured limit (RCM_LOGIN_LIMIT, per account for unknown clients), how many attempts
were refused (429), and how many of the owner's sign-ins succeeded. Run it once with
shared storage (the default, Redis) and once with ``--storage memory://`` to see each
worker count on its own.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PORT = 5111  # within this checkout's port range
WORKERS = 2
PASSWORD = "owner passphrase 2026"
MAX_REQUESTS = 50_000
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """One client from one loopback address, keeping its cookies like a browser."""

    def __init__(self, address: str):
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", PORT, timeout=60, source_address=(self.address, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if "expires=Thu, 01 Jan 1970" in value or not cookie_value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = cookie_value
            return response.status, text
        finally:
            connection.close()

    def token(self) -> str:
        return CSRF.search(self.request("GET", "/auth/sign-in")[1]).group(1)

    def sign_in(self, email: str, password: str, token: str | None = None) -> int:
        return self.request(
            "POST",
            "/auth/sign-in",
            {"csrf_token": token or self.token(), "email": email, "password": password},
        )[0]

    def sign_out(self) -> None:
        _status, page = self.request("GET", "/")
        self.request("POST", "/auth/sign-out", {"csrf_token": CSRF.search(page).group(1)})


def start_site(workdir: Path, storage: str, limit: str) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "RCM_INSTANCE_DIR": str(workdir),
        "RCM_SECRET_KEY": secrets.token_hex(16),
        "RCM_RATELIMIT_STORAGE_URL": storage,
        "RCM_LOGIN_LIMIT": limit,
        "RCM_ENV": "development",
        "RCM_INDEX_DIR": str(workdir / "index"),
        "FLASK_APP": "wsgi",
    }
    env.pop("RCM_DATABASE_URL", None)
    flask = str(Path(sys.executable).parent / "flask")
    subprocess.run([flask, "rcm", "init"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    email = f"owner-{secrets.token_hex(4)}@ts.example.org"
    subprocess.run(
        [
            flask,
            "rcm",
            "create-user",
            email,
            "--name",
            "Owner",
            "--org",
            "TS",
            "--role",
            "admin",
            "--password-stdin",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{PORT}",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            Browser("127.0.0.1").request("GET", "/auth/sign-in")
            return process, email
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
            time.sleep(0.3)


def flood(email: str, seconds: float, attackers: int) -> dict:
    owner = Browser("127.0.0.1")
    assert owner.sign_in(email, PASSWORD) == 302, "the owner could not sign in before the flood"
    owner.sign_out()
    stop = time.monotonic() + seconds
    answers: Counter = Counter()
    checked_at: list[float] = []
    owner_results: list[int] = []
    lock = threading.Lock()

    def attack(address: str) -> None:
        browser = Browser(address)
        token = browser.token()
        while time.monotonic() < stop:
            with lock:
                if sum(answers.values()) >= MAX_REQUESTS:
                    return
            status = browser.sign_in(email, f"guess-{secrets.token_hex(4)}", token)
            with lock:
                answers[status] += 1
                if status == 401:
                    checked_at.append(time.monotonic())
            if status == 429:
                time.sleep(0.05)  # a guesser keeps trying, without spinning a CPU

    def owner_signs_in() -> None:
        while time.monotonic() < stop:
            status = owner.sign_in(email, PASSWORD)
            owner_results.append(status)
            if status == 302:
                owner.sign_out()
            time.sleep(2)

    threads = [threading.Thread(target=attack, args=(f"127.0.0.{2 + n}",)) for n in range(attackers)]
    threads.append(threading.Thread(target=owner_signs_in))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # An unknown client with the right password, after the flood: it shares the
    # account's allowance with the guessers.
    stranger = Browser(f"127.0.0.{3 + attackers}").sign_in(email, PASSWORD)
    busiest = max((sum(1 for t in checked_at if start <= t < start + 60) for start in checked_at), default=0)
    return {
        "elapsed": elapsed,
        "answers": answers,
        "owner": owner_results,
        "stranger": stranger,
        "busiest_minute": busiest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--attackers", type=int, default=40, help="loopback addresses guessing (at most 200)")
    parser.add_argument("--storage", default="redis://127.0.0.1:6379/0", help="RCM_RATELIMIT_STORAGE_URL")
    parser.add_argument("--limit", default="5 per minute", help="RCM_LOGIN_LIMIT")
    args = parser.parse_args()
    attackers = max(1, min(args.attackers, 200))
    with tempfile.TemporaryDirectory(prefix="rcm-flood-") as folder:
        process, email = start_site(Path(folder), args.storage, args.limit)
        try:
            result = flood(email, args.seconds, attackers)
        finally:
            process.terminate()
            process.wait(timeout=30)
    answers, owner = result["answers"], result["owner"]
    per_minute = answers[401] / result["elapsed"] * 60
    allowed = int(args.limit.split()[0]) * (60 if "second" in args.limit else 1)
    print(f"storage {args.storage}, {WORKERS} gunicorn workers, limit {args.limit} per account")
    print(
        f"{attackers} attacker addresses, {result['elapsed']:.0f} s, "
        f"{sum(answers.values())} wrong-password requests: "
        f"{answers[401]} checked (401), {answers[429]} refused (429), "
        f"others {sum(answers.values()) - answers[401] - answers[429]}"
    )
    print(
        f"guessing rate achieved: {per_minute:.1f} per minute on average, at most {result['busiest_minute']} "
        f"in any 60 s, against a configured {allowed} per minute"
    )
    print(f"owner's browser (device cookie): {owner.count(302)} of {len(owner)} sign-ins succeeded")
    print(f"unknown client with the right password after the flood: {result['stranger']}")


if __name__ == "__main__":
    main()
