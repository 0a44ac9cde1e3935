"""Absolute links to pages, for mail and API bodies, built from ``RCM_BASE_URL``.

They work inside a request, on the command line and after a commit alike, because
they never depend on the request's host.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["RCM_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
