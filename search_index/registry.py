"""Which search backends exist: a name → engine class table, so that an application
names a backend in its settings and never imports an engine module itself.

The built-in engines are imported when first asked for, so that a missing optional
library (tantivy, psycopg) only breaks its own backend. Engine modules import the
contract (``contract``, ``base``), never this module.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .contract import SearchEngine

# name → "module:class", relative to this package.
BUILTIN_BACKENDS = {
    "whoosh": ".whoosh_engine:WhooshEngine",
    "tantivy": ".tantivy_engine:TantivyEngine",
    "postgres": ".postgres_engine:PostgresEngine",
}
_LOADED: dict[str, type[SearchEngine]] = {}


def register_backend(name: str, engine_class: type[SearchEngine]) -> None:
    """Make ``open_engine(name, ...)`` build engines with ``engine_class(**options)``."""
    _LOADED[name] = engine_class


def available_backends() -> list[str]:
    return sorted({*BUILTIN_BACKENDS, *_LOADED})


def engine_class(backend: str) -> type[SearchEngine]:
    """The engine class of ``backend``; ValueError for a name no backend has."""
    if backend not in _LOADED:
        try:
            module_name, _, class_name = BUILTIN_BACKENDS[backend].partition(":")
        except KeyError:
            raise ValueError(f"unknown search backend {backend!r}; known: {available_backends()}") from None
        _LOADED[backend] = getattr(importlib.import_module(module_name, __package__), class_name)
    return _LOADED[backend]


def engine_options(backend: str, settings: Mapping[str, Any], prefix: str = "") -> dict:
    """The ``open_engine`` options of ``backend``, read by its engine from ``settings``
    (see ``SearchEngine.options_from``)."""
    return engine_class(backend).options_from(settings, prefix)


def open_engine(backend: str, **options) -> SearchEngine:
    """Open (creating when needed) the index of ``backend`` with its options.

    ``whoosh`` and ``tantivy`` take ``index_dir`` and optionally ``thesaurus_path``
    and ``create`` (default True: make a new index when the directory holds none).
    ``postgres`` takes ``dsn`` (a libpq connection string) and optionally ``schema``
    (default ``rcm_search``), ``thesaurus_path`` and ``create``.
    """
    return engine_class(backend)(**options)
