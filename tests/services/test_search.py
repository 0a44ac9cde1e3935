"""Search in the app: what people find, what they never find, and the index never out of step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import DocumentStatus, SearchLogEntry, SearchLogPrune, SearchOperation, Visibility
from rcm_exchange.services import search, search_log
from rcm_exchange.services.search import SearchParams
from rcm_exchange.services.search.sync import BATCH_SIZE
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.builders import found, make_document, make_user, publish
from tests.threads import held_by_another_thread


def test_a_published_document_is_found_at_once_without_accents(app):
    document = publish(title="Protocolo de atención a la niñez migrante", language="es")
    assert found(None, "atencion ninez") == [document.id]


def test_spanish_inflections_and_english_plurals_meet(app):
    spanish = publish(title="Programa para trabajadores migrantes temporales", language="es")
    english = publish(title="Support for the children of returnees")
    assert found(None, "trabajador migrante") == [spanish.id]
    assert found(None, "child") == [english.id]


MEMBERS_ONLY_WORD = "zafiroconfidencial"


@pytest.fixture
def restricted_corpus(app):
    publish(
        title=f"Acuerdo {MEMBERS_ONLY_WORD} de fronteras",
        visibility=Visibility.MEMBERS,
        tags=("migrant-smuggling",),
        countries=("GT",),
        language="es",
    )
    publish(
        title=f"Nota {MEMBERS_ONLY_WORD} interna",
        visibility=Visibility.SECRETARIAT,
        org="CR",
        tags=("gender",),
        countries=("CR",),
        language="es",
    )
    public = publish(
        title="Guía pública sobre fronteras",
        visibility=Visibility.PUBLIC,
        tags=("integration",),
        countries=("MX",),
        language="es",
    )
    return public


@pytest.mark.parametrize("reader", ["anonymous", "participant", "observer_state"])
def test_restricted_words_give_no_hits_no_counts_and_no_suggestion(app, restricted_corpus, reader):
    user = {
        "anonymous": None,
        "participant": make_user(kind=None, org="IOM"),
        "observer_state": make_user(org="CO"),
    }[reader]
    for q in (MEMBERS_ONLY_WORD, MEMBERS_ONLY_WORD[:-2], MEMBERS_ONLY_WORD[:6] + "*", "zafiroconfidencal"):
        page = search.search_documents(user, SearchParams(q=q))
        assert page.items == [] and page.total == 0
        assert all(not counts for counts in page.facets.values()), page.facets
        assert page.suggestion is None or MEMBERS_ONLY_WORD not in page.suggestion
    # Facets over everything visible never count restricted documents.
    everything = search.search_documents(user, SearchParams())
    assert everything.total == 1
    assert set(everything.facets.get("tags", {})) == {"integration"}
    assert set(everything.facets.get("countries", {})) == {"MX"}


def test_member_state_sees_members_material_and_the_owner_its_own(app, restricted_corpus):
    assert len(found(make_user(org="GT"), MEMBERS_ONLY_WORD)) == 1
    assert len(found(make_user(org="CR"), MEMBERS_ONLY_WORD)) == 2
    assert len(found(make_user(org="TS"), MEMBERS_ONLY_WORD)) == 2


def test_query_syntax_cannot_widen_the_filter(app, restricted_corpus):
    for q in (f"{MEMBERS_ONLY_WORD} OR *", f"* OR {MEMBERS_ONLY_WORD}", "*", f'"{MEMBERS_ONLY_WORD}"'):
        page = search.search_documents(None, SearchParams(q=q))
        assert all(MEMBERS_ONLY_WORD not in item.document.title for item in page.items)
    for q in ("visibility:members", f"visibility:members {MEMBERS_ONLY_WORD}"):
        with pytest.raises(ValidationFailed) as refused:
            search.search_documents(None, SearchParams(q=q))
        assert "“visibility:” is not a search filter" in refused.value.errors["q"][0]


@pytest.mark.parametrize(
    "q", ['"', "(", "AND", "OR OR", "-", "*", "a" * 5000, "x\x00y", "\u202e", "title:(", "[a TO"]
)
def test_any_typed_string_gives_an_answer(app, q):
    publish(title="Return and reintegration")
    try:
        search.search_documents(None, SearchParams(q=q))
    except ValidationFailed as refused:  # an answer too: it says which filter names nothing
        assert refused.errors["q"]


def test_unpublishing_removes_the_document_from_search(app):
    document = publish(title="Registro de solicitantes de asilo")
    assert found(None, "solicitantes") == [document.id]
    with unit_of_work():
        document.status = DocumentStatus.ARCHIVED
        search_log.record_change(document)
    assert found(None, "solicitantes") == []


def test_a_visibility_change_applies_to_search_at_once(app):
    document = publish(title="Mesa interinstitucional de coordinación")
    with unit_of_work():
        document.visibility = Visibility.MEMBERS
        search_log.record_change(document)
    assert found(None, "interinstitucional") == []
    assert found(make_user(org="PA"), "interinstitucional") == [document.id]


def test_related_documents_respect_visibility(app):
    base = publish(
        title="Retorno y reintegración de personas migrantes",
        summary="Reintegración en comunidades de origen",
    )
    public_twin = publish(
        title="Reintegración de personas retornadas", summary="Retorno a comunidades de origen"
    )
    publish(
        title="Retorno y reintegración, informe reservado",
        summary="Reintegración de personas migrantes",
        visibility=Visibility.MEMBERS,
    )
    related = search.related_documents(None, base)
    assert public_twin in related
    assert all(d.visibility == Visibility.PUBLIC for d in related)


def test_a_submission_under_review_shows_similar_published_documents(app):
    published = publish(title="Protocolo consular para niñez no acompañada", language="es")
    submission = make_document(
        status=DocumentStatus.SUBMITTED, title="Protocolo consular de niñez no acompañada", language="es"
    )
    moderator = make_user(role="moderator")
    assert published in search.similar_published(moderator, submission)


def test_a_change_committed_but_not_indexed_is_applied_by_the_next_drain(app):
    # Logged and committed, but this process never drained (as if it had died).
    document = make_document(title="Remesas y desarrollo local")
    assert document.id not in search.get_engine().ids()
    assert search.catch_up() == 1
    assert found(None, "remesas") == [document.id]


def test_killing_the_process_between_commit_and_indexing_loses_nothing(app, tmp_path):
    """A real process publishes a document, commits, and is killed before indexing."""
    script = textwrap.dedent("""
        import os, signal, sys
        from rcm_exchange import create_app
        from tests.builders import make_document
        app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_DIR": sys.argv[2],
                          "RCM_INDEX_DIR": sys.argv[3], "SECRET_KEY": "x"})
        with app.app_context():
            make_document(title="Casas del migrante con perspectiva de género")  # logged, committed
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    config = app.config
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            config["SQLALCHEMY_DATABASE_URI"],
            str(tmp_path / "other"),
            config["RCM_INDEX_DIR"],
        ],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        capture_output=True,
        text=True,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    report = search.check_index()
    assert len(report.missing) == 1 and not report.repaired
    assert search.check_index(repair=True).repaired
    assert search.check_index().in_step
    assert len(found(None, "casas migrante")) == 1


