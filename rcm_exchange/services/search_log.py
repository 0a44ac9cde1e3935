"""The search log: every change that affects what search shows appends an entry in the
same transaction as the change, so no index can miss it (see DESIGN.md, "Search")."""

from __future__ import annotations

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, DocumentStatus, SearchLogEntry, SearchOperation
from rcm_exchange.services.unit_of_work import after_commit


def record_change(document: Document) -> None:
    """Published documents are (re)indexed; anything else is removed from the index."""
    operation = (
        SearchOperation.UPSERT if document.status == DocumentStatus.PUBLISHED else SearchOperation.DELETE
    )
    db.session.add(SearchLogEntry(document_id=document.id, operation=operation))
    # What search shows and what harvesters may take change together.
    from rcm_exchange.services.harvest import record_document

    record_document(document)
    # Once committed, the worker catches up its index; every other host's index
    # catches up before its next search.
    after_commit(_enqueue_catch_up)


def _enqueue_catch_up() -> None:
    from rcm_exchange.queue import enqueue

    enqueue("catch_up_index")
