"""Start and stop real ``flask rcm worker`` processes for the operations tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("RCM_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


requires_postgres_and_redis = pytest.mark.skipif(
    not POSTGRES_URL or not redis_reachable(),
    reason="needs RCM_TEST_POSTGRES_URL and Redis (RCM_TEST_REDIS_URL, database 5)",
)


def queue_name() -> str:
    """A queue of this test alone on the shared Redis (its keys carry this name)."""
    return f"rcm-ops-test-{uuid.uuid4().hex[:12]}"


def app_environment(env: dict[str, str]) -> dict[str, str]:
    """The environment of an app process: this one's, less any RCM_ setting, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RCM_")}
    return {**base, "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1", **env}


class Process:
    """A child process, stopped by its own id."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path):
        self.log = log
        self.handle = log.open("ab")
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=app_environment(env), stdout=self.handle, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        self.handle.close()


def start_worker(env: dict[str, str], log: Path) -> Process:
    return Process([sys.executable, "-m", "flask", "rcm", "worker"], env, log)


def wait_for(condition, timeout: float, what: str):
    """``condition()``'s first true answer, asked every 0.2 s; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)