def test_index_check_finds_and_repairs_drift(app):
    kept = publish(title="Documento que sigue publicado")
    gone = publish(title="Documento que se archivó sin registro")
    gone.status = DocumentStatus.ARCHIVED  # changed behind the search log's back
    db.session.commit()
    report = search.check_index()
    assert report.extra == [gone.id] and not report.in_step
    search.check_index(repair=True)
    assert search.check_index().in_step
    assert found(None, "documento") == [kept.id]


def test_a_corrupt_index_is_rebuilt_and_meanwhile_search_says_so(app, client):
    document = publish(title="Lineamientos regionales para desastres")
    search.get_engine().close()
    index_dir = app.config["RCM_INDEX_DIR"]
    for name in os.listdir(index_dir):
        if name.endswith(".toc") or name.endswith(".seg") or name.startswith("_"):
            path = os.path.join(index_dir, name)
            if os.path.isfile(path):
                with open(path, "wb") as handle:
                    handle.write(b"garbage")
    app.extensions.pop("rcm_search_engines", None)
    response = client.get("/search?q=lineamientos")
    assert response.status_code == 503
    assert "being rebuilt" in response.get_data(as_text=True)
    for thread in threading.enumerate():
        if thread.name == search.REBUILD_THREAD_NAME:
            thread.join(timeout=30)
    assert found(None, "lineamientos") == [document.id]


