"""One commit boundary for every write.

``with unit_of_work():`` commits when the outermost block ends without error and rolls
back otherwise; nested blocks join the outer one. Work that must only happen once the
data is safely committed (feeding the search index, sending mail) is registered with
``after_commit`` and runs after the outermost commit; its failure never undoes the write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from rcm_exchange.errors import ConcurrentChange
from rcm_exchange.extensions import db

log = logging.getLogger(__name__)

_DEPTH = "rcm_uow_depth"
_CALLBACKS = "rcm_after_commit"


@contextmanager
def unit_of_work() -> Iterator:
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except StaleDataError as error:
        # A concurrent request changed a versioned row first, whenever the flush came
        # (an autoflush, the commit): a 409 with its message, never a 500.
        if depth == 0:
            session.rollback()
            session.info.pop(_CALLBACKS, None)
            raise ConcurrentChange() from error
        raise
    except BaseException:
        if depth == 0:
            session.rollback()
            session.info.pop(_CALLBACKS, None)
        raise
    finally:
        session.info[_DEPTH] = depth
    if depth == 0:
        _run_after_commit(session)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work has committed (each callback once)."""
    session = db.session()
    callbacks = session.info.setdefault(_CALLBACKS, [])
    if callback not in callbacks:
        callbacks.append(callback)
    if session.info.get(_DEPTH, 0) == 0:
        _run_after_commit(session)


def _run_after_commit(session) -> None:
    callbacks = session.info.pop(_CALLBACKS, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the write is committed; the callback's own job retries later
            log.exception("after-commit task %r failed", callback)
