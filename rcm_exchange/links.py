"""Absolute links to pages, for mail and API bodies, built from ``RCM_BASE_URL``.

They work inside a request, on the command line and after a commit alike, because
they never depend on the request's host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    return _adapter().build(endpoint, values, force_external=True)


def _adapter():
    # Binding the URL map costs more than building a link, and a result list builds
    # dozens: the adapter is kept per application and base address.
    base_url = current_app.config["RCM_BASE_URL"]
    cached = current_app.extensions.get("rcm_link_adapter")
    if cached is None or cached[0] != base_url:
        base = urlsplit(base_url)
        adapter = current_app.url_map.bind(
            base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
        )
        cached = current_app.extensions["rcm_link_adapter"] = (base_url, adapter)
    return cached[1]
