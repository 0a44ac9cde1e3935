"""flask rcm import / export: JSON Lines, line-numbered errors, idempotent, round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from rcm_exchange.extensions import db
from rcm_exchange.models import Document, SearchLogEntry
from tests.builders import make_document
from tests.conftest import on_both_databases

GOOD = {
    "id": 41,
    "title": "Guía de retorno",
    "summary": "Retorno asistido.",
    "body_html": "<p>Texto</p>",
    "doc_type": "guidance",
    "language": "es",
    "tags": ["trafficking-in-persons"],
    "countries": ["GT"],
    "visibility": "public",
    "organization": "GT",
    "published_at": "2021-03-04T05:06:07+00:00",
}


def _write(path, lines):
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["rcm", *args])


def test_import_keeps_good_lines_and_reports_bad_ones_by_number(app, tmp_path):
    path = _write(
        tmp_path / "in.jsonl",
        [
            GOOD,
            "{not json",
            {**GOOD, "id": 42, "status": "draft"},
            {**GOOD, "id": 43, "organization": "NOPE"},
            {**GOOD, "id": 44, "tags": ["no-such-tag"]},
            {**GOOD, "id": 45, "title": "Otra guía"},
        ],
    )
    result = _run(app, "import", str(path))
    assert result.exit_code == 1
    assert "in.jsonl:2:" in result.output
    assert "in.jsonl:3: status: Unknown field." in result.output
    assert "in.jsonl:4: organization:" in result.output
    assert "in.jsonl:5: tags:" in result.output
    assert "Imported 2 document(s)" in result.output
    titles = set(db.session.scalars(select(Document.title)))
    assert titles == {"Guía de retorno", "Otra guía"}
    imported = db.session.get(Document, 41)
    assert imported.status.value == "published"
    assert imported.published_at == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    # Each import is in the search log, so the index catches up.
    logged = set(db.session.scalars(select(SearchLogEntry.document_id)))
    assert {41, 45} <= logged


def test_importing_the_same_file_twice_creates_nothing_new(app, tmp_path):
    path = _write(tmp_path / "in.jsonl", [GOOD, {**GOOD, "id": 7, "title": "Second"}])
    assert _run(app, "import", str(path)).exit_code == 0
    result = _run(app, "import", str(path))
    assert result.exit_code == 0
    assert "Imported 0 document(s); 2 already there" in result.output
    assert db.session.scalar(select(func.count()).select_from(Document)) == 2


def test_importing_an_export_into_the_same_database_creates_nothing_new(app, tmp_path):
    make_document(title="Already here")
    path = tmp_path / "out.jsonl"
    assert _run(app, "export", str(path)).exit_code == 0
    assert "Imported 0 document(s); 1 already there" in _run(app, "import", str(path)).output


def test_rich_text_is_sanitized_on_import(app, tmp_path):
    path = _write(tmp_path / "in.jsonl", [{**GOOD, "body_html": "<p>ok</p><script>x()</script>"}])
    _run(app, "import", str(path))
    assert db.session.get(Document, 41).body_html == "<p>ok</p>"


@on_both_databases
def test_export_then_import_into_an_empty_database_then_export_gives_the_same_file(app, tmp_path, database):
    make_document(
        title="Trata",
        tags=("trafficking-in-persons",),
        countries=("GT", "MX"),
        org="GT",
        body_html="<p>Cuerpo <strong>rico</strong></p>",
    )
    make_document(title="Members", visibility="members", org="IOM")
    make_document(title="Draft", status="draft")
    first = tmp_path / "first.jsonl"
    assert _run(app, "export", str(first)).exit_code == 0
    assert len(first.read_text(encoding="utf-8").splitlines()) == 2

    db.session.remove()
    db.drop_all()
    db.create_all()
    from rcm_exchange.services.reference_data import load_reference_data

    load_reference_data()
    result = _run(app, "import", str(first))
    assert result.exit_code == 0, result.output
    second = tmp_path / "second.jsonl"
    assert _run(app, "export", str(second)).exit_code == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    # New documents still get fresh ids after ids were given explicitly.
    assert make_document(title="After import").id > max(
        json.loads(line)["id"] for line in first.read_text().splitlines()
    )


def test_the_export_has_the_contract_fields(app, tmp_path):
    make_document(title="One")
    path = tmp_path / "out.jsonl"
    _run(app, "export", str(path))
    line = json.loads(path.read_text(encoding="utf-8"))
    assert set(line) == {
        "id",
        "title",
        "summary",
        "body_html",
        "doc_type",
        "language",
        "tags",
        "countries",
        "visibility",
        "implementation_status",
        "period_start",
        "period_end",
        "implementing_bodies",
        "partners",
        "results_html",
        "organization",
        "published_at",
        "standing",
        "meetings",
        "call",
    }
    assert line["organization"] == "MX"
