"""The app served over HTTP on this machine, for clients that speak to a real server
(an OAI-PMH harvester)."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.smtp_sink import free_test_port


@contextmanager
def serving(app):
    """``with serving(app) as base_url:`` the app answers on 127.0.0.1 meanwhile."""
    port = free_test_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
