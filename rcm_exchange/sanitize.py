"""The one place where user-supplied text is made safe to store and show.

Rich-text bodies are stored as sanitized HTML (``sanitize_html``); titles and
summaries are stored as plain text (``clean_plain_text``) and escaped by the
templates. ``html_to_text`` turns a body into plain text for the search index
and for e-mails.

This is the only module that imports nh3: change the allow-list here and
nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape

import nh3

__all__ = [
    "ALLOWED_TAGS",
    "KEPT_ATTRIBUTES",
    "clean_line",
    "clean_plain_text",
    "html_to_text",
    "sanitize_html",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr",
        "h2", "h3", "h4",
        "ul", "ol", "li",
        "a",
        "strong", "em", "b", "i", "u", "s", "sub", "sup",
        "blockquote", "code", "pre",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

# Tags whose content is dropped along with the tag. nh3 does this for script
# and style by default; the others hold content that is either invisible in a
# browser or meaningless once the markup around it is gone.
_DROPPED_WITH_CONTENT = {
    "script", "style", "template", "noscript", "noembed", "noframes",
    "iframe", "object", "embed", "applet", "svg", "math",
    "select", "textarea", "title", "xmp", "head",
}  # fmt: skip

_URL_SCHEMES = {"http", "https", "mailto"}
_LINK_REL = "noopener noreferrer nofollow"
_MAX_SPAN = 1000


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # colspan/rowspan are the only non-link attributes kept; accept plain
    # small positive integers only.
    if attribute in ("colspan", "rowspan"):
        value = value.strip()
        if value.isascii() and value.isdigit() and 1 <= int(value) <= _MAX_SPAN:
            return str(int(value))
        return None
    return value


# The attributes the sanitizer keeps, by tag (nh3 adds rel to links itself).
KEPT_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "th": frozenset({"colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}

_CLEANER = nh3.Cleaner(
    # h1, h5 and h6 are kept by the sanitizer only to be mapped to h2/h4 below,
    # so that pasted documents keep their structure without a second page title.
    tags=set(ALLOWED_TAGS | {"h1", "h5", "h6"}),
    clean_content_tags=_DROPPED_WITH_CONTENT,
    # "*" must be given explicitly, or ammonia keeps its generic attributes
    # (title, lang) on every tag.
    attributes={"*": set(), **{tag: set(names) for tag, names in KEPT_ATTRIBUTES.items()}},
    attribute_filter=_filter_attribute,
    url_schemes=_URL_SCHEMES,
    # Bodies are shown on pages, in the API, in feeds and in e-mails, where a
    # relative link means something different each time (or nothing at all).
    url_relative="deny",
    link_rel=_LINK_REL,
    strip_comments=True,
)

# nh3 escapes "<" in text and in attribute values, so in its output "<h1>" can
# only be a tag (and it carries no attributes, since none are allowed).
_HEADING_MAP = re.compile(r"<(/?)h([156])>")
_HEADING_TARGET = {"1": "2", "5": "4", "6": "4"}

# C0/C1 controls except tab, newline and carriage return; lone surrogates
# cannot be encoded and would make nh3 (and the database) fail.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same and carriage returns too: what text whose lines end in "\n" may not contain.
PLAIN_TEXT_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the allow-list, safe to store and render."""
    if not html:
        return ""
    html = _CONTROL_CHARS.sub("", html)
    if not html.strip():
        return ""
    cleaned = _CLEANER.clean(html)
    cleaned = _HEADING_MAP.sub(lambda m: f"<{m[1]}h{_HEADING_TARGET[m[2]]}>", cleaned)
    return cleaned.strip()


# Characters that show nothing yet change what a reader sees or what a program does
# with the text: format characters (bidi overrides and isolates, zero-width spaces and
# joiners, the BOM, soft hyphen...), private-use and unassigned code points, and the
# letters that render as blanks (Hangul fillers, the braille blank).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Co", "Cn", "Cs"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Line and paragraph separators: a line break wherever the text may have lines.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _visible(text: str) -> str:
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS
    )


