"""Citing a published document: BibTeX, RIS, CSL-JSON and Dublin Core XML, in the
document's language, with its organization as author, its stable address and the
date it was accessed. The harvesting protocol (``services.harvest``) sends the same
Dublin Core record.

RIS is written by rispy and CSL-JSON is plain JSON; BibTeX is written here because
bibtexparser's writer does not escape TeX's special characters in values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree as ET

import rispy

from rcm_exchange.errors import NotFound
from rcm_exchange.links import external_url
from rcm_exchange.models import DocType, Document, DocumentStatus
from rcm_exchange.services import access

PUBLISHER = "Regional Conference on Migration (RCM)"
DC = "http://purl.org/dc/elements/1.1/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# One mapping per format from the document types (a report, guidance, an experience).
_BIBTEX_TYPES = {
    DocType.PRACTICE_REPORT: "techreport",
    DocType.GUIDANCE: "manual",
    DocType.EXPERIENCE: "misc",
}
_RIS_TYPES = {DocType.PRACTICE_REPORT: "RPRT", DocType.GUIDANCE: "GOVDOC", DocType.EXPERIENCE: "GEN"}
_CSL_TYPES = {DocType.PRACTICE_REPORT: "report", DocType.GUIDANCE: "report", DocType.EXPERIENCE: "document"}
_DC_TYPES = {
    DocType.PRACTICE_REPORT: "Practice report",
    DocType.GUIDANCE: "Guidance",
    DocType.EXPERIENCE: "Experience",
}

FORMATS = {
    # name: (file extension, media type, name people know it by)
    "bibtex": ("bib", "application/x-bibtex", "BibTeX"),
    "ris": ("ris", "application/x-research-info-systems", "RIS"),
    "csl-json": ("json", "application/vnd.citationstyles.csl+json", "CSL-JSON"),
    "dublin-core": ("xml", "application/xml", "Dublin Core XML"),
}


@dataclass(frozen=True)
class CitationData:
    """What every format says, read once from the document."""

    id: int
    title: str
    author: str
    abstract: str
    published: date
    language: str
    url: str
    doc_type: DocType
    subjects: list[str]
    countries: list[str]
    accessed: date


def citation_data(document: Document, accessed: date) -> CitationData:
    if document.published_at is None:
        raise ValueError("only a published document has a citation")
    language = document.language.value
    return CitationData(
        id=document.id,
        title=document.title,
        author=document.organization.display_name(language),
        abstract=document.summary,
        published=document.published_at.date(),
        language=language,
        url=external_url("documents.detail", document_id=document.id),
        doc_type=document.doc_type,
        subjects=[tag.name(language) for tag in document.tags],
        countries=[country.name(language) for country in document.countries],
        accessed=accessed,
    )


def is_citable(document: Document) -> bool:
    """Only published text has a stable address to cite."""
    return document.status == DocumentStatus.PUBLISHED


def cite(user, document: Document, fmt: str, accessed: date) -> str:
    """The citation of a published document the user may see, in format ``fmt``."""
    access.require_view_document(user, document)
    if not is_citable(document) or fmt not in FORMATS:
        raise NotFound()
    data = citation_data(document, accessed)
    return {"bibtex": bibtex, "ris": ris, "csl-json": csl_json, "dublin-core": dublin_core_xml}[fmt](data)


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def _tex(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def bibtex(data: CitationData) -> str:
    fields = [
        ("title", _tex(data.title)),
        # Double braces: an organization is one name, not "Last, First".
        ("author", "{" + _tex(data.author) + "}"),
        ("year", str(data.published.year)),
        ("month", str(data.published.month)),
        ("publisher", _tex(PUBLISHER)),
        ("url", data.url.replace("%", r"\%")),
        ("urldate", data.accessed.isoformat()),
        ("language", data.language),
        ("abstract", _tex(data.abstract)),
    ]
    if data.subjects:
        fields.append(("keywords", _tex(", ".join(data.subjects))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{_BIBTEX_TYPES[data.doc_type]}{{rcm{data.id},\n{body}\n}}\n"


def ris(data: CitationData) -> str:
    entry = {
        "type_of_reference": _RIS_TYPES[data.doc_type],
        "title": " ".join(data.title.split()),
        "authors": [data.author],
        "year": str(data.published.year),
        "date": data.published.strftime("%Y/%m/%d"),
        "publisher": PUBLISHER,
        "urls": [data.url],
        "access_date": data.accessed.strftime("%Y/%m/%d"),
        "language": data.language,
        "abstract": " ".join(data.abstract.split()),
        "keywords": data.subjects + data.countries,
    }
    return rispy.dumps([entry])


def csl_json(data: CitationData) -> str:
    item = {
        "id": f"rcm{data.id}",
        "type": _CSL_TYPES[data.doc_type],
        "title": data.title,
        "author": [{"literal": data.author}],
        "issued": {"date-parts": [[data.published.year, data.published.month, data.published.day]]},
        "accessed": {"date-parts": [[data.accessed.year, data.accessed.month, data.accessed.day]]},
        "publisher": PUBLISHER,
        "URL": data.url,
        "language": data.language,
        "abstract": data.abstract,
        "keyword": ", ".join(data.subjects),
    }
    return json.dumps([item], ensure_ascii=False, indent=2)


def dublin_core(data: CitationData) -> ET.Element:
    """The ``oai_dc:dc`` element, as OAI-PMH carries it and as the download contains."""
    ET.register_namespace("oai_dc", OAI_DC)
    ET.register_namespace("dc", DC)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(
        f"{{{OAI_DC}}}dc",
        {f"{{{XSI}}}schemaLocation": f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"},
    )

    def add(name: str, text: str) -> None:
        ET.SubElement(root, f"{{{DC}}}{name}").text = text

    add("title", data.title)
    add("creator", data.author)
    for subject in data.subjects:
        add("subject", subject)
    add("description", data.abstract)
    add("publisher", PUBLISHER)
    add("date", data.published.isoformat())
    add("type", _DC_TYPES[data.doc_type])
    add("type", "Text")
    add("identifier", data.url)
    add("language", data.language)
    for country in data.countries:
        add("coverage", country)
    return root


def dublin_core_xml(data: CitationData) -> str:
    return ET.tostring(dublin_core(data), encoding="unicode", xml_declaration=True) + "\n"
