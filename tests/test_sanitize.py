import html
import re
from html.parser import HTMLParser

import pytest

from rcm_exchange.sanitize import ALLOWED_TAGS, clean_plain_text, html_to_text, sanitize_html

# Filter-evasion vectors in the style of the OWASP cheat sheet. Each must come
# out of sanitize_html with nothing a browser would execute or load.
XSS_VECTORS = [
    # script tags, casing and malformed variants
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<SCRIPT SRC=http://evil.example/xss.js?< B >",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<script/xss src=http://evil.example/xss.js></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script>document.write("<scr"+"ipt>alert(1)</scr"+"ipt>")</script>',
    "</title><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "<scri\x00pt>alert(1)</scri\x00pt>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">text',
    "<IMG SRC=# onmouseover=\"alert('xss')\">",
    "<img src=`x` onerror=`alert(1)`>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<p onclick=alert(1)>click</p>",
    '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    '<p title="x" onmouseover=alert(1)//">y</p>',
    "<marquee onstart=alert(1)>x</marquee>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    # dangerous URL schemes
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav\nascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099'
    '&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="javascript:alert(1)">',
    '<a href="//evil.example/">protocol-relative</a>',
    # embedding and navigation elements
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<applet code="x.class"></applet>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<isindex type=image src=1 onerror=alert(1)>",
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    '<p style="behavior: url(xss.htc)">x</p>',
    '<STYLE>@import "javascript:alert(1)";</STYLE>',
    # quote and attribute breaking
    '<a href="https://ok.example/" title="x\'><script>alert(1)</script>">x</a>',
    "<a href=https://ok.example/ `onmouseover=alert(1)`>x</a>",
    '<a """><script>alert(1)</script>">x</a>',
    '<img """><script>alert(1)</script>">',
    # namespace and parsing-mode tricks
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<textarea></textarea><script>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<p>\u2028<script>alert(1)</script></p>",
    '<table><td background="javascript:alert(1)">x</td></table>',
    '<table><td colspan="2 onmouseover=alert(1)">x</td></table>',
]

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "xlink:href"}
_SAFE_SCHEMES = {"http", "https", "mailto"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def assert_inert(output: str) -> None:
    parser = _Collector()
    parser.feed(output)
    parser.close()
    assert not parser.comments
    assert "<script" not in output.lower()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, f"unexpected tag {tag!r} in {output!r}"
        for name, value in attrs:
            assert not name.startswith("on"), output
            assert name in {"href", "rel", "colspan", "rowspan"}, output
            if name in _URL_ATTRIBUTES:
                # What a browser would see: entities decoded, whitespace and
                # controls ignored inside the scheme.
                url = re.sub(r"[\x00-\x20]", "", html.unescape(value or "")).lower()
                scheme = url.split(":", 1)[0] if ":" in url else ""
                assert scheme in _SAFE_SCHEMES, f"unsafe URL {value!r} in {output!r}"


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_is_neutralized(vector: str) -> None:
    output = sanitize_html(vector)
    assert_inert(output)
    # Sanitizing is stable, so stored HTML does not change when saved again.
    assert sanitize_html(output) == output


def test_there_are_enough_vectors() -> None:
    assert len(XSS_VECTORS) >= 45


@pytest.mark.parametrize(
    "dangerous",
    ["<script>steal()</script>", "<style>p{color:red}</style>", "<svg><text>svg</text></svg>"],
)
def test_content_of_script_style_and_svg_is_dropped(dangerous: str) -> None:
    output = sanitize_html(f"<p>before</p>{dangerous}<p>after</p>")
    assert output == "<p>before</p><p>after</p>"


def test_headings_lists_and_emphasis_survive() -> None:
    body = (
        "<h2>Contexto</h2><h3>Objetivos</h3><h4>Detalle</h4>"
        "<p>Texto con <strong>fuerza</strong>, <em>énfasis</em>, <b>b</b>, <i>i</i>, "
        "<u>u</u>, <s>s</s>, H<sub>2</sub>O y m<sup>2</sup>.</p>"
        "<ul><li>uno</li><li>dos</li></ul><ol><li>primero</li></ol>"
        "<blockquote>cita</blockquote><pre><code>x = 1</code></pre><hr><p>a<br>b</p>"
    )
    assert sanitize_html(body) == body


def test_h1_becomes_h2_and_h5_h6_become_h4() -> None:
    assert sanitize_html("<h1>Title</h1><h5>Five</h5><h6>Six</h6>") == (
        "<h2>Title</h2><h4>Five</h4><h4>Six</h4>"
    )


@pytest.mark.parametrize(
    "href",
    ["https://www.iom.int/", "http://example.org/a?b=1&amp;c=2", "mailto:secretaria@rcmvs.org"],
)
def test_links_keep_safe_href_and_get_rel(href: str) -> None:
    output = sanitize_html(f'<a href="{href}" target="_blank" class="x">link</a>')
    assert output == f'<a href="{href}" rel="noopener noreferrer nofollow">link</a>'


def test_link_rel_supplied_by_the_author_is_replaced() -> None:
    output = sanitize_html('<a href="https://a.example/" rel="opener">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in output
    assert 'opener"' not in output.replace("noopener", "")


def test_relative_links_lose_their_href() -> None:
    assert sanitize_html('<a href="/documents/3">x</a>') == ('<a rel="noopener noreferrer nofollow">x</a>')


def test_simple_tables_survive_with_spans_only() -> None:
    body = (
        '<table class="t" style="width:100%" border="1">'
        '<thead><tr><th colspan="2" align="left">País</th></tr></thead>'
        '<tbody><tr><td rowspan="2" width="3">MX</td><td>12</td></tr><tr><td>7</td></tr></tbody></table>'
    )
    assert sanitize_html(body) == (
        '<table><thead><tr><th colspan="2">País</th></tr></thead>'
        '<tbody><tr><td rowspan="2">MX</td><td>12</td></tr><tr><td>7</td></tr></tbody></table>'
    )


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999", "2px"])
def test_invalid_spans_are_dropped(value: str) -> None:
    output = sanitize_html(f'<table><tr><td colspan="{value}">x</td></tr></table>')
    assert "colspan" not in output


def test_images_and_classes_and_ids_are_removed() -> None:
    assert sanitize_html('<p id="a" class="b">x<img src="https://a.example/i.png" alt="i"></p>') == (
        "<p>x</p>"
    )


@pytest.mark.parametrize("empty", ["", "   ", "\x00", "\x00\x01 \n"])
def test_empty_input_gives_empty_string(empty: str) -> None:
    assert sanitize_html(empty) == ""


def test_control_characters_are_dropped_but_text_kept() -> None:
    assert sanitize_html("<p>a\x00b\x07c\x1bd\ud800e</p>") == "<p>abcde</p>"


def test_plain_text_is_escaped_not_interpreted() -> None:
    assert sanitize_html("5 < 6 & 7 > 3") == "5 &lt; 6 &amp; 7 &gt; 3"


def test_html_to_text_separates_blocks_and_decodes_entities() -> None:
    body = (
        "<h2>Programa</h2><p>Niñez &amp; adolescencia&nbsp;migrante</p>"
        "<ul><li>Uno</li><li>Dos</li></ul>"
        "<table><tr><th>País</th><th>Casos</th></tr><tr><td>GT</td><td>4</td></tr></table>"
        "<p>línea<br>siguiente</p><script>alert(1)</script><style>p{}</style>"
    )
    assert html_to_text(body) == (
        "Programa\n\nNiñez & adolescencia migrante\n\nUno\nDos\n\nPaís Casos\nGT 4\n\nlínea\nsiguiente"
    )


def test_html_to_text_collapses_whitespace_and_handles_plain_input() -> None:
    assert html_to_text("  uno \n\n  dos\t tres  ") == "uno dos tres"
    assert html_to_text("<p>a</p>\n\n\n<p>b</p>") == "a\n\nb"
    assert html_to_text("") == ""


def test_html_to_text_keeps_lines_of_preformatted_text() -> None:
    assert html_to_text("<pre>line one\nline two</pre>") == "line one\nline two"


def test_html_to_text_does_not_reintroduce_markup() -> None:
    # Decoded entities are text: the caller escapes them where they are shown.
    assert html_to_text("<p>&lt;script&gt;x&lt;/script&gt;</p>") == "<script>x</script>"


def test_clean_plain_text_strips_controls_keeps_newlines_and_tabs() -> None:
    assert clean_plain_text("  Título\x00 de\x1b la\tpráctica\r\nsegunda  ") == (
        "Título de la\tpráctica\nsegunda"
    )


def test_clean_plain_text_normalizes_to_nfc() -> None:
    decomposed = "migracio\u0301n"
    assert clean_plain_text(decomposed) == "migración"
    assert len(clean_plain_text(decomposed)) == len("migración")


def test_clean_plain_text_does_not_touch_markup() -> None:
    # Titles are escaped by templates, so angle brackets are kept as typed.
    assert clean_plain_text("<b>Plan</b> 2024") == "<b>Plan</b> 2024"


def test_clean_plain_text_max_length() -> None:
    assert clean_plain_text("abcdef", max_length=3) == "abc"
    assert clean_plain_text("ab   cdef", max_length=5) == "ab"
    assert clean_plain_text("abc", max_length=10) == "abc"
    assert clean_plain_text("", max_length=3) == ""


@pytest.mark.parametrize(
    "unsafe",
    [
        "<img src=x>",
        '<p onclick="x()">a</p>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<p style="color:red">a</p>',
        "<!-- c -->",
    ],
)
def test_the_inertness_check_itself_catches_unsafe_output(unsafe: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(unsafe)