def clean_plain_text(text: str, *, max_length: int | None = None) -> str:
    """Clean a summary or another text that may have lines: no control or invisible
    characters, every line separator a newline, NFC, trimmed.

    Newlines and tabs are kept (a summary may have paragraphs); ``max_length``
    cuts the result to that many characters.
    """
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", text)
    text = _visible(PLAIN_TEXT_CONTROL_CHARS.sub("", text))
    text = unicodedata.normalize("NFC", text).strip()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length].rstrip()
    return text


def clean_line(text: str, *, max_length: int | None = None) -> str:
    """Clean plain one-line text (a title, a name, a filename): every run of white space,
    line breaks included, becomes one space; control, line-separator, bidi-override and
    invisible characters are dropped; NFC, trimmed.

    One-line text ends up in mail headers, file names, attributes and log lines, where
    a line break or a reordering character changes what the text means.
    """
    if not text:
        return ""
    text = _visible(text)
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if max_length is not None and len(text) > max_length:
        text = text[:max_length].rstrip()
    return text


_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "pre", "table", "hr"})
_LINE_TAGS = frozenset({"li", "tr", "br", "thead", "tbody"})
_CELL_TAGS = frozenset({"td", "th"})
# Markers that survive whitespace collapsing; real text cannot contain them
# because sanitize_html removes control characters.
_PARAGRAPH = "\x00P"
_LINE = "\x00L"
# A run of boundaries, with the space after it (the space before it is dropped
# separately: a pattern that starts with an optional space is scanned for at every
# character, which cost more than the rest of the conversion).
_BOUNDARY_RUN = re.compile(r"\x00[PL](?: ?\x00[PL])* ?")
# In sanitize_html's output "<" and ">" only open and close tags (text and attribute
# values have them escaped) and every attribute value is double-quoted, so a pattern
# finds its tags; an HTML parser took as long again for a typical body.
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)([^>]*)>")
_ATTRIBUTE = re.compile(r'([^\s="/]+)(?:="([^"]*)")?')


def _boundary(tag: str) -> str:
    if tag in _BLOCK_TAGS:
        return _PARAGRAPH
    if tag in _LINE_TAGS:
        return _LINE
    return " " if tag in _CELL_TAGS else ""


def _shown_attributes(tag: str, attributes: str) -> str:
    kept = KEPT_ATTRIBUTES.get(tag, frozenset())
    pairs = sorted((name.lower(), unescape(value or "")) for name, value in _ATTRIBUTE.findall(attributes))
    shown = " ".join(f'{name}="{value}"' for name, value in pairs if name in kept)
    return f" \u27e8{shown}\u27e9 " if shown else ""


def html_to_text(html: str, *, with_attributes: bool = False) -> str:
    """Plain text of a body, for the search index and e-mails.

    ``with_attributes`` also shows every attribute the sanitizer keeps, as
    ``⟨href="..."⟩`` after its tag, so that a review of a change sees a link whose
    target changed although its text did not.

    Paragraph-like blocks are separated by a blank line, list items, rows and
    ``<br>`` by a line break, table cells by a space; entities are decoded and
    other whitespace is collapsed. Content that sanitizing drops (scripts,
    styles) never reaches the text.
    """
    safe = sanitize_html(html)
    if not safe:
        return ""
    parts: list[str] = []
    pre_depth = 0
    position = 0
    for tag in _TAG.finditer(safe):
        data = unescape(safe[position : tag.start()])
        # Keep the line structure of preformatted text (code, addresses).
        parts.append(data.replace("\n", _LINE) if pre_depth else data)
        closing, name, attributes = tag.groups()
        parts.append(_boundary(name))
        if with_attributes and not closing:
            parts.append(_shown_attributes(name, attributes))
        if name == "pre" and not attributes.endswith("/"):
            pre_depth = max(0, pre_depth - 1) if closing else pre_depth + 1
        position = tag.end()
    parts.append(unescape(safe[position:]))
    raw = " ".join("".join(parts).split())
    # A run of boundaries (</li><li>, </p><ul>) is one break: a blank line if
    # any of them ends a paragraph-like block, else a line break. Collapsing left
    # no other line breaks, so a space before one is the space before a run.
    text = _BOUNDARY_RUN.sub(lambda m: "\n\n" if _PARAGRAPH in m[0] else "\n", raw).replace(" \n", "\n")
    return unicodedata.normalize("NFC", text).strip()
