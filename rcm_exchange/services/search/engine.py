"""This process's search engine: opened once per backend and options, and the lock
that lets one drainer at a time write to the index. What the options are, and what
kind of lock an index takes, is the engine's own business (``search_index``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

import search_index
from rcm_exchange.config import search_engine_options


def get_engine() -> search_index.SearchEngine:
    """This process's engine for the configured backend and index (opened once)."""
    # The app itself, not the request-bound proxy Flask types as the app.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.config["RCM_SEARCH_BACKEND"]
    options = search_engine_options(app.config)
    key = (backend, tuple(sorted(options.items())))
    engines = app.extensions.setdefault("rcm_search_engines", {})
    engine = engines.get(key)
    if engine is None:
        engine = engines[key] = search_index.open_engine(backend, **options)
    return engine


@contextmanager
def drain_lock(wait: bool | float = False) -> Iterator[bool]:
    """One drainer per index, across processes and hosts. Yields False when another
    holds it: at once, or after ``wait`` seconds (True waits as long as it takes).

    An index shared by every host (PostgreSQL) takes a lock every host sees; an index
    in files belongs to this host and takes one beside its files.
    """
    with get_engine().lock("drain", wait) as acquired:
        yield acquired