def test_catching_up_detects_a_damaged_index_and_rebuilds_it(app):
    document = publish(title="Integración laboral de personas retornadas")
    search.get_engine().clear()
    index_dir = app.config["RCM_INDEX_DIR"]
    for name in os.listdir(index_dir):
        if name.endswith(".toc"):
            os.remove(os.path.join(index_dir, name))
    with open(os.path.join(index_dir, "_rcm_documents_1.toc"), "wb") as handle:
        handle.write(b"garbage")
    app.extensions.pop("rcm_search_engines", None)
    search.catch_up(wait=True)
    assert found(None, "integracion laboral") == [document.id]


def test_an_index_behind_the_pruned_log_is_rebuilt(app):
    document = publish(title="Datos y estadísticas migratorias")
    db.session.add(SearchLogPrune(pruned_through=10_000))
    db.session.commit()
    search.get_engine().clear()
    assert search.catch_up(wait=True) == 0
    assert found(None, "estadisticas") == [document.id]


def test_pruning_keeps_recent_entries_and_remembers_how_far_it_went(app):
    old = make_document(title="Old")
    entry = db.session.scalar(select(SearchLogEntry).where(SearchLogEntry.document_id == old.id))
    entry.created_at = datetime.now(UTC) - timedelta(days=400)
    db.session.commit()
    recent = make_document(title="Recent")
    assert search.prune_search_log() == 1
    remaining = db.session.scalars(select(SearchLogEntry.document_id)).all()
    assert remaining == [recent.id]
    assert db.session.scalar(select(SearchLogPrune.pruned_through)) is not None


def test_a_busy_drainer_makes_a_request_skip_not_wait(app):
    make_document(title="Protección consular")
    with search.drain_lock() as held:
        assert held
        assert search.catch_up() is None
    assert search.catch_up() == 1


def _another_drainer(app):
    """The drain lock as another process's drainer would hold it (for ``held_by_another_thread``)."""

    @contextmanager
    def drainer():
        with app.app_context(), search.drain_lock() as held:
            yield held

    return drainer


def test_a_search_while_another_drainer_is_at_work_waits_a_moment_and_shows_the_change(app):
    with held_by_another_thread(_another_drainer(app)) as let_go:
        document = publish(title="Ventanillas únicas de atención al retorno", language="es")
        assert document.id not in search.get_engine().ids()  # its own commit could not drain
        threading.Timer(0.2, let_go.set).start()
        assert found(None, "ventanillas") == [document.id]


def test_a_search_of_an_index_far_behind_the_log_reads_it_at_once_while_another_drainer_works(app):
    # More than a batch behind (a rebuild, a large import): waiting a moment would only
    # slow every search down until the drainer is done.
    with held_by_another_thread(_another_drainer(app)) as let_go:
        document = publish(title="Ventanillas únicas de atención al retorno", language="es")
        newest = db.session.scalar(select(SearchLogEntry.id).order_by(SearchLogEntry.id.desc()).limit(1))
        db.session.add(
            SearchLogEntry(
                id=newest + BATCH_SIZE + 1, document_id=document.id, operation=SearchOperation.UPSERT
            )
        )
        db.session.commit()
        threading.Timer(0.2, let_go.set).start()
        assert found(None, "ventanillas") == []
    assert found(None, "ventanillas") == [document.id]


def test_reindex_and_index_check_commands(app):
    publish(title="Uno"), publish(title="Dos")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rcm", "reindex"])
    assert result.exit_code == 0 and "Indexed 2 published document(s)." in result.output
    assert runner.invoke(args=["rcm", "index-check"]).exit_code == 0
    search.get_engine().clear()
    drift = runner.invoke(args=["rcm", "index-check"])
    assert drift.exit_code == 1 and "2 document(s) missing from the index" in drift.output
    repaired = runner.invoke(args=["rcm", "index-check", "--repair"])
    assert repaired.exit_code == 0 and "Repaired" in repaired.output
    assert runner.invoke(args=["rcm", "catch-up-index"]).exit_code == 0


def test_a_search_too_broad_for_the_engines_time_says_so_in_the_readers_language(app, client):
    publish(title="Trabajadores migrantes en la frontera")
    search.get_engine().time_limit = 0.0
    page = client.get("/search?q=trabajadores+migrantes", headers={"Accept-Language": "es"})
    assert page.status_code == 422
    assert "Esta búsqueda es demasiado amplia para responderla a tiempo" in page.get_data(as_text=True)
    answer = client.get("/api/v1/documents", query_string={"q": "trabajadores migrantes"})
    assert answer.status_code == 422
    assert "too broad to answer in time" in answer.get_json()["errors"]["q"][0]
