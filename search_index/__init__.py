"""Full-text search for RCM Exchange, independent of the web application.

The application hands in plain document dicts and an ``AccessFilter`` built by its
access policy; engines return ids, hits and facet counts.
"""
from .engine import (AccessFilter, IndexCorrupt, SearchEngine, SearchHit, SearchQuery,
                     SearchResult, SearchUnavailable, available_backends, open_engine,
                     register_backend)

__all__ = [
    "AccessFilter", "IndexCorrupt", "SearchEngine", "SearchHit", "SearchQuery", "SearchResult",
    "SearchUnavailable", "available_backends", "open_engine", "register_backend",
]
