"""A lock held by someone else, for tests of what a second comer does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


@contextmanager
def held_by_another_thread(take: Callable[[], AbstractContextManager[bool]]) -> Iterator[threading.Event]:
    """Holds the lock ``take()`` gives in a thread of its own until the event this
    yields is set (or the block ends)."""
    holding, let_go = threading.Event(), threading.Event()

    def holder():
        with take() as held:
            assert held
            holding.set()
            let_go.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(10), "the other thread never took the lock"
        yield let_go
    finally:
        let_go.set()
        thread.join(10)
