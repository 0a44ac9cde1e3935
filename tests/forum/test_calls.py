"""Calls for practices: opening one, answering it, its page and counts, and after it closes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest

from rcm_exchange.errors import Conflict, Forbidden
from rcm_exchange.extensions import db
from rcm_exchange.models import DocumentStatus, OrganizationKind, Role
from rcm_exchange.services import calls, documents, review, search
from tests.builders import PA, SEC, M, P, answer_call, make_call, make_document, make_reader, make_user
from tests.conftest import on_both_databases


def test_the_secretariat_opens_a_call_and_the_home_page_shows_it_while_open(app, login_as, client):
    browser = login_as(make_user(role=Role.MODERATOR))
    today = date.today()
    response = browser.post_form(
        "/secretariat/calls/new",
        {
            "theme_en": "Labour integration",
            "theme_es": "Integración laboral",
            "criteria_en": "A year running.",
            "criteria_es": "Un año en marcha.",
            "tags": "labour-migration",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "ppt_year": "2026",
            "answerable_by": ["member_state", "civil_society"],
        },
    )
    assert response.status_code == 302
    assert "Labour integration" in client.get("/").get_data(as_text=True)
    make_call(theme_en="Closed long ago", opens_in_days=-100, closes_in_days=-50)
    assert "Closed long ago" not in client.get("/").get_data(as_text=True)
    refused = browser.post_form(
        "/secretariat/calls/new",
        {
            "theme_en": "X",
            "theme_es": "X",
            "criteria_en": "X",
            "criteria_es": "X",
            "opens_on": "2026-05-02",
            "closes_on": "2026-05-01",
            "ppt_year": "2026",
            "answerable_by": "member_state",
        },
    )
    assert refused.status_code == 422
    assert "closes before it opens" in refused.get_data(as_text=True)


def test_a_contributor_answers_from_the_document_form_and_the_queue_filters_by_call(app, login_as):
    call = make_call()
    other = make_call(theme_en="Another call")
    contributor = make_user(org="GT")
    browser = login_as(contributor)
    form = browser.get(f"/documents/new?call={call.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{call.id}" selected>', form)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    response = browser.post_form(
        "/documents/new",
        {
            "title": "Empleo para personas retornadas",
            "summary": "Un programa.",
            "body_html": "<p>Texto</p>",
            "doc_type": "practice_report",
            "language": "es",
            "visibility": "public",
            "call": str(call.id),
            "idempotency_key": key,
        },
    )
    assert response.status_code == 302
    document_id = int(re.search(r"/documents/(\d+)/edit", response.headers["Location"]).group(1))
    moderator = make_user(role=Role.MODERATOR)
    assert [i.document.id for i in review.review_queue(moderator, call=call.id, status=None).items] == []
    document = documents.get_document_for(contributor, document_id)
    documents.submit(contributor, document, version=document.version)
    queued = review.review_queue(moderator, call=call.id)
    assert [i.document.id for i in queued.items] == [document_id]
    assert review.review_queue(moderator, call=other.id).items == []
    assert login_as(moderator).get(f"/review?call={call.id}").status_code == 200


def test_an_answer_after_the_closing_date_is_refused_with_a_clear_message(app, login_as, api_client):
    closed = make_call(opens_in_days=-60, closes_in_days=-1)
    contributor = make_user(org="GT")
    document = make_document(org="GT", status=DocumentStatus.DRAFT)
    with pytest.raises(Conflict) as refused:
        calls.answer_call(contributor, closed, document)
    assert "closed on" in refused.value.describe() and "no longer takes answers" in refused.value.describe()
    response = api_client(contributor).post(
        f"/api/v1/calls/{closed.id}/answers", json={"document_id": document.id}
    )
    assert response.status_code == 409 and "no longer takes answers" in response.get_json()["message"]
    browser = login_as(contributor)
    page = browser.get(f"/calls/{closed.id}").get_data(as_text=True)
    assert "This call is closed" in page and "Write a new document in answer" not in page
    form = browser.post_form(
        "/documents/new",
        {
            "title": "T",
            "summary": "S",
            "body_html": "<p>B</p>",
            "doc_type": "guidance",
            "language": "en",
            "call": str(closed.id),
        },
    )
    assert form.status_code == 422 and "no longer takes answers" in form.get_data(as_text=True)


def test_a_call_is_answered_only_by_the_kinds_of_organization_it_asks(app):
    call = make_call(answerable_by=("member_state",))
    with pytest.raises(Forbidden):
        calls.answer_call(make_user(org="IOM"), call, make_document(org="IOM", status=DocumentStatus.DRAFT))


def test_a_document_answers_one_call_only(app):
    first, second = make_call(), make_call()
    document = answer_call(make_document(org="MX", status=DocumentStatus.DRAFT), first)
    with pytest.raises(Conflict):
        answer_call(document, second)


READERS = {
    "anonymous": None,
    "civil_society": dict(kind=OrganizationKind.CIVIL_SOCIETY),
    "observer_org": dict(org="IOM"),
    "other_member": dict(org="GT"),
    "secretariat": dict(role=Role.MODERATOR),
}
SEES = {
    "anonymous": {P},
    "civil_society": {P, PA},
    "observer_org": {P, PA},
    "other_member": {P, PA, M},
    "secretariat": {P, PA, M, SEC},
}


@pytest.fixture
def answered(app):
    """A call answered by Mexico with one published document of each visibility, a
    submission waiting for review and a rejected one."""
    call = make_call()
    published = {
        v: answer_call(make_document(org="MX", visibility=v, title=f"Answer {v.value}"), call)
        for v in (P, PA, M, SEC)
    }
    answer_call(make_document(org="MX", status=DocumentStatus.SUBMITTED, title="Answer waiting"), call)
    answer_call(make_document(org="CO", status=DocumentStatus.REJECTED, title="Answer rejected"), call)
    return call, published


@pytest.mark.parametrize("reader", READERS)
def test_a_calls_page_lists_counts_and_searches_only_the_answers_the_reader_may_see(
    app, answered, reader, login_as, client
):
    call, published = answered
    user = make_reader(READERS[reader])
    page = calls.call_page(user, call.id)
    expected = {published[v].id for v in SEES[reader]}
    assert {d.id for d in page.answers.items} == expected and page.answers.total == len(expected)
    assert search.search_documents(user, search.SearchParams(call=call.id)).total == len(expected)
    html = (client if user is None else login_as(user)).get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Answer waiting" not in html and "Answer rejected" not in html
    for visibility, document in published.items():
        assert (document.title in html) is (visibility in SEES[reader])
    # Counts by status and organization are the Secretariat's alone.
    assert (page.counts is not None) is (reader == "secretariat")
    assert ("Answers by organization" in html) is (reader == "secretariat")


def test_the_secretariat_counts_every_answer_by_status_and_organization(app, answered, api_client):
    call, _published = answered
    moderator = make_user(role=Role.MODERATOR)
    counts = api_client(moderator).get(f"/api/v1/calls/{call.id}/counts").get_json()
    assert counts == {
        "total": 6,
        "by_status": {"published": 4, "submitted": 1, "rejected": 1},
        "by_organization": {"MX": 5, "CO": 1},
    }
    assert api_client(make_user(org="GT")).get(f"/api/v1/calls/{call.id}/counts").status_code == 403
    assert api_client().get(f"/api/v1/calls/{call.id}/counts").status_code == 401


def test_a_contributor_answers_with_an_existing_document_from_the_calls_page(app, login_as):
    call = make_call()
    contributor = make_user(org="GT")
    document = make_document(org="GT", status=DocumentStatus.DRAFT, title="Our programme")
    browser = login_as(contributor)
    page = browser.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Our programme" in page
    response = browser.post_form(f"/calls/{call.id}/answers", {"document_id": str(document.id)})
    assert response.status_code == 302
    db.session.refresh(document)
    assert calls.answered_call(document).id == call.id
    someone_elses = make_document(org="MX", status=DocumentStatus.DRAFT)
    assert (
        browser.post_form(f"/calls/{call.id}/answers", {"document_id": str(someone_elses.id)}).status_code
        == 404
    )


def _edit_form(browser, document) -> tuple[str, dict]:
    """The edit form's page, and what sending it back unchanged would send."""
    form = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    values = {
        "title": document.title,
        "summary": document.summary,
        "body_html": document.body_html,
        "doc_type": document.doc_type.value,
        "language": document.language.value,
        "visibility": document.visibility.value,
        "version": re.search(r'name="version" value="(\d+)"', form).group(1),
    }
    chosen = re.search(r'<option value="(\d+)" selected>', form) or re.search(
        r'<input type="hidden" name="call" value="(\d+)">', form
    )
    if 'name="call"' in form:
        values["call"] = chosen.group(1) if chosen else ""
    return form, values


