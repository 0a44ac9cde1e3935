import io
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from rcm_exchange.services import file_inspection
from rcm_exchange.services.file_inspection import (
    DOCX,
    HEAD_SIZE,
    JPEG,
    ODT,
    PDF,
    PNG,
    XLSX,
    detect_type,
    extract_text,
    safe_download_name,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
MB = 1024 * 1024


# --- builders of small real files --------------------------------------------


def build_pdf(page_streams: list[bytes], page_refs: list[int] | None = None) -> bytes:
    """A PDF with one Helvetica font; each page shows one of ``page_streams``.

    pypdf cannot write a text layer, so the file is assembled by hand, with a
    correct cross-reference table. ``page_refs`` lets pages share a stream.
    """
    refs = page_refs if page_refs is not None else list(range(len(page_streams)))
    first_page = 4 + len(page_streams)
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(len(refs)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(refs),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    objects += [b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream" for data in page_streams]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (4 + ref)
        for ref in refs
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text_page(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("cp1252") + b") Tj ET"


def build_zip(entries: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            # ODF wants its mimetype first and stored, like real files have it.
            kind = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def docx_entries(body_xml: str) -> dict[str, bytes | str]:
    return {
        "[Content_Types].xml": '<?xml version="1.0"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": '<?xml version="1.0"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body_xml}</w:body></w:document>',
    }


def build_docx(body_xml: str) -> bytes:
    return build_zip(docx_entries(body_xml))


def build_odt(body_xml: str, mimetype: str = ODT.content_type) -> bytes:
    return build_zip(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": "<manifest/>",
            "content.xml": f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>'
            f"<office:body><office:text>{body_xml}</office:text></office:body></office:document-content>",
        }
    )


def build_xlsx(shared_strings: list[str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si><t>{value}</t></si>" for value in shared_strings)
    return build_zip(
        {
            "[Content_Types].xml": "<Types/>",
            "xl/workbook.xml": f'<workbook xmlns="{ns}"/>',
            "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{items}'
            f"<si><r><t>rich </t></r><r><t>text</t></r><rPh><t>phonetic</t></rPh></si></sst>",
        }
    )


PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def detect(path: Path):
    with path.open("rb") as file:
        head = file.read(HEAD_SIZE)
    return detect_type(head, path)


# --- detect_type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("informe.pdf", build_pdf([text_page("x")]), PDF),
        ("informe.docx", build_docx("<w:p/>"), DOCX),
        ("informe.odt", build_odt("<text:p/>"), ODT),
        ("datos.xlsx", build_xlsx(["a"]), XLSX),
        ("foto.png", PNG_BYTES, PNG),
        ("foto.jpg", JPEG_BYTES, JPEG),
        # The name does not matter, only the content.
        ("foto.pdf", PNG_BYTES, PNG),
        ("informe", build_docx("<w:p/>"), DOCX),
    ],
)
def test_detect_type_recognizes_allowed_files(tmp_path, name, data, expected) -> None:
    assert detect(write(tmp_path, name, data)) == expected


def test_detected_types_have_canonical_content_type_and_extension() -> None:
    assert (PDF.content_type, PDF.extension) == ("application/pdf", "pdf")
    assert DOCX.extension == "docx" and XLSX.extension == "xlsx" and ODT.extension == "odt"
    assert (JPEG.content_type, JPEG.extension) == ("image/jpeg", "jpg")


def test_detect_type_reads_an_open_file_and_restores_its_position() -> None:
    file = io.BytesIO(build_docx("<w:p/>"))
    head = file.read(HEAD_SIZE)
    assert detect_type(head, file) == DOCX
    assert file.tell() == HEAD_SIZE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56),
        ("report.docx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54 + b"PE\x00\x00"),
        ("report.pdf", b"#!/bin/sh\nrm -rf ~\n"),
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("report.pdf", b"\xef\xbb\xbf<html><body>%PDF-1.4</body></html>"),
        ("image.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("image.jpg", b"GIF89a\x01\x00\x01\x00"),
        ("archive.docx", build_zip({"readme.txt": "hello"})),
        ("archive.docx", build_zip({"[Content_Types].xml": "<Types/>"})),
        ("macro.docx", build_zip({**docx_entries("<w:p/>"), "word/vbaProject.bin": b"\xd0\xcf"})),
        ("sheet.odt", build_odt("", mimetype="application/vnd.oasis.opendocument.spreadsheet")),
        (
            "macro.odt",
            build_zip({"mimetype": ODT.content_type, "content.xml": "<x/>", "Basic/Standard/M.xml": "x"}),
        ),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("empty.pdf", b""),
    ],
    ids=[
        "elf-as-pdf",
        "exe-as-docx",
        "shell-script",
        "html-as-pdf",
        "html-with-pdf-marker",
        "svg",
        "gif",
        "plain-zip",
        "zip-without-document",
        "macro-enabled-docx",
        "ods-as-odt",
        "odt-with-macros",
        "broken-zip",
        "empty",
    ],
)
def test_detect_type_refuses_everything_else(tmp_path, name, data) -> None:
    assert detect(write(tmp_path, name, data)) is None


def test_detect_type_refuses_a_zip_with_too_many_entries(tmp_path) -> None:
    entries: dict[str, bytes | str] = {f"word/media/{i}.xml": b"" for i in range(10_001)}
    entries.update(docx_entries("<w:p/>"))
    assert detect(write(tmp_path, "many.docx", build_zip(entries))) is None


# --- safe_download_name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "extension", "expected"),
    [
        ("Informe anual.pdf", "pdf", "Informe anual.pdf"),
        ("Informe migración 2024.docx", "docx", "Informe migración 2024.docx"),
        ("report.exe", "pdf", "report.pdf"),
        ("report", "pdf", "report.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\Desktop\\plan.docx", "docx", "plan.docx"),
        ("plan\x00.pdf\n", "pdf", "plan.pdf"),
        ("factura\u202efdp.exe", "pdf", "facturafdp.pdf"),
        ('a<b>:"c"|?*.pdf', "pdf", "a_b___c____.pdf"),
        ("   ", "pdf", "attachment.pdf"),
        ("", "png", "attachment.png"),
        (".htaccess", "pdf", "htaccess.pdf"),
        ("informe.v2.final.pdf", "pdf", "informe.v2.final.pdf"),
        ("CON.docx", "docx", "_CON.docx"),
        ("photo.JPEG", ".jpg", "photo.jpg"),
        ("migracio\u0301n.pdf", "pdf", "migración.pdf"),
    ],
)
def test_safe_download_name(uploaded, extension, expected) -> None:
    assert safe_download_name(uploaded, extension) == expected


def test_safe_download_name_caps_the_length() -> None:
    name = safe_download_name("ñ" * 500 + ".pdf", "pdf")
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 160


# --- extract_text -----------------------------------------------------------------


def test_hand_made_pdf_has_a_text_layer_pypdf_reads() -> None:
    reader = PdfReader(io.BytesIO(build_pdf([text_page("Hola")])))
    assert reader.pages[0].extract_text() == "Hola"


def test_extracts_pdf_text_page_by_page(tmp_path) -> None:
    path = write(tmp_path, "a.pdf", build_pdf([text_page("Protección de niñez"), text_page("Página dos")]))
    result = extract_text(path, PDF.content_type)
    assert (result.status, result.error, result.truncated) == ("ok", None, False)
    assert result.text == "Protección de niñez\n\nPágina dos"


def test_extracts_docx_paragraphs_tabs_and_breaks(tmp_path) -> None:
    body = (
        '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        '<w:r><w:t>Retorno</w:t></w:r><w:r><w:t xml:space="preserve"> asistido</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t></w:r></w:p>"
        "<w:p><w:del><w:r><w:delText>borrado</w:delText></w:r></w:del>"
        "<w:r><w:instrText>PAGE</w:instrText><w:t>fin</w:t></w:r></w:p>"
    )
    result = extract_text(write(tmp_path, "a.docx", build_docx(body)), DOCX.content_type)
    assert result.status == "ok"
    assert result.text == "Retorno asistido\nA\tB\nC\nfin"


def test_extracts_odt_text(tmp_path) -> None:
    body = (
        "<text:tracked-changes><text:changed-region><text:deletion>"
        "<text:p>borrado</text:p></text:deletion></text:changed-region></text:tracked-changes>"
        "<text:h>Título</text:h>"
        "<text:p>Uno<text:s/>y <text:span>dos</text:span><text:line-break/>tres</text:p>"
    )
    result = extract_text(write(tmp_path, "a.odt", build_odt(body)), ODT.content_type)
    assert result.status == "ok"
    assert result.text == "Título\nUno y dos\ntres"


def test_extracts_xlsx_shared_strings(tmp_path) -> None:
    result = extract_text(write(tmp_path, "a.xlsx", build_xlsx(["País", "Casos"])), XLSX.content_type)
    assert result.status == "ok"
    assert result.text == "País\nCasos\nrich text"


@pytest.mark.parametrize("content_type", [PNG.content_type, JPEG.content_type, "text/html"])
def test_images_and_unknown_types_are_unsupported(tmp_path, content_type) -> None:
    result = extract_text(write(tmp_path, "a.png", PNG_BYTES), content_type)
    assert (result.status, result.text, result.error) == ("unsupported", "", None)


def test_control_characters_are_removed_from_extracted_text(tmp_path) -> None:
    path = write(tmp_path, "a.pdf", build_pdf([b"BT /F1 12 Tf 72 720 Td (A\\000B\\033C) Tj ET"]))
    result = extract_text(path, PDF.content_type)
    assert result.status == "ok"
    assert result.text == "ABC"


def test_output_is_capped(tmp_path) -> None:
    body = "".join(f"<w:p><w:r><w:t>paragraph {i}</w:t></w:r></w:p>" for i in range(1000))
    result = extract_text(
        write(tmp_path, "a.docx", build_docx(body)), DOCX.content_type, max_output_chars=100
    )
    assert result.status == "ok" and result.truncated
    assert result.text.startswith("paragraph 0\nparagraph 1")
    assert len(result.text) <= 100


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("bad.pdf", PDF.content_type, b"%PDF-1.4\nnot really a pdf"),
        ("bad.docx", DOCX.content_type, build_zip({"word/document.xml": "<w:document><unclosed>"})),
        ("bad.odt", ODT.content_type, b"PK\x03\x04 truncated archive"),
        (
            "laughs.docx",
            DOCX.content_type,
            build_zip(
                {
                    "word/document.xml": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                    "<d>&c;</d>"
                }
            ),
        ),
    ],
    ids=["garbage-pdf", "invalid-xml", "truncated-zip", "entity-expansion"],
)
def test_malformed_files_fail_without_raising(tmp_path, name, content_type, data) -> None:
    result = extract_text(write(tmp_path, name, data), content_type)
    assert result.status == "failed"
    assert result.text == ""
    assert result.error


