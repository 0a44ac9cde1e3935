"""What an uploaded attachment really is, and the text inside it.

``detect_type`` decides the type from the file's content, never from its name
or the content type the browser sent. ``extract_text`` reads the text for the
search index in a separate, resource-limited process, because the parsers see
hostile input: a zip bomb, a PDF built to loop, a file that crashes a parser.
Whatever happens there, the caller gets a result and keeps the attachment.

This module imports nothing from the application: the extraction child runs
this file as a script, so it starts without loading Flask or the models.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Literal

from rcm_exchange.sanitize import PLAIN_TEXT_CONTROL_CHARS, clean_line

__all__ = [
    "ALLOWED_TYPES",
    "DOCX",
    "HEAD_SIZE",
    "JPEG",
    "ODT",
    "PDF",
    "PNG",
    "XLSX",
    "AllowedType",
    "ExtractionResult",
    "detect_type",
    "extract_text",
    "safe_download_name",
]


@dataclass(frozen=True)
class AllowedType:
    content_type: str
    extension: str  # without the dot


PDF = AllowedType("application/pdf", "pdf")
DOCX = AllowedType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = AllowedType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
ODT = AllowedType("application/vnd.oasis.opendocument.text", "odt")
PNG = AllowedType("image/png", "png")
JPEG = AllowedType("image/jpeg", "jpg")
ALLOWED_TYPES: tuple[AllowedType, ...] = (PDF, DOCX, ODT, XLSX, PNG, JPEG)

# How many leading bytes detect_type needs to see.
HEAD_SIZE = 16

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_RECORD = b"PK\x05\x06"
# Office files have tens or hundreds of entries; zipfile builds an object per
# entry of the central directory, so a crafted archive with millions of tiny
# entries would cost the web process hundreds of megabytes before any check.
_MAX_ZIP_ENTRIES = 10_000

PathOrFile = str | os.PathLike[str] | BinaryIO


def detect_type(head: bytes, path_or_file: PathOrFile) -> AllowedType | None:
    """Return the attachment type of a file, or None if it is not allowed.

    ``head`` is the first bytes of the file (at least ``HEAD_SIZE``);
    ``path_or_file`` is the whole file (a path or a seekable binary file), read
    only for ZIP containers to tell DOCX, XLSX and ODT from other archives.
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_PNG_SIGNATURE) and (len(head) < 16 or head[12:16] == b"IHDR"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_ZIP_LOCAL_HEADER):
        return _detect_zip_type(path_or_file)
    return None


def _detect_zip_type(path_or_file: PathOrFile) -> AllowedType | None:
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as file:
            return _inspect_zip(file)
    position = path_or_file.tell()
    try:
        return _inspect_zip(path_or_file)
    finally:
        path_or_file.seek(position)


def _inspect_zip(file: BinaryIO) -> AllowedType | None:
    entries = _zip_entry_count(file)
    if entries is None or entries > _MAX_ZIP_ENTRIES:
        return None
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            lowered = {name.lower() for name in names}
            # Macro-enabled documents (.docm, .xlsm) renamed to .docx/.xlsx.
            if any(name.endswith("vbaproject.bin") for name in lowered):
                return None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                return None
            if "mimetype" in names and "content.xml" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100)
                # ODF documents carry Basic macros and scripts in these folders.
                if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                    return None
                if mimetype.strip() == ODT.content_type.encode():
                    return ODT
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
            ValueError, NotImplementedError):  # fmt: skip
        return None


