"""Full-text search for RCM Exchange, independent of the web application.

The application hands in plain document dicts and an ``AccessFilter`` built by its
access policy; engines return ids, hits and facet counts.
"""

from .contract import (
    FACET_NAMES,
    SORTS,
    AccessFilter,
    IndexCorrupt,
    SearchEngine,
    SearchHit,
    SearchQuery,
    SearchResult,
    SearchTooSlow,
    SearchUnavailable,
    SettingsError,
)
from .query_syntax import MAX_QUERY_CHARS
from .registry import available_backends, engine_class, engine_options, open_engine, register_backend

__all__ = [
    "FACET_NAMES",
    "MAX_QUERY_CHARS",
    "SORTS",
    "AccessFilter",
    "IndexCorrupt",
    "SearchEngine",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SearchTooSlow",
    "SearchUnavailable",
    "SettingsError",
    "available_backends",
    "engine_class",
    "engine_options",
    "open_engine",
    "register_backend",
]