def _write_bomb(path: Path, *, prefix: bytes, chunk: bytes, size: int, suffix: bytes) -> None:
    # Streamed into the archive so the test never holds the expanded XML.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            member.write(prefix)
            for _ in range(size // len(chunk)):
                member.write(chunk)
            member.write(suffix)


@pytest.fixture(scope="module")
def text_bomb(tmp_path_factory) -> Path:
    """A DOCX whose 200 MB document.xml is one paragraph of zeros (~200 KB zipped)."""
    path = tmp_path_factory.mktemp("bombs") / "text-bomb.docx"
    _write_bomb(
        path,
        prefix=f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>'.encode(),
        chunk=b"0" * MB,
        size=200 * MB,
        suffix=b"</w:t></w:r></w:p></w:body></w:document>",
    )
    return path


def test_zip_bomb_docx_is_cut_at_the_output_cap(text_bomb) -> None:
    assert text_bomb.stat().st_size < 1 * MB
    assert detect(text_bomb) == DOCX
    started = time.monotonic()
    result = extract_text(text_bomb, DOCX.content_type, max_output_chars=500_000)
    assert time.monotonic() - started < 10
    assert result.status == "ok" and result.truncated
    assert len(result.text) <= 500_000


def test_zip_bomb_without_text_is_cut_at_the_decompression_cap(tmp_path) -> None:
    path = tmp_path / "markup-bomb.docx"
    empty_paragraph = b'<w:p w:rsidR="' + b"0" * 8000 + b'"/>'
    _write_bomb(
        path,
        prefix=f'<w:document xmlns:w="{W_NS}"><w:body>'.encode(),
        chunk=empty_paragraph * 128,
        size=file_inspection.MAX_XML_BYTES + 8 * MB,
        suffix=b"</w:body></w:document>",
    )
    started = time.monotonic()
    result = extract_text(path, DOCX.content_type)
    assert time.monotonic() - started < 10
    assert result.status == "ok" and result.truncated
    assert len(result.text) <= file_inspection.MAX_XML_BYTES // 8000 + 1


def test_memory_limit_turns_a_hungry_file_into_a_failure(tmp_path) -> None:
    # One 63 MB attribute: expat must hold the whole tag in memory at once.
    path = tmp_path / "hungry.docx"
    _write_bomb(
        path,
        prefix=f'<w:document xmlns:w="{W_NS}"><w:body><w:p w:x="'.encode(),
        chunk=b"0" * MB,
        size=file_inspection.MAX_XML_BYTES - MB,
        suffix=b'"/></w:body></w:document>',
    )
    result = extract_text(path, DOCX.content_type, memory_limit_bytes=96 * MB)
    assert result.status == "failed"
    assert result.text == ""


def test_slow_extraction_is_killed_at_the_timeout(tmp_path) -> None:
    # Twenty pages sharing one stream of 20,000 text operators: pypdf needs
    # tens of seconds for it, and the file is under 300 KB.
    slow_stream = b"BT /F1 1 Tf " + b"0 0 Td () Tj " * 20_000 + b"ET"
    path = write(tmp_path, "slow.pdf", build_pdf([slow_stream], page_refs=[0] * 20))
    started = time.monotonic()
    result = extract_text(path, PDF.content_type, timeout_seconds=1)
    elapsed = time.monotonic() - started
    assert result.status == "timeout"
    assert result.text == ""
    assert elapsed < 5
