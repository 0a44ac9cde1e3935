"""The commit boundary: what a service written with ``unit_of_work`` and ``after_commit``
can count on, seen from outside the session (another connection) and by the callbacks."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from rcm_exchange.errors import ConcurrentChange
from rcm_exchange.extensions import db
from rcm_exchange.models import Tag
from rcm_exchange.services.unit_of_work import after_commit, unit_of_work
from tests.conftest import on_both_databases


def add_tag(slug: str) -> None:
    db.session.add(Tag(slug=slug, name_en=slug, name_es=slug))


def committed_slugs() -> set[str]:
    """The tags another connection sees: only what has been committed."""
    with db.engine.connect() as connection:
        return set(connection.execute(text("SELECT slug FROM tags WHERE slug LIKE 'uow-%'")).scalars())


class Failure(Exception):
    pass


@on_both_databases
def test_the_outermost_block_commits_when_it_ends(app):
    with unit_of_work():
        add_tag("uow-one")
        db.session.flush()
        assert committed_slugs() == set()
    assert committed_slugs() == {"uow-one"}


@on_both_databases
def test_a_nested_block_joins_the_outer_one_and_commits_nothing_itself(app):
    with unit_of_work():
        with unit_of_work():
            add_tag("uow-inner")
        db.session.flush()
        assert committed_slugs() == set()
        add_tag("uow-outer")
    assert committed_slugs() == {"uow-inner", "uow-outer"}


@on_both_databases
def test_an_error_after_a_nested_block_undoes_the_nested_work_too(app):
    with pytest.raises(Failure), unit_of_work():
        with unit_of_work():
            add_tag("uow-inner")
        raise Failure()
    assert committed_slugs() == set()
    assert db.session.scalar(select(Tag).where(Tag.slug == "uow-inner")) is None


def test_an_error_inside_a_nested_block_undoes_the_whole_unit(app):
    with pytest.raises(Failure), unit_of_work():
        add_tag("uow-outer")
        with unit_of_work():
            add_tag("uow-inner")
            raise Failure()
    assert committed_slugs() == set()


def test_after_an_error_the_next_unit_of_work_commits_as_an_outermost_one(app):
    with pytest.raises(Failure), unit_of_work(), unit_of_work():
        raise Failure()
    with unit_of_work():
        add_tag("uow-after")
    assert committed_slugs() == {"uow-after"}


def test_callbacks_run_once_after_the_outermost_commit_and_see_the_committed_data(app):
    seen = []

    def index_it():
        seen.append(committed_slugs())

    with unit_of_work():
        add_tag("uow-one")
        with unit_of_work():
            after_commit(index_it)
            after_commit(index_it)  # the same callback registered twice runs once
        assert seen == []
    assert seen == [{"uow-one"}]


def test_callbacks_run_in_the_order_they_were_registered(app):
    order = []
    with unit_of_work():
        after_commit(lambda: order.append("first"))
        after_commit(lambda: order.append("second"))
    assert order == ["first", "second"]


def test_a_rollback_drops_the_pending_callbacks_for_good(app):
    ran = []
    with pytest.raises(Failure), unit_of_work():
        add_tag("uow-lost")
        after_commit(lambda: ran.append("lost"))
        raise Failure()
    assert ran == []
    with unit_of_work():
        after_commit(lambda: ran.append("next"))
    assert ran == ["next"]  # the dropped callback does not come back with the next commit


def test_a_callback_registered_outside_a_unit_of_work_runs_at_once(app):
    ran = []
    after_commit(lambda: ran.append("now"))
    assert ran == ["now"]


def test_a_failing_callback_is_logged_and_neither_undoes_the_write_nor_stops_the_others(app, caplog):
    ran = []

    def broken():
        raise RuntimeError("the index is away")

    with caplog.at_level(logging.ERROR, logger="rcm_exchange.services.unit_of_work"), unit_of_work():
        add_tag("uow-kept")
        after_commit(broken)
        after_commit(lambda: ran.append("later"))
    assert committed_slugs() == {"uow-kept"}
    assert ran == ["later"]
    assert any("after-commit task" in record.getMessage() and record.exc_info for record in caplog.records)


def test_a_stale_row_becomes_a_concurrent_change_and_nothing_is_kept(app):
    ran = []
    with pytest.raises(ConcurrentChange), unit_of_work():
        add_tag("uow-stale")
        after_commit(lambda: ran.append("stale"))
        with unit_of_work():
            raise StaleDataError("another request updated the row first")
    assert committed_slugs() == set()
    assert ran == []
