"""Helpers of the operations tests: a real SMTP sink (aiosmtpd), free ports in the
range these tests listen on, and the worker's queue drained in-process."""
from __future__ import annotations

import os
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

# Servers these tests start listen on loopback, on ports of this range.
PORTS = range(*map(int, os.environ.get("RCM_TEST_PORT_RANGE", "5120-5140").split("-")))


def free_ports(count: int) -> list[int]:
    """``count`` different ports of the range that nothing listens on now."""
    held = []
    try:
        for port in PORTS:
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
            if len(held) == count:
                return [s.getsockname()[1] for s in held]
    finally:
        for sock in held:
            sock.close()
    raise RuntimeError(f"fewer than {count} free ports in {PORTS}")


def free_port() -> int:
    return free_ports(1)[0]


class Inbox:
    """What the SMTP sink received; recipients listed here are refused for good."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages = []
        self.refuse = refuse
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self.port = free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def sink():
    with SmtpSink(Inbox(refuse=("nobody@refused.example.org",))) as running:
        yield running


class SilentServer:
    """Accepts connections and never says a word (a relay that never greets)."""

    def __init__(self):
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


def run_queued_tasks(app) -> int:
    """Do what a worker would: take each queued task and run it (Huey's own calls)."""
    queue = app.extensions["rcm_queue"]
    done = 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        done += 1
    return done


def queued_config(tmp_path, **extra) -> dict:
    """Settings of an app whose tasks wait in a real (SQLite) queue for a worker."""
    return {"RCM_QUEUE_IMMEDIATE": False, "RCM_QUEUE_FILE": str(tmp_path / "queue.sqlite3"), **extra}
