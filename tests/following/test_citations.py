"""Citations on the document page and in the API, each read back by a maintained parser
of its format: bibtexparser, rispy, citeproc-py (CSL-JSON) and lxml (Dublin Core)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from lxml import etree

from rcm_exchange.models import DocType, DocumentStatus, Language, Visibility
from tests.builders import make_document, make_user

PUBLISHED = datetime(2025, 3, 14, tzinfo=UTC)
DC = "http://purl.org/dc/elements/1.1/"


@pytest.fixture
def app_config():
    return {"RCM_BASE_URL": "https://rcm.example.org"}


@pytest.fixture
def document(app):
    return make_document(
        title="Protocolo de atención a víctimas de trata: 100% {coordinado} & #1",
        summary="Cómo se deriva a las víctimas.\nEn dos líneas.",
        language=Language.ES,
        doc_type=DocType.PRACTICE_REPORT,
        org="GT",
        tags=("trafficking-in-persons",),
        countries=("GT", "MX"),
        published_at=PUBLISHED,
    )


def cite(client, document, fmt):
    response = client.get(f"/documents/{document.id}/cite/{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


def test_bibtex_parses_with_the_organization_as_one_author_and_special_characters_intact(client, document):
    library = bibtexparser.parse_string(cite(client, document, "bibtex").get_data(as_text=True))
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry.entry_type == "techreport"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["author"] == "{Guatemala}"
    assert fields["title"] == r"Protocolo de atención a víctimas de trata: 100\% \{coordinado\} \& \#1"
    assert fields["year"] == "2025" and fields["language"] == "es"
    assert fields["url"] == f"https://rcm.example.org/documents/{document.id}"
    assert fields["urldate"]  # the access date
    assert fields["keywords"] == "Trata de personas"  # in the document's language


def test_ris_parses_as_a_report_with_its_address_and_access_date(client, document):
    response = cite(client, document, "ris")
    assert response.mimetype == "application/x-research-info-systems"
    [entry] = rispy.loads(response.get_data(as_text=True))
    assert entry["type_of_reference"] == "RPRT"
    assert entry["title"] == document.title
    assert entry["authors"] == ["Guatemala"]
    assert entry["urls"] == [f"https://rcm.example.org/documents/{document.id}"]
    assert entry["abstract"] == "Cómo se deriva a las víctimas. En dos líneas."
    assert entry["year"] == "2025" and entry["access_date"]
    assert "Guatemala" in entry["keywords"] and "México" in entry["keywords"]


def test_csl_json_formats_as_a_bibliography_entry_with_citeproc(client, document):
    items = json.loads(cite(client, document, "csl-json").get_data(as_text=True))
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    [entry] = [str(line) for line in bibliography.bibliography()]
    assert "Guatemala" in entry and "2025" in entry and "Protocolo de atención" in entry
    assert f"https://rcm.example.org/documents/{document.id}" in entry


def test_dublin_core_is_well_formed_xml_in_the_dc_namespace(client, document):
    root = etree.fromstring(cite(client, document, "dublin-core").data)
    values = lambda name: [e.text for e in root.findall(f"{{{DC}}}{name}")]  # noqa: E731
    assert values("title") == [document.title]
    assert values("creator") == ["Guatemala"]
    assert values("date") == ["2025-03-14"]
    assert values("language") == ["es"]
    assert values("coverage") == ["Guatemala", "México"]
    assert values("identifier") == [f"https://rcm.example.org/documents/{document.id}"]


def test_the_document_page_has_a_cite_box_with_every_format(client, document):
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="cite-heading"' in page
    for fmt in ("bibtex", "ris", "csl-json", "dublin-core"):
        assert f"/documents/{document.id}/cite/{fmt}" in page


def test_the_api_serves_the_same_citations(client, document):
    response = client.get(f"/api/v1/documents/{document.id}/citation", query_string={"format": "ris"})
    assert response.status_code == 200
    assert rispy.loads(response.get_data(as_text=True))[0]["title"] == document.title
    wrong = client.get(f"/api/v1/documents/{document.id}/citation", query_string={"format": "marc"})
    assert wrong.status_code == 422 and "format" in str(wrong.get_json()["errors"])


def test_a_restricted_or_unpublished_document_cannot_be_cited_by_those_who_cannot_see_it(
    app, client, login_as
):
    members = make_document(visibility=Visibility.MEMBERS)
    draft = make_document(status=DocumentStatus.DRAFT, org="MX", author=make_user(org="MX"))
    assert client.get(f"/documents/{members.id}/cite/bibtex").status_code == 404
    assert client.get(f"/api/v1/documents/{members.id}/citation?format=bibtex").status_code == 404
    assert login_as(make_user(org="MX")).get(f"/documents/{members.id}/cite/bibtex").status_code == 200
    # A draft has no stable address to cite, even for its own organization.
    assert login_as(make_user(org="MX")).get(f"/documents/{draft.id}/cite/ris").status_code == 404
    assert client.get(f"/documents/{members.id}/cite/unknown").status_code == 404
