"""OAI-PMH 2.0: libraries and aggregators harvest the public documents.

The protocol's verbs, arguments and errors are implemented here because the Python
OAI-PMH providers on PyPI are either unmaintained (pyoai, last release 2022) or
framework-bound; the protocol is small and its error conditions are tested one by one.

What may be harvested is decided by the one access policy: a record's metadata is sent
only while ``access.visible_documents_clause(None)`` (an anonymous visitor) selects
its document. ``record_document`` keeps a harvest record per document that has ever
been public, so one archived or moved to a higher tier is reported ``deleted``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from rcm_exchange.extensions import db
from rcm_exchange.labels import doc_type_label
from rcm_exchange.links import external_url
from rcm_exchange.models import (
    Country,
    DocType,
    Document,
    HarvestRecord,
    HarvestRecordSet,
    Tag,
    utcnow,
)
from rcm_exchange.models.base import MAX_ID
from rcm_exchange.services import access, citations

OAI = "http://www.openarchives.org/OAI/2.0/"
PAGE_SIZE = 100
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
METADATA_FORMATS = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", citations.OAI_DC)}
# The top of each set hierarchy, and how a member's spec begins.
SET_FAMILIES = {"topic": "Topics", "country": "Countries", "type": "Document types"}

VERB_ARGUMENTS = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
}


# --- keeping the harvest records -------------------------------------------------


def is_harvestable(document: Document) -> bool:
    return access.can_view_document(None, document)


def set_specs(document: Document) -> set[str]:
    return (
        {f"type:{document.doc_type.value}"}
        | {f"topic:{tag.slug}" for tag in document.tags}
        | {f"country:{country.code}" for country in document.countries}
    )


def record_document(document: Document) -> None:
    """Bring the document's harvest record up to date, in the caller's transaction.
    Called with every change that affects what search shows (``search_log``)."""
    record = db.session.get(HarvestRecord, document.id)
    if is_harvestable(document):
        if record is None:
            record = HarvestRecord(document_id=document.id)
            db.session.add(record)
        record.deleted = False
        record.datestamp = utcnow()
        db.session.flush()
        db.session.execute(delete(HarvestRecordSet).where(HarvestRecordSet.document_id == document.id))
        db.session.add_all(
            HarvestRecordSet(document_id=document.id, set_spec=spec) for spec in sorted(set_specs(document))
        )
    elif record is not None and not record.deleted:
        # Its sets stay as they were while public: a harvester of a set learns of it.
        record.deleted = True
        record.datestamp = utcnow()


# --- the protocol ---------------------------------------------------------------


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Window:
    prefix: str
    start: datetime | None
    end: datetime | None
    set_spec: str | None
    # Where the previous page stopped: (datestamp, document id) of its last record.
    after: tuple[datetime, int] | None = None
    cursor: int = 0


def namespace() -> str:
    return urlsplit(current_app.config["RCM_BASE_URL"]).hostname or "localhost"


def identifier(document_id: int) -> str:
    return f"oai:{namespace()}:{document_id}"


def _document_id(oai_identifier: str) -> int:
    prefix = f"oai:{namespace()}:"
    local = oai_identifier[len(prefix) :] if oai_identifier.startswith(prefix) else ""
    if not (local.isascii() and local.isdigit() and 0 < int(local) <= MAX_ID):
        raise OaiError("idDoesNotExist", "No item has this identifier.")
    return int(local)


def _datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _parse_moment(value: str, *, end: bool) -> tuple[datetime, str]:
    try:
        if _DAY.fullmatch(value):
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.max if end else time.min, UTC)
            return moment.replace(microsecond=0), "day"
        if _SECOND.fullmatch(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "second"
    except ValueError:
        pass
    raise OaiError("badArgument", f"Not a UTC date or time of the form {GRANULARITY}: {value}")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="oai-resumption")


def _token(window: Window, last: tuple[datetime, int]) -> str:
    return _serializer().dumps(
        {
            "p": window.prefix,
            "f": window.start.isoformat() if window.start else None,
            "u": window.end.isoformat() if window.end else None,
            "s": window.set_spec,
            "a": [last[0].isoformat(), last[1]],
            "c": window.cursor + PAGE_SIZE,
        }
    )


def _window_from_token(token: str) -> Window:
    try:
        data = _serializer().loads(token)
        return Window(
            prefix=data["p"],
            start=datetime.fromisoformat(data["f"]) if data["f"] else None,
            end=datetime.fromisoformat(data["u"]) if data["u"] else None,
            set_spec=data["s"],
            after=(datetime.fromisoformat(data["a"][0]), int(data["a"][1])),
            cursor=int(data["c"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise OaiError("badResumptionToken", "This resumption token is not valid.") from None


def _window(arguments: dict[str, str]) -> Window:
    if "resumptionToken" in arguments:
        return _window_from_token(arguments["resumptionToken"])
    prefix = arguments["metadataPrefix"]
    if prefix not in METADATA_FORMATS:
        raise OaiError("cannotDisseminateFormat", f"This repository does not offer {prefix}.")
    start = end = None
    granularities = set()
    if "from" in arguments:
        start, kind = _parse_moment(arguments["from"], end=False)
        granularities.add(kind)
    if "until" in arguments:
        end, kind = _parse_moment(arguments["until"], end=True)
        granularities.add(kind)
    if len(granularities) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if start and end and start > end:
        raise OaiError("badArgument", "from is later than until.")
    return Window(prefix=prefix, start=start, end=end, set_spec=arguments.get("set"))


def _records_page(window: Window) -> tuple[list[HarvestRecord], bool, int]:
    query = select(HarvestRecord)
    if window.start:
        query = query.where(HarvestRecord.datestamp >= window.start)
    if window.end:
        query = query.where(HarvestRecord.datestamp < window.end + timedelta(seconds=1))
    if window.set_spec:
        spec = window.set_spec
        in_set = (
            (HarvestRecordSet.set_spec == spec)
            if ":" in spec
            else HarvestRecordSet.set_spec.startswith(spec + ":", autoescape=True)
        )
        query = query.where(HarvestRecord.document_id.in_(select(HarvestRecordSet.document_id).where(in_set)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if window.after:
        at, last_id = window.after
        query = query.where(
            (HarvestRecord.datestamp > at)
            | ((HarvestRecord.datestamp == at) & (HarvestRecord.document_id > last_id))
        )
    rows = list(
        db.session.scalars(
            query.order_by(HarvestRecord.datestamp, HarvestRecord.document_id).limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, total


def _harvestable_documents(ids: list[int]) -> dict[int, Document]:
    """The public documents among ``ids``, asked of the one policy in the query."""
    if not ids:
        return {}
    documents = db.session.scalars(
        select(Document)
        .where(Document.id.in_(ids), access.visible_documents_clause(None))
        .options(
            selectinload(Document.tags), selectinload(Document.countries), selectinload(Document.organization)
        )
    )
    return {d.id: d for d in documents}


def _sets_of(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    for document_id, spec in db.session.execute(
        select(HarvestRecordSet.document_id, HarvestRecordSet.set_spec)
        .where(HarvestRecordSet.document_id.in_(ids))
        .order_by(HarvestRecordSet.set_spec)
    ):
        found[document_id].append(spec)
    return found


class Response:
    """An OAI-PMH answer document under construction."""

    def __init__(self, verb: str | None, arguments: dict[str, str], *, echo: bool):
        ET.register_namespace("", OAI)
        ET.register_namespace("xsi", citations.XSI)
        self.root = ET.Element(
            f"{{{OAI}}}OAI-PMH",
            {f"{{{citations.XSI}}}schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"},
        )
        self.add(self.root, "responseDate", _datestamp(utcnow()))
        attributes = {"verb": verb, **arguments} if echo and verb else {}
        self.add(self.root, "request", base_url(), **attributes)

    @staticmethod
    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{OAI}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    def error(self, code: str, message: str) -> None:
        self.add(self.root, "error", message, code=code)

    def to_bytes(self) -> bytes:
        return ET.tostring(self.root, encoding="utf-8", xml_declaration=True)


def base_url() -> str:
    return external_url("harvest.oai")


def answer(arguments: dict[str, list[str]]) -> bytes:
    """The answer to one OAI-PMH request, given its arguments (each with every value
    it was sent with); protocol errors are answered in the document, as the protocol asks."""
    verbs = arguments.get("verb", [])
    verb = verbs[0] if len(verbs) == 1 else None
    single = {key: values[0] for key, values in arguments.items() if key != "verb"}
    if verb not in VERB_ARGUMENTS:
        response = Response(None, {}, echo=False)
        response.error("badVerb", "The verb is missing, repeated or not an OAI-PMH verb.")
        return response.to_bytes()
    try:
        _check_arguments(verb, arguments)
    except OaiError as error:
        response = Response(verb, {}, echo=False)
        response.error(error.code, error.message)
        return response.to_bytes()
    response = Response(verb, single, echo=True)
    try:
        VERBS[verb](response, single)
    except OaiError as error:
        # Only the header and the error: remove a half-built verb element, and echo no
        # arguments of a request that was not valid (the protocol asks for both).
        for child in list(response.root)[2:]:
            response.root.remove(child)
        if error.code in ("badVerb", "badArgument"):
            request_element = response.root.find(f"{{{OAI}}}request")
            if request_element is not None:
                request_element.attrib.clear()
        response.error(error.code, error.message)
    return response.to_bytes()


def _check_arguments(verb: str, arguments: dict[str, list[str]]) -> None:
    required, optional, exclusive = VERB_ARGUMENTS[verb]
    given = set(arguments) - {"verb"}
    if any(len(values) != 1 for values in arguments.values()):
        raise OaiError("badArgument", "An argument is repeated.")
    allowed = required | optional | ({exclusive} if exclusive else set())
    if given - allowed:
        raise OaiError("badArgument", "Unknown argument: " + ", ".join(sorted(given - allowed)))
    if exclusive and exclusive in given:
        if given != {exclusive}:
            raise OaiError("badArgument", f"{exclusive} must be the only argument.")
        return
    if required - given:
        raise OaiError("badArgument", "Missing argument: " + ", ".join(sorted(required - given)))


def _identify(response: Response, arguments: dict) -> None:
    element = response.add(response.root, "Identify")
    response.add(element, "repositoryName", "RCM Exchange")
    response.add(element, "baseURL", base_url())
    response.add(element, "protocolVersion", "2.0")
    response.add(element, "adminEmail", parseaddr(current_app.config["RCM_MAIL_SENDER"])[1])
    earliest = db.session.scalar(select(func.min(HarvestRecord.datestamp)))
    response.add(element, "earliestDatestamp", _datestamp(earliest or utcnow()))
    response.add(element, "deletedRecord", "persistent")
    response.add(element, "granularity", GRANULARITY)


def _list_metadata_formats(response: Response, arguments: dict) -> None:
    if "identifier" in arguments:
        document_id = _document_id(arguments["identifier"])
        if db.session.get(HarvestRecord, document_id) is None:
            raise OaiError("idDoesNotExist", "No item has this identifier.")
    element = response.add(response.root, "ListMetadataFormats")
    for prefix, (schema, namespace_) in METADATA_FORMATS.items():
        fmt = response.add(element, "metadataFormat")
        response.add(fmt, "metadataPrefix", prefix)
        response.add(fmt, "schema", schema)
        response.add(fmt, "metadataNamespace", namespace_)


def _list_sets(response: Response, arguments: dict) -> None:
    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "The list of sets comes in one piece.")
    used = list(db.session.scalars(select(HarvestRecordSet.set_spec).distinct()))
    tags = {t.slug: t.name_en for t in db.session.scalars(select(Tag))}
    countries = {c.code: c.name_en for c in db.session.scalars(select(Country))}
    names = {"topic": tags, "country": countries, "type": {t.value: str(doc_type_label(t)) for t in DocType}}
    element = response.add(response.root, "ListSets")
    for family, label in SET_FAMILIES.items():
        members = sorted(spec for spec in used if spec.startswith(family + ":"))
        if not members:
            continue
        top = response.add(element, "set")
        response.add(top, "setSpec", family)
        response.add(top, "setName", label)
        for spec in members:
            entry = response.add(element, "set")
            response.add(entry, "setSpec", spec)
            key = spec.split(":", 1)[1]
            response.add(entry, "setName", names[family].get(key, key))


def _header(response: Response, parent, record: HarvestRecord, specs: list[str], deleted: bool):
    header = response.add(parent, "header", **({"status": "deleted"} if deleted else {}))
    response.add(header, "identifier", identifier(record.document_id))
    response.add(header, "datestamp", _datestamp(record.datestamp))
    for spec in specs:
        response.add(header, "setSpec", spec)
    return header


def _list(response: Response, arguments: dict, *, with_metadata: bool, verb: str) -> None:
    window = _window(arguments)
    records, more, total = _records_page(window)
    if not records:
        raise OaiError("noRecordsMatch", "No records match these arguments.")
    ids = [r.document_id for r in records]
    public = _harvestable_documents(ids)
    specs = _sets_of(ids)
    element = response.add(response.root, verb)
    today = utcnow().date()
    for record in records:
        document = None if record.deleted else public.get(record.document_id)
        if with_metadata:
            parent = response.add(element, "record")
            _header(response, parent, record, specs[record.document_id], document is None)
            if document is not None:
                metadata = response.add(parent, "metadata")
                metadata.append(citations.dublin_core(citations.citation_data(document, today)))
        else:
            _header(response, element, record, specs[record.document_id], document is None)
    last = records[-1]
    if more or window.cursor:
        token = _token(window, (last.datestamp, last.document_id)) if more else None
        response.add(
            element, "resumptionToken", token, completeListSize=str(total), cursor=str(window.cursor)
        )


def _list_identifiers(response: Response, arguments: dict) -> None:
    _list(response, arguments, with_metadata=False, verb="ListIdentifiers")


def _list_records(response: Response, arguments: dict) -> None:
    _list(response, arguments, with_metadata=True, verb="ListRecords")


def _get_record(response: Response, arguments: dict) -> None:
    document_id = _document_id(arguments["identifier"])
    record = db.session.get(HarvestRecord, document_id)
    if record is None:
        raise OaiError("idDoesNotExist", "No item has this identifier.")
    if arguments["metadataPrefix"] not in METADATA_FORMATS:
        raise OaiError(
            "cannotDisseminateFormat", f"This repository does not offer {arguments['metadataPrefix']}."
        )
    document = None if record.deleted else _harvestable_documents([document_id]).get(document_id)
    element = response.add(response.root, "GetRecord")
    parent = response.add(element, "record")
    _header(response, parent, record, _sets_of([document_id])[document_id], document is None)
    if document is not None:
        metadata = response.add(parent, "metadata")
        metadata.append(citations.dublin_core(citations.citation_data(document, utcnow().date())))


VERBS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "ListIdentifiers": _list_identifiers,
    "ListRecords": _list_records,
    "GetRecord": _get_record,
}
