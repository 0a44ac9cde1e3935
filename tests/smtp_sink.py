"""A real SMTP server (aiosmtpd) on this machine that keeps what it receives."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

# The ports this suite's own servers take (SMTP sink, a running app).
TEST_PORTS = range(5160, 5170)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_test_port() -> int:
    for port in TEST_PORTS:
        with socket.socket() as sock:
            # A port whose last connections are still closing (TIME_WAIT) is free to listen on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("every test port is taken")


@pytest.fixture
def smtp_port():
    return free_test_port()


@pytest.fixture
def inbox(smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()
