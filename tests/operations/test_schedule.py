"""The worker runs the periodic jobs the README's schedule table promises."""

from __future__ import annotations

from datetime import datetime

from rcm_exchange.queue import get_queue


def _due_at(app, moment: datetime) -> set[str]:
    queue = get_queue()
    return {task.name for task in queue._registry.periodic_tasks if task.validate_datetime(moment)}


def test_digests_are_queued_every_five_minutes_and_the_log_pruned_hourly(app):
    assert _due_at(app, datetime(2026, 3, 2, 9, 7)) == {"sweep", "prune_search_log"}
    assert _due_at(app, datetime(2026, 3, 2, 9, 10)) == {"sweep", "send_digests"}
    assert _due_at(app, datetime(2026, 3, 2, 9, 11)) == {"sweep"}