def edit(browser, document, values, **kwargs):
    return browser.post_form(f"/documents/{document.id}/edit", values, **kwargs)


def _answered(document):
    db.session.expire_all()
    return calls.answered_call(document)


def test_the_edit_form_shows_the_call_answered_and_changes_or_withdraws_it(app, login_as):
    first, second = make_call(theme_en="First call"), make_call(theme_en="Second call")
    contributor = make_user(org="GT")
    document = make_document(org="GT", status=DocumentStatus.DRAFT, title="Our programme")
    browser = login_as(contributor)
    form, values = _edit_form(browser, document)
    assert values["call"] == ""
    # Answered from the edit form, then shown there as the call it answers.
    assert edit(browser, document, {**values, "call": str(first.id)}).status_code == 302
    assert _answered(document).id == first.id
    form, values = _edit_form(browser, document)
    assert f'<option value="{first.id}" selected>First call</option>' in form
    assert values["call"] == str(first.id)
    # Saving with the same call keeps it; choosing another moves the answer there.
    assert edit(browser, document, {**values, "title": "Renamed"}).status_code == 302
    assert _answered(document).id == first.id and document.title == "Renamed"
    form, values = _edit_form(browser, document)
    assert edit(browser, document, {**values, "call": str(second.id)}).status_code == 302
    assert _answered(document).id == second.id
    assert calls.call_counts(make_user(role=Role.MODERATOR), first).total == 0
    # "No call" withdraws the answer; a form without the call field leaves it alone.
    form, values = _edit_form(browser, document)
    assert edit(browser, document, {**values, "call": ""}).status_code == 302
    assert _answered(document) is None
    calls.answer_call(contributor, first, document)
    form, values = _edit_form(browser, document)
    values.pop("call")
    assert browser.post_form(f"/documents/{document.id}/edit", values).status_code == 302
    assert _answered(document).id == first.id
    actions = [event.action for event in documents.history(contributor, document)]
    assert actions.count("answer_call") == 3 and actions.count("withdraw_answer") == 2


