"""Bulk import and export of published documents as JSON Lines (``flask rcm import`` and
``flask rcm export``; see API.md, "Command line").

Each line is one document: the API's document fields, the organization's acronym and
``published_at``; its meetings and the call it answers travel by slug, as ids differ
from one installation to another. Import validates every line with the same schema as the API, reports
bad lines by number and keeps the good ones. It is idempotent: a document remembers the
id it had in the file (``idempotency_key`` ``import:<id>``) and keeps that id when it is
free, so importing a file twice creates nothing new, and export → empty database →
import → export gives the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from rcm_exchange.content import apply_content, clean_content, merged_content, snapshot
from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import Document, DocumentStatus, Organization
from rcm_exchange.schemas import load
from rcm_exchange.schemas.transfer import ImportLineSchema
from rcm_exchange.services import access, calls, lifecycle, meetings, search_log
from rcm_exchange.services.unit_of_work import unit_of_work

BATCH_SIZE = 200


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    # (line number, {field: [messages]}) for every line that was skipped.
    errors: list[tuple[int, dict]] = field(default_factory=list)


def export_documents(out: TextIO) -> int:
    """Write every published document, oldest id first; returns how many."""
    count = 0
    for document in _published_documents():
        out.write(json.dumps(export_line(document), ensure_ascii=False) + "\n")
        count += 1
    return count


def _published_documents() -> Iterator[Document]:
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Document)
                .where(access.visible_documents_clause(access.SYSTEM), Document.id > last_id)
                .options(
                    selectinload(Document.tags),
                    selectinload(Document.countries),
                    selectinload(Document.organization),
                )
                .order_by(Document.id)
                .limit(BATCH_SIZE)
            )
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def _published_at(document: Document) -> datetime:
    if document.published_at is None:
        raise ValueError("only published documents are exported")
    return document.published_at


def export_line(document: Document) -> dict:
    return {
        "id": document.id,
        **snapshot(document),
        "organization": document.organization.acronym,
        "published_at": _published_at(document).isoformat(),
        **meetings.export_record(document),
        **calls.export_answer(document),
    }


def import_documents(lines: Iterable[str], *, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Load published documents from JSON Lines; ``progress(n)`` is told of each line read."""
    report = ImportReport()
    organizations = {org.acronym.upper(): org for org in db.session.scalars(select(Organization))}
    known_calls = calls.call_ids_by_slug()
    pending: list[tuple[int, dict]] = []
    for number, line in enumerate(lines, start=1):
        if progress is not None:
            progress(1)
        if not line.strip():
            continue
        try:
            pending.append((number, _parse(line, organizations, known_calls)))
        except ValidationFailed as error:
            report.errors.append((number, error.errors or {"_schema": [error.describe()]}))
            continue
        if len(pending) >= BATCH_SIZE:
            _import_batch(pending, report)
            pending = []
    if pending:
        _import_batch(pending, report)
    _advance_id_sequence()
    return report


def _parse(line: str, organizations: dict[str, Organization], known_calls: dict[str, int]) -> dict:
    from flask_babel import gettext as _

    try:
        value = json.loads(line)
    except ValueError:
        raise ValidationFailed(errors={"_schema": [_("This line is not valid JSON.")]}) from None
    if not isinstance(value, dict):
        raise ValidationFailed(errors={"_schema": [_("Each line must be one JSON object.")]})
    data = load(ImportLineSchema(), value)
    organization = organizations.get(data["organization"].strip().upper())
    if organization is None:
        raise ValidationFailed(errors={"organization": [_("No organization with this acronym.")]})
    source_id = data.pop("id")
    published_at = data.pop("published_at")
    data.pop("organization")
    forum = {
        "standing": data.pop("standing"),
        "links": data.pop("meetings"),
        "call": calls.check_import_answer(data.pop("call"), known_calls),
    }
    meetings.check_import_links(forum["links"])
    # The same cleaning (sanitizing, known tags and countries) as a document written on the site.
    content = merged_content({"doc_type": data["doc_type"].value}, clean_content(data))
    return {
        "source_id": source_id,
        "published_at": published_at,
        "organization": organization,
        "content": content,
        "forum": forum,
    }


def _import_batch(batch: list[tuple[int, dict]], report: ImportReport) -> None:
    keys = [_key(item["source_id"]) for _number, item in batch if item["source_id"]]
    ids = [item["source_id"] for _number, item in batch if item["source_id"]]
    existing_keys = (
        set(db.session.scalars(select(Document.idempotency_key).where(Document.idempotency_key.in_(keys))))
        if keys
        else set()
    )
    # Ids already in this database (a row to compare with), or taken by this batch (None).
    taken_ids: dict[int, Any] = (
        {
            row.id: row
            for row in db.session.execute(
                select(Document.id, Document.title, Document.published_at).where(Document.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    with unit_of_work():
        for _number, item in batch:
            source_id = item["source_id"]
            if source_id and (
                _key(source_id) in existing_keys or _same_document(taken_ids.get(source_id), item)
            ):
                report.unchanged += 1
                continue
            document = Document(
                status=DocumentStatus.PUBLISHED,
                organization_id=item["organization"].id,
                idempotency_key=_key(source_id) if source_id else None,
                published_at=item["published_at"],
                submitted_at=item["published_at"],
                created_at=item["published_at"],
            )
            if source_id and source_id not in taken_ids:
                document.id = source_id
                taken_ids[source_id] = None
            if source_id:
                existing_keys.add(_key(source_id))
            apply_content(document, item["content"])
            db.session.add(document)
            db.session.flush()
            meetings.import_record(document, item["forum"]["standing"], item["forum"]["links"])
            calls.import_answer(document, item["forum"]["call"])
            lifecycle.audit(access.SYSTEM, document, "import", None, DocumentStatus.PUBLISHED)
            search_log.record_change(document)
            report.created += 1


def _key(source_id: int) -> str:
    return f"import:{source_id}"


def _same_document(row, item: dict) -> bool:
    """A file exported from this database and imported back names its own documents."""
    return (
        row is not None and row.title == item["content"]["title"] and row.published_at == item["published_at"]
    )


def _advance_id_sequence() -> None:
    """Ids given explicitly do not move PostgreSQL's sequence; new documents must not collide."""
    if db.engine.dialect.name != "postgresql":
        return
    with unit_of_work():
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('documents', 'id'), "
                "GREATEST((SELECT COALESCE(MAX(id), 0) FROM documents), 1))"
            )
        )


def count_lines(path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for _line in handle)
