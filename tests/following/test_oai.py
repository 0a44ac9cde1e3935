"""OAI-PMH 2.0 at /oai, harvested by a real client (Sickle) from the running app, and
every protocol error the specification names."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from sickle import Sickle
from sickle import oaiexceptions as oai

from rcm_exchange.models import DocType, DocumentStatus, Role, Visibility
from rcm_exchange.services import harvest, review, search_log
from rcm_exchange.services.unit_of_work import unit_of_work
from tests.builders import make_document, make_user
from tests.local_servers import serving

NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
PAGE = 4


@pytest.fixture
def app_config():
    return {"RCM_BASE_URL": "http://rcm.example.org"}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(harvest, "PAGE_SIZE", PAGE)


@pytest.fixture
def harvester(app):
    with serving(app) as base_url:
        yield Sickle(base_url + "/oai", max_retries=0, timeout=30)


def restricted_documents():
    return [
        make_document(title="For members", visibility=Visibility.MEMBERS),
        make_document(title="For participants", visibility=Visibility.PARTICIPANTS),
        make_document(title="For the Secretariat", visibility=Visibility.SECRETARIAT),
        make_document(title="A public draft", status=DocumentStatus.DRAFT),
        make_document(title="Under review", status=DocumentStatus.SUBMITTED),
    ]


def test_the_harvester_pulls_every_public_document_in_pages_and_no_restricted_one(
    app, small_pages, harvester
):
    public = [
        make_document(title=f"Public practice {n}", tags=("trafficking-in-persons",), countries=("GT",))
        for n in range(PAGE * 2 + 1)
    ]
    restricted_documents()

    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    assert sorted(r.metadata["title"][0] for r in records) == sorted(d.title for d in public)
    assert all(not r.deleted for r in records)
    identifiers = [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")]
    assert identifiers == [r.header.identifier for r in records]
    assert len(set(identifiers)) == len(public)

    first = records[0]
    assert first.header.identifier.startswith("oai:rcm.example.org:")
    assert first.metadata["creator"] == ["Mexico"]
    assert first.metadata["identifier"][0].startswith("http://rcm.example.org/documents/")
    assert set(first.header.setSpecs) == {
        "topic:trafficking-in-persons",
        "country:GT",
        "type:practice_report",
    }
    one = harvester.GetRecord(identifier=first.header.identifier, metadataPrefix="oai_dc")
    assert one.metadata["title"] == first.metadata["title"]


def test_the_pages_are_joined_by_resumption_tokens_that_count_the_list(app, small_pages, client):
    for n in range(PAGE + 1):
        make_document(title=f"Doc {n}")
    first = ET.fromstring(client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data)
    token = first.find(".//oai:resumptionToken", NS)
    assert token.get("completeListSize") == str(PAGE + 1) and token.get("cursor") == "0"
    assert len(first.findall(".//oai:header", NS)) == PAGE
    last = ET.fromstring(
        client.get("/oai", query_string={"verb": "ListIdentifiers", "resumptionToken": token.text}).data
    )
    end = last.find(".//oai:resumptionToken", NS)
    assert end.text is None and end.get("cursor") == str(PAGE)
    assert len(last.findall(".//oai:header", NS)) == 1


def test_a_document_archived_or_raised_in_tier_after_a_harvest_is_reported_deleted_next_time(app, harvester):
    archived = make_document(title="To be archived", doc_type=DocType.GUIDANCE)
    raised = make_document(title="To be restricted")
    make_document(title="Stays public")
    first = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    assert len(first) == 3
    since = first_response_date(harvester)

    review.archive(make_user(role=Role.MODERATOR), archived, version=archived.version, comment="Superseded.")
    with unit_of_work():
        raised.visibility = Visibility.MEMBERS
        search_log.record_change(raised)

    changed = {
        r.header.identifier: r for r in harvester.ListRecords(metadataPrefix="oai_dc", **{"from": since})
    }
    deleted = {harvest.identifier(archived.id), harvest.identifier(raised.id)}
    assert {i for i, r in changed.items() if r.header.deleted} == deleted
    for identifier in deleted:
        assert "metadata>" not in changed[identifier].raw  # a deleted record carries none
    # The set it was in while public reports it too, and GetRecord says deleted.
    in_set = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="type:guidance", **{"from": since}))
    assert [(h.identifier, h.deleted) for h in in_set] == [(harvest.identifier(archived.id), True)]
    assert harvester.GetRecord(identifier=harvest.identifier(raised.id), metadataPrefix="oai_dc").deleted


def first_response_date(harvester) -> str:
    identify = harvester.Identify()
    return ET.fromstring(identify.raw).findtext("oai:responseDate", namespaces=NS)


def test_identify_and_the_formats_and_sets_describe_the_repository(app, harvester):
    make_document(tags=("labour-migration",), countries=("HN",))
    make_document(title="Members", visibility=Visibility.MEMBERS, tags=("asylum-and-refugees",))
    identify = harvester.Identify()
    assert identify.repositoryName == "RCM Exchange"
    assert identify.protocolVersion == "2.0" and identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    formats = [f.metadataPrefix for f in harvester.ListMetadataFormats()]
    assert formats == ["oai_dc"]
    sets = {s.setSpec: s.setName for s in harvester.ListSets()}
    assert sets["topic:labour-migration"] == "Labour migration"
    assert sets["country:HN"] == "Honduras" and "type:practice_report" in sets
    assert "topic:asylum-and-refugees" not in sets  # only a restricted document has it
    assert {"topic", "country", "type"} <= set(sets)


def test_a_set_harvest_holds_the_sets_documents_and_a_family_holds_all_of_them(app, harvester):
    trafficking = make_document(tags=("trafficking-in-persons",))
    labour = make_document(tags=("labour-migration",))
    ids = lambda **kw: sorted(h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", **kw))  # noqa: E731
    assert ids(set="topic:trafficking-in-persons") == [harvest.identifier(trafficking.id)]
    assert ids(set="topic") == sorted([harvest.identifier(trafficking.id), harvest.identifier(labour.id)])


def test_dates_select_records_and_an_empty_selection_is_no_records_match(app, harvester):
    make_document()
    assert len(list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2000-01-01"}))) == 1
    with pytest.raises(oai.NoRecordsMatch):
        list(harvester.ListIdentifiers(metadataPrefix="oai_dc", until="2000-01-01"))
    with pytest.raises(oai.NoRecordsMatch):
        list(harvester.ListRecords(metadataPrefix="oai_dc", set="topic:no-such-topic"))


@pytest.mark.parametrize(
    "arguments, code",
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-02-30"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2025-01-01",
                "until": "2025-01-02T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-02-01", "until": "2025-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:rcm.example.org:1"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "made-up"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "made-up"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "identifier": "PUBLIC", "metadataPrefix": "marc21"},
            "cannotDisseminateFormat",
        ),
        (
            {"verb": "GetRecord", "identifier": "oai:rcm.example.org:999999", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "oai:elsewhere.org:1", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "GetRecord", "identifier": "RESTRICTED", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": "oai:rcm.example.org:abc"}, "idDoesNotExist"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "country:ZZ"}, "noRecordsMatch"),
    ],
)
def test_each_protocol_error_is_answered_with_its_code(app, client, arguments, code):
    public = make_document()
    restricted = make_document(visibility=Visibility.MEMBERS)
    names = {"PUBLIC": harvest.identifier(public.id), "RESTRICTED": harvest.identifier(restricted.id)}
    arguments = {
        key: names.get(value, value) if isinstance(value, str) else value for key, value in arguments.items()
    }
    for method in ("get", "post"):
        if method == "get":
            response = client.get("/oai", query_string=arguments)
        else:
            response = client.post("/oai", data=arguments)
        assert response.status_code == 200 and response.mimetype == "text/xml"
        root = ET.fromstring(response.data)
        assert [e.get("code") for e in root.findall("oai:error", NS)] == [code]
        request = root.find("oai:request", NS)
        assert request.text == "http://rcm.example.org/oai"
        if code in ("badVerb", "badArgument"):
            assert request.attrib == {}  # the request is not echoed when it is not valid


def test_an_archived_document_that_was_never_public_is_never_mentioned(app, client):
    secret = make_document(title="Members only", visibility=Visibility.MEMBERS)
    review.archive(make_user(role=Role.MODERATOR), secret, version=secret.version, comment="Old.")
    body = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").get_data(as_text=True)
    assert "noRecordsMatch" in body and harvest.identifier(secret.id) not in body


def test_a_resumption_token_keeps_its_place_when_records_change_meanwhile(app, small_pages, client):
    documents = [make_document(title=f"Doc {n}") for n in range(PAGE + 2)]
    first = ET.fromstring(client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data)
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)
    seen = [h.findtext("oai:identifier", namespaces=NS) for h in first.findall(".//oai:header", NS)]
    # A document of the first page changes; it moves to the end and is seen again, none is skipped.
    changed = documents[0]
    with unit_of_work():
        changed.title = "Renamed"
        search_log.record_change(changed)
    rest = ET.fromstring(
        client.get("/oai", query_string={"verb": "ListIdentifiers", "resumptionToken": token}).data
    )
    seen += [h.findtext("oai:identifier", namespaces=NS) for h in rest.findall(".//oai:header", NS)]
    assert {harvest.identifier(d.id) for d in documents} == set(seen)
