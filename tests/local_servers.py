"""Real servers on this machine for tests: an SMTP server (aiosmtpd) that keeps what it
receives, and the app served over HTTP for clients that speak to a real server."""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

from werkzeug.serving import make_server


def _test_ports() -> range | None:
    """``RCM_TEST_PORTS=5160-5169`` keeps the suite's own servers (SMTP sink, a running
    app) on those ports; unset, the system picks any free one."""
    value = os.environ.get("RCM_TEST_PORTS", "")
    if not value:
        return None
    first, _, last = value.partition("-")
    ports = range(int(first), int(last or first) + 1)
    # Each pytest-xdist worker takes its own share of the ports: two workers looking for a
    # free port at the same moment would otherwise both pick the first one.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if worker.startswith("gw") and 1 < workers <= len(ports):
        return ports[int(worker[2:]) % workers :: workers]
    return ports


class Inbox:
    """What the SMTP sink received; recipients listed in ``refuse`` are refused for good."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages = []
        self.refuse = refuse
        self.lock = threading.Lock()

    # aiosmtpd calls its handler methods by these names.
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_test_ports(count: int) -> list[int]:
    """``count`` different loopback ports that nothing listens on now (of
    ``RCM_TEST_PORTS`` when it is set)."""
    ports = _test_ports()
    held = []
    try:
        for port in ports if ports is not None else [0] * count:
            sock = socket.socket()
            # A port whose last connections are still closing (TIME_WAIT) is free to listen on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
            if len(held) == count:
                return [held_sock.getsockname()[1] for held_sock in held]
    finally:
        for sock in held:
            sock.close()
    raise RuntimeError(f"fewer than {count} free ports in RCM_TEST_PORTS ({ports.start}-{ports.stop - 1})")


def free_test_port() -> int:
    return free_test_ports(1)[0]


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
