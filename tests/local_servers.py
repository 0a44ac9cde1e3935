"""Real servers on this machine for tests: an SMTP server (aiosmtpd) that keeps what it
receives, and the app served over HTTP for clients that speak to a real server."""
from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server



def _test_ports() -> range | None:
    """``RCM_TEST_PORTS=5160-5169`` keeps the suite's own servers (SMTP sink, a running
    app) on those ports; unset, the system picks any free one."""
    value = os.environ.get("RCM_TEST_PORTS", "")
    if not value:
        return None
    first, _, last = value.partition("-")
    return range(int(first), int(last or first) + 1)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_test_port() -> int:
    ports = _test_ports()
    if ports is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    for port in ports:
        with socket.socket() as sock:
            # A port whose last connections are still closing (TIME_WAIT) is free to listen on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"every port of RCM_TEST_PORTS ({ports.start}-{ports.stop - 1}) is taken")


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


@contextmanager
def serving(app):
    """``with serving(app) as base_url:`` the app answers on 127.0.0.1 meanwhile."""
    server = make_server("127.0.0.1", free_test_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