def test_a_closed_call_refused_on_the_edit_form_keeps_what_was_typed_in_the_users_language(app, login_as):
    closed = make_call(theme_en="Closed call", opens_in_days=-60, closes_in_days=-1)
    document = make_document(org="GT", status=DocumentStatus.DRAFT, title="Before")
    browser = login_as(make_user(org="GT", language="es"))
    _form, values = _edit_form(browser, document)
    refused = edit(
        browser, document, {**values, "call": str(closed.id), "title": "Texto escrito que no se pierde"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "ya no recibe respuestas" in page and 'id="field-call-error"' in page
    assert 'value="Texto escrito que no se pierde"' in page
    db.session.expire_all()
    assert document.title == "Before" and _answered(document) is None


def test_an_answer_is_settled_when_its_call_closes(app, login_as, api_client):
    call = make_call(theme_en="Settled call")
    other = make_call(theme_en="Still open")
    contributor = make_user(org="GT")
    document = answer_call(
        make_document(org="GT", status=DocumentStatus.DRAFT, title="Before"), call, by=contributor
    )
    call.opens_on, call.closes_on = date.today() - timedelta(days=60), date.today() - timedelta(days=1)
    db.session.commit()
    browser = login_as(contributor)
    form, values = _edit_form(browser, document)
    assert "Settled call" in form and "the answer can no longer change" in form
    assert values["call"] == str(call.id) and 'id="field-call"' in form
    # Saving the form keeps the answer; withdrawing or moving it is refused, nothing saved.
    assert edit(browser, document, {**values, "title": "Renamed"}).status_code == 302
    assert _answered(document).id == call.id and document.title == "Renamed"
    _form, values = _edit_form(browser, document)
    for chosen in ("", str(other.id)):
        refused = edit(browser, document, {**values, "call": chosen, "title": "Lost?"})
        assert refused.status_code == 422 and "can no longer change" in refused.get_data(as_text=True)
        assert 'value="Lost?"' in refused.get_data(as_text=True)
        assert _answered(document).id == call.id and document.title == "Renamed"
    with pytest.raises(Conflict):
        calls.withdraw_answer(contributor, document)
    response = api_client(contributor).post(
        f"/api/v1/calls/{other.id}/answers", json={"document_id": document.id}
    )
    assert response.status_code == 409


def test_the_edit_form_answers_only_calls_that_ask_the_users_kind_of_organization(app, login_as):
    states_only = make_call(answerable_by=("member_state",))
    document = make_document(org="IOM", status=DocumentStatus.DRAFT)
    browser = login_as(make_user(org="IOM"))
    _form, values = _edit_form(browser, document)
    refused = edit(browser, document, {**values, "call": str(states_only.id)})
    assert refused.status_code == 422 and "other kinds of organization" in refused.get_data(as_text=True)
    assert _answered(document) is None


def test_a_call_gets_a_slug_from_its_year_and_theme_or_the_one_given(app, login_as, api_client):
    first = make_call(theme_en="Labour integration: práctica ¡nueva!", ppt_year=2026)
    second = make_call(theme_en="Labour integration: práctica ¡nueva!", ppt_year=2026)
    assert (first.slug, second.slug) == (
        "2026-labour-integration-practica-nueva",
        "2026-labour-integration-practica-nueva-2",
    )
    long = make_call(theme_en="word " * 100)
    assert len(long.slug) <= 80 and not long.slug.endswith("-")
    given = make_call(slug="children-2025")
    assert given.slug == "children-2025"
    assert api_client().get(f"/api/v1/calls/{given.id}").get_json()["slug"] == "children-2025"
    browser = login_as(make_user(role=Role.MODERATOR))
    form = browser.get(f"/secretariat/calls/{first.id}").get_data(as_text=True)
    assert 'value="2026-labour-integration-practica-nueva"' in form
    values = {
        "theme_en": "Renamed",
        "theme_es": "Renombrada",
        "criteria_en": "C",
        "criteria_es": "C",
        "opens_on": first.opens_on.isoformat(),
        "closes_on": first.closes_on.isoformat(),
        "ppt_year": "2026",
        "answerable_by": "member_state",
    }
    # A change without a slug keeps it; another call's slug is refused.
    assert browser.post_form(f"/secretariat/calls/{first.id}", values).status_code == 302
    db.session.expire_all()
    assert first.slug == "2026-labour-integration-practica-nueva" and first.theme_en == "Renamed"
    taken = browser.post_form(f"/secretariat/calls/{first.id}", {**values, "slug": "children-2025"})
    assert taken.status_code == 422
    assert "Another call for practices has this key." in taken.get_data(as_text=True)
    assert (
        api_client(make_user(role=Role.MODERATOR))
        .post("/api/v1/calls", json={**values, "answerable_by": ["member_state"], "slug": "Not A Slug"})
        .status_code
        == 422
    )


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["rcm", *args])


@on_both_databases
def test_export_and_import_carry_the_call_a_document_answers_by_its_slug(app, tmp_path, database):
    call = make_call(theme_en="Labour integration", ppt_year=2026)
    answer_call(make_document(org="GT", title="Answer"), call)
    make_document(org="MX", title="Not an answer")
    first = tmp_path / "first.jsonl"
    assert _run(app, "export", str(first)).exit_code == 0
    lines = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert [line["call"] for line in lines] == ["2026-labour-integration", None]

    # Another installation: the same call opened there, under another id, and closed since.
    db.session.remove()
    db.drop_all()
    db.create_all()
    from rcm_exchange.services.reference_data import load_reference_data

    load_reference_data()
    make_call(theme_en="Something else")
    there = make_call(theme_en="Labour integration", ppt_year=2026, opens_in_days=-90, closes_in_days=-30)
    assert there.slug == "2026-labour-integration" and there.id != call.id
    unknown = {**lines[0], "id": 90, "title": "Unknown call", "call": "2019-no-such-call"}
    incoming = tmp_path / "in.jsonl"
    incoming.write_text(first.read_text(encoding="utf-8") + json.dumps(unknown) + "\n", encoding="utf-8")
    result = _run(app, "import", str(incoming))
    assert result.exit_code == 1
    assert "in.jsonl:3: call: Unknown call for practices: 2019-no-such-call." in result.output
    assert "Imported 2 document(s)" in result.output
    answers = calls.call_answers(make_user(role=Role.MODERATOR), there)
    assert [document.title for document in answers.items] == ["Answer"]
    second = tmp_path / "second.jsonl"
    assert _run(app, "export", str(second)).exit_code == 0
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


@on_both_databases
def test_the_migration_gives_existing_calls_a_slug_from_their_year_and_theme(database, tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(database, tmp_path)
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as connection:
            for theme in ("Trabajo decente", "Trabajo decente", "Niñez migrante"):
                connection.execute(
                    text(
                        "INSERT INTO calls (theme_en, theme_es, criteria_en, criteria_es, opens_on, "
                        "closes_on, ppt_year, answerable_by, created_at) "
                        "VALUES (:theme, :theme, '', '', '2025-01-01', "
                        "'2025-02-01', 2025, '[]', '2025-01-01 00:00:00+00:00')"
                    ),
                    {"theme": theme},
                )
        upgrade()
        with db.engine.connect() as connection:
            slugs = list(connection.scalars(text("SELECT slug FROM calls ORDER BY id")))
        assert slugs == ["2025-trabajo-decente", "2025-trabajo-decente-2", "2025-ninez-migrante"]
        db.engine.dispose()


def test_an_expired_edit_form_comes_back_with_the_call_choice_that_was_made(app, login_as):
    call = make_call(theme_en="Answered call")
    contributor = make_user(org="GT")
    document = answer_call(make_document(org="GT", status=DocumentStatus.DRAFT), call, by=contributor)
    browser = login_as(contributor)
    _form, values = _edit_form(browser, document)
    expired = edit(browser, document, {**values, "call": "", "title": "Typed"}, csrf=False)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 400 and 'value="Typed"' in page
    assert f'<option value="{call.id}" >Answered call' in page  # offered, not chosen
    assert _answered(document).id == call.id


def test_the_api_withdraws_an_answer_while_the_call_is_open(app, api_client):
    call, closing = make_call(), make_call(theme_en="Closing call")
    contributor = make_user(org="GT")
    document = answer_call(make_document(org="GT", status=DocumentStatus.DRAFT), call, by=contributor)
    settled = answer_call(make_document(org="GT", status=DocumentStatus.DRAFT), closing, by=contributor)
    closing.opens_on, closing.closes_on = date.today() - timedelta(days=60), date.today() - timedelta(days=1)
    db.session.commit()
    api = api_client(contributor)
    assert (
        api_client(make_user(org="MX")).delete(f"/api/v1/calls/{call.id}/answers/{document.id}").status_code
        == 404
    )
    assert api.delete(f"/api/v1/calls/{closing.id}/answers/{document.id}").status_code == 404
    assert api.delete(f"/api/v1/calls/{call.id}/answers/{document.id}").status_code == 204
    assert _answered(document) is None
    assert api.delete(f"/api/v1/calls/{call.id}/answers/{document.id}").status_code == 404
    refused = api.delete(f"/api/v1/calls/{closing.id}/answers/{settled.id}")
    assert refused.status_code == 409 and "can no longer change" in refused.get_json()["message"]
    assert _answered(settled).id == closing.id
    assert api_client().delete(f"/api/v1/calls/{closing.id}/answers/{settled.id}").status_code == 401
