"""HTML blueprints. Views parse input, call one service function, and render."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next_url(target: str | None, fallback_endpoint: str = "main.home") -> str:
    """A redirect target on this site only: a path, never ``//host``, ``/\\host`` or a scheme."""
    if target and _is_local_path(target):
        return target
    return url_for(fallback_endpoint)


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path