def _zip_entry_count(file: BinaryIO) -> int | None:
    """Entry count from the end-of-central-directory record (None if absent)."""
    file.seek(0, os.SEEK_END)
    size = file.tell()
    # The record is 22 bytes plus a comment of at most 65535 bytes.
    tail_size = min(size, 22 + 65535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    index = tail.rfind(_ZIP_END_RECORD)
    if index < 0 or len(tail) < index + 22:
        return None
    # 0xFFFF means "see the ZIP64 record": more entries than any office file has.
    return int.from_bytes(tail[index + 10 : index + 12], "little")


# Characters that are unsafe or invalid in a file name on common systems, and
# in a Content-Disposition header.
_FILENAME_FORBIDDEN = re.compile(r'[<>:"/\\|?*;]')
_EXTENSION_LIKE = re.compile(r"[A-Za-z0-9]{1,5}")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
_MAX_STEM_BYTES = 150


def safe_download_name(filename: str, extension: str) -> str:
    """A display and download name built from what the user uploaded.

    Keeps the base name only, drops control and formatting characters (bidi
    overrides can disguise an extension), caps the length and forces the
    extension of the detected type.
    """
    extension = extension.lstrip(".").lower()
    name = re.split(r"[/\\]", filename or "")[-1]
    name = _FILENAME_FORBIDDEN.sub("_", clean_line(name))
    name = " ".join(name.split()).strip(". ")
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and _EXTENSION_LIKE.fullmatch(suffix):
        name = stem
    stem = name.encode("utf-8")[:_MAX_STEM_BYTES].decode("utf-8", "ignore").strip(". ")
    if not stem:
        stem = "attachment"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return f"{stem}.{extension}"


# --- text extraction -------------------------------------------------------

ExtractionStatus = Literal["ok", "failed", "timeout", "unsupported"]


@dataclass(frozen=True)
class ExtractionResult:
    status: ExtractionStatus
    text: str
    error: str | None
    # The text stopped at a size limit (output, pages or decompressed bytes).
    truncated: bool = False


_EXTRACTABLE = {PDF.content_type, DOCX.content_type, ODT.content_type, XLSX.content_type}
DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024
# Limits applied inside the child.
MAX_PDF_PAGES = 1000
MAX_XML_BYTES = 64 * 1024 * 1024
# Expat 2.5 rescans an unfinished token on every Parse call, so small chunks
# make one huge tag cost quadratic time.
_READ_CHUNK = 1024 * 1024
_TEXT_BUFFER = 64 * 1024


def extract_text(
    path: str | os.PathLike[str],
    content_type: str,
    *,
    timeout_seconds: float = 20,
    max_output_chars: int = 2_000_000,
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT,
) -> ExtractionResult:
    """Extract the text of an attachment in a separate, limited process.

    Never raises for a bad file: a parser error or a crash gives "failed", a
    file that takes longer than ``timeout_seconds`` gives "timeout", images
    and unknown types give "unsupported".
    """
    if content_type not in _EXTRACTABLE:
        return ExtractionResult("unsupported", "", None)
    command = [
        sys.executable,
        "-I",  # ignore PYTHON* variables, the user site and the working directory
        os.path.abspath(__file__),
        os.fspath(path),
        content_type,
        str(max_output_chars),
        str(memory_limit_bytes),
        str(max(1, math.ceil(timeout_seconds))),
    ]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # The child gets no secrets (database URL, keys) from our environment.
            env=_child_environment(),
            # Its own process group, so a kill reaches anything it started.
            start_new_session=True,
        )
    except OSError as exc:  # e.g. the process limit is reached
        return ExtractionResult("failed", "", f"could not start extraction: {exc}")
    try:
        stdout, stderr = process.communicate(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        _kill(process)
        process.communicate()
        return ExtractionResult("timeout", "", f"extraction took longer than {timeout_seconds} s")
    finally:
        if process.poll() is None:
            _kill(process)
            process.wait()
    return _read_child_result(process.returncode, stdout, stderr, max_output_chars)


def _child_environment() -> dict[str, str]:
    return {key: os.environ[key] for key in ("PATH", "LD_LIBRARY_PATH", "SYSTEMROOT") if key in os.environ}


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            process.kill()
    except ProcessLookupError:
        pass


def _read_child_result(
    returncode: int, stdout: bytes, stderr: bytes, max_output_chars: int
) -> ExtractionResult:
    if returncode < 0:
        killed_by = -returncode
        # The CPU limit sends SIGXCPU at the soft limit and SIGKILL at the hard one.
        if killed_by in (getattr(signal, "SIGXCPU", -1), signal.SIGKILL):
            return ExtractionResult("timeout", "", "extraction exceeded its CPU time limit")
        return ExtractionResult("failed", "", f"extraction stopped by signal {killed_by}")
    if returncode != 0:
        # Under a tight memory limit the child can fail before it can report.
        last_line = _last_line(stderr)
        if last_line.startswith("MemoryError"):
            return ExtractionResult("failed", "", "extraction exceeded its memory limit")
        return ExtractionResult("failed", "", last_line or f"extraction exited with {returncode}")
    try:
        payload = json.loads(stdout)
        status = payload["status"]
        text = payload["text"]
        error = payload["error"]
        truncated = bool(payload["truncated"])
    except (ValueError, KeyError, TypeError):
        return ExtractionResult("failed", "", "extraction gave an unreadable result")
    if status not in ("ok", "failed") or not isinstance(text, str):
        return ExtractionResult("failed", "", "extraction gave an unreadable result")
    text = _tidy(text)
    if len(text) > max_output_chars:
        text, truncated = text[:max_output_chars], True
    return ExtractionResult(status, text, error if isinstance(error, str) else None, truncated)


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:500] if lines else ""


def _tidy(text: str) -> str:
    # PostgreSQL text cannot hold NUL, and PDFs often yield stray controls.
    text = PLAIN_TEXT_CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- everything below runs in the child process ----------------------------


class _OutputFull(Exception):
    pass


class _TextSink:
    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.max_chars = max_chars

    def add(self, text: str) -> None:
        room = self.max_chars - self.size
        if len(text) >= room:
            self.parts.append(text[:room])
            self.size = self.max_chars
            raise _OutputFull
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class _XmlTextRules:
    member: str
    # Character data inside these elements is text.
    text_elements: frozenset[str]
    # The end of these elements is a line break.
    line_elements: frozenset[str]
    # Empty elements that stand for a character.
    characters: dict[str, str]
    # Nothing inside these is text (deleted text, formatting properties).
    skipped: frozenset[str]


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
_SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "

_XML_RULES: dict[str, _XmlTextRules] = {
    DOCX.content_type: _XmlTextRules(
        member="word/document.xml",
        text_elements=frozenset({_W + "t"}),
        line_elements=frozenset({_W + "p"}),
        characters={_W + "tab": "\t", _W + "br": "\n", _W + "cr": "\n"},
        skipped=frozenset({_W + "pPr"}),
    ),
    ODT.content_type: _XmlTextRules(
        member="content.xml",
        text_elements=frozenset({_TEXT + "p", _TEXT + "h"}),
        line_elements=frozenset({_TEXT + "p", _TEXT + "h"}),
        characters={_TEXT + "tab": "\t", _TEXT + "line-break": "\n", _TEXT + "s": " "},
        skipped=frozenset({_TEXT + "tracked-changes"}),
    ),
    # Cell text of a workbook lives in its shared strings; numbers are left out.
    XLSX.content_type: _XmlTextRules(
        member="xl/sharedStrings.xml",
        text_elements=frozenset({_SHEET + "t"}),
        line_elements=frozenset({_SHEET + "si"}),
        characters={},
        skipped=frozenset({_SHEET + "rPh"}),
    ),
}


def _refuse_dtd(*args: object) -> None:
    # Office XML never has a DTD; refusing one rules out entity expansion.
    raise ValueError("XML with a document type declaration is not accepted")


def _extract_zip_xml(path: str, rules: _XmlTextRules, max_chars: int) -> tuple[str, bool]:
    from xml.parsers import expat

    sink = _TextSink(max_chars)
    text_depth = 0
    skip_depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal text_depth, skip_depth
        if name in rules.skipped:
            skip_depth += 1
        if name in rules.text_elements:
            text_depth += 1
        if not skip_depth and name in rules.characters:
            sink.add(rules.characters[name])

    def end(name: str) -> None:
        nonlocal text_depth, skip_depth
        if name in rules.text_elements:
            text_depth -= 1
        if name in rules.skipped:
            skip_depth -= 1
        elif not skip_depth and name in rules.line_elements:
            sink.add("\n")

    def characters(data: str) -> None:
        if text_depth and not skip_depth:
            sink.add(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _TEXT_BUFFER
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd

    truncated = False
    with zipfile.ZipFile(path) as archive:
        if rules.member not in archive.namelist():
            return "", False
        with archive.open(rules.member) as stream:
            read = 0
            try:
                # The sizes in the ZIP headers can lie: count what is inflated.
                while chunk := stream.read(_READ_CHUNK):
                    read += len(chunk)
                    if read > MAX_XML_BYTES:
                        truncated = True
                        break
                    parser.Parse(chunk, False)
                else:
                    parser.Parse(b"", True)
            except _OutputFull:
                truncated = True
    return sink.text(), truncated


def _extract_pdf(path: str, max_chars: int) -> tuple[str, bool]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        # Many PDFs are "encrypted" with an empty password just to set permissions.
        reader.decrypt("")
    sink = _TextSink(max_chars)
    try:
        for number, page in enumerate(reader.pages):
            if number >= MAX_PDF_PAGES:
                return sink.text(), True
            sink.add((page.extract_text() or "") + "\n\n")
    except _OutputFull:
        return sink.text(), True
    return sink.text(), False


def _limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    for limit, soft, hard in (
        (resource.RLIMIT_AS, memory_bytes, memory_bytes),
        (resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1),
        (resource.RLIMIT_CORE, 0, 0),
        # The child only reads its file and writes to a pipe.
        (resource.RLIMIT_FSIZE, 0, 0),
    ):
        _, current_hard = resource.getrlimit(limit)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(limit, (soft, hard))
    with contextlib.suppress(OSError):
        os.nice(10)


def _child_main(argv: list[str]) -> int:
    path, content_type, max_chars, memory_bytes, cpu_seconds = argv
    _limit_resources(int(memory_bytes), int(cpu_seconds))
    # Parsers of malformed files warn a lot; the result says what went wrong.
    import logging
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")

    result: dict[str, object] = {"status": "ok", "text": "", "error": None, "truncated": False}
    try:
        if content_type == PDF.content_type:
            text, truncated = _extract_pdf(path, int(max_chars))
        else:
            text, truncated = _extract_zip_xml(path, _XML_RULES[content_type], int(max_chars))
        result.update(text=text, truncated=truncated)
    except MemoryError:
        result.update(status="failed", error="extraction exceeded its memory limit")
    except Exception as exc:  # any parser error means this file has no text for us
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:500])
    sys.stdout.buffer.write(json.dumps(result).encode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
