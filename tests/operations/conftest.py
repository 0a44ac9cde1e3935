"""Helpers of the operations tests: a real SMTP sink (aiosmtpd), free ports in the
loopback ports, and the worker's queue drained in-process."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from tests.local_servers import Inbox, free_test_port, free_test_ports

free_ports = free_test_ports
free_port = free_test_port


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
