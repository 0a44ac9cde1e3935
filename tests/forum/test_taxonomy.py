"""The Secretariat curates the taxonomy: create, rename, describe, order, retire, merge."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from rcm_exchange.errors import Conflict, Forbidden, ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import AuditEvent, DocumentStatus, Role, Visibility
from rcm_exchange.services import browse, documents, search, taxonomy
from tests.builders import make_document, make_user
from tests.conftest import on_both_databases


@pytest.fixture
def secretariat(app):
    return make_user(role=Role.MODERATOR)


def _create(user, slug="labour-rights", **extra):
    return taxonomy.create_tag(
        user,
        {
            "slug": slug,
            "name_en": "Labour rights",
            "name_es": "Derechos laborales",
            "description_en": "",
            "description_es": "",
            "position": None,
            **extra,
        },
    )


@on_both_databases
def test_merging_a_tag_moves_its_documents_keeps_its_address_and_is_audited(app, client, secretariat):
    old = _create(secretariat, "labour-rights")
    both = make_document(tags=("labour-rights", "labour-migration"))
    only_old = make_document(tags=("labour-rights",), visibility=Visibility.MEMBERS)
    draft = make_document(tags=("labour-rights",), status=DocumentStatus.DRAFT)
    versions = {d.id: d.version for d in (both, only_old, draft)}

    target, moved = taxonomy.merge_into(secretariat, taxonomy.get_tag("labour-rights"), "labour-migration")

    assert moved == 3 and target.slug == "labour-migration"
    for document in (both, only_old, draft):
        db.session.refresh(document)
        assert [t.slug for t in document.tags] == ["labour-migration"]
        assert document.version == versions[document.id] + 1  # an open edit form sees the change
    old = taxonomy.get_tag("labour-rights")
    assert old.retired and old.merged_into_id == target.id
    assert (
        client.get("/browse/topics/labour-rights")
        .headers["Location"]
        .endswith("/browse/topics/labour-migration")
    )
    # Search follows at once: the new slug finds both published documents, the old one leads to it.
    everyone = search.search_documents(secretariat, search.SearchParams(tag=["labour-migration"]))
    assert {i.document.id for i in everyone.items} == {both.id, only_old.id}
    assert search.search_documents(secretariat, search.SearchParams(tag=["labour-rights"])).total == 2
    assert search.check_index().in_step
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tag_merged"))
    assert event.actor_id == secretariat.id and event.details == {
        "tag": "labour-rights",
        "into": "labour-migration",
        "documents": 3,
    }


def test_a_revision_waiting_for_review_does_not_bring_a_merged_tag_back(app, secretariat):
    author = make_user(org="MX")
    _create(secretariat, "labour-rights")
    document = make_document(tags=("labour-rights",), author=author)
    documents.update_document(author, document, {"title": "New title"}, document.version)
    taxonomy.merge_into(secretariat, taxonomy.get_tag("labour-rights"), "labour-migration")
    assert documents.pending_revision(document).data["tags"] == ["labour-migration"]


def test_the_three_pillars_stay_first_and_cannot_be_retired_or_merged(app, secretariat):
    with pytest.raises(ValidationFailed) as refused:
        _create(secretariat, position=2)
    assert "pillars stay first" in refused.value.errors["position"][0]
    pillar = browse.pillars()[0]
    with pytest.raises(Conflict):
        taxonomy.update_tag(secretariat, pillar, {"retired": True})
    with pytest.raises(Conflict):
        taxonomy.merge_tags(secretariat, pillar, taxonomy.get_tag("gender"))
    theme = _create(secretariat)
    taxonomy.update_tag(secretariat, theme, {"position": 4})
    listed = [row["slug"] for row in taxonomy.tag_list(None)]
    assert listed[:3] == [t.slug for t in browse.pillars()] and listed[3] == "labour-rights"


def test_a_retired_tag_is_no_longer_offered_but_its_documents_keep_it(app, secretariat, login_as):
    tag = _create(secretariat)
    document = make_document(tags=("labour-rights",))
    taxonomy.update_tag(secretariat, tag, {"retired": True})
    assert "labour-rights" not in {t.slug for t in browse.taxonomy()}
    form = login_as(make_user(org="GT")).get("/documents/new").get_data(as_text=True)
    assert 'value="labour-rights"' not in form
    db.session.refresh(document)
    assert [t.slug for t in document.tags] == ["labour-rights"]


def _form_values(form: str) -> dict:
    """What a browser sends back from the edit form as it came (text fields, checked boxes)."""
    values = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input[^>]*name="(title|implementing_bodies|partners|version)"[^>]*value="([^"]*)"', form
        )
    }
    values.update(
        {
            name: html.unescape(text)
            for name, text in re.findall(
                r'<textarea[^>]*name="(summary|body_html|results_html)"[^>]*>(.*?)</textarea>', form, re.S
            )
        }
    )
    values["tags"] = re.findall(r'name="tags" value="([^"]+)" checked', form)
    values.update(doc_type="guidance", language="en", visibility="public")
    return values


def test_saving_the_edit_form_keeps_a_retired_tag_the_document_has(app, secretariat, login_as):
    tag = _create(secretariat)
    contributor = make_user(org="MX")
    document = make_document(org="MX", status=DocumentStatus.DRAFT, tags=("labour-rights", "gender"))
    taxonomy.update_tag(secretariat, tag, {"retired": True})
    browser = login_as(contributor)
    form = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert re.search(r'name="tags" value="labour-rights" checked> Labour rights \(retired\)', form)
    values = _form_values(form)
    assert values["tags"] == ["gender", "labour-rights"]
    saved = browser.post_form(f"/documents/{document.id}/edit", {**values, "title": "Renamed"})
    assert saved.status_code == 302
    db.session.refresh(document)
    assert document.title == "Renamed" and {t.slug for t in document.tags} == {"labour-rights", "gender"}
    # Unticked, it goes, and is no longer offered to this document either.
    form = browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    values = {**_form_values(form), "tags": ["gender"]}
    assert browser.post_form(f"/documents/{document.id}/edit", values).status_code == 302
    db.session.refresh(document)
    assert [t.slug for t in document.tags] == ["gender"]
    assert 'value="labour-rights"' not in browser.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    # Nor to another document's form.
    other = make_document(org="MX", status=DocumentStatus.DRAFT)
    assert 'value="labour-rights"' not in browser.get(f"/documents/{other.id}/edit").get_data(as_text=True)


def test_only_the_secretariat_curates_tags(app, login_as):
    contributor = make_user(org="MX")
    with pytest.raises(Forbidden):
        _create(contributor)
    assert login_as(contributor).get("/secretariat/tags").status_code == 403


def test_the_secretariat_renames_a_tag_in_both_languages_and_the_api_shows_what_changed(
    app, secretariat, login_as, api_client
):
    browser = login_as(secretariat)
    page = browser.get("/secretariat/tags/gender")
    assert page.status_code == 200
    response = browser.post_form(
        "/secretariat/tags/gender",
        {
            "name_en": "Gender equality",
            "name_es": "Igualdad de género",
            "description_en": "Women and men.",
            "description_es": "Mujeres y hombres.",
            "position": "40",
        },
    )
    assert response.status_code == 302
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    changed = api_client().get("/api/v1/tags", query_string={"changed_since": yesterday}).get_json()
    gender = next(t for t in changed if t["slug"] == "gender")
    assert (gender["name_en"], gender["name_es"], gender["position"]) == (
        "Gender equality",
        "Igualdad de género",
        40,
    )
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert api_client().get("/api/v1/tags", query_string={"changed_since": tomorrow}).get_json() == []


def test_merging_from_the_page_reports_how_many_documents_moved(app, secretariat, login_as):
    make_document(tags=("gender",))
    browser = login_as(secretariat)
    response = browser.post_form(
        "/secretariat/tags/gender/merge", {"into": "integration"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "1 documents moved" in response.get_data(as_text=True)
    refused = browser.post_form("/secretariat/tags/integration/merge", {"into": "integration"})
    assert refused.status_code == 422
    assert "Choose another tag" in refused.get_data(as_text=True)


def test_a_new_theme_from_the_page_with_a_bad_address_is_refused_next_to_its_field(
    app, secretariat, login_as
):
    response = login_as(secretariat).post_form(
        "/secretariat/tags", {"slug": "Bad Slug", "name_en": "X", "name_es": "Y"}
    )
    assert response.status_code == 422
    assert "Use lowercase letters" in response.get_data(as_text=True)
