"""Markdown rendering and sanitising: what is kept, and a table of XSS payloads that is not."""
from html.parser import HTMLParser

import pytest

from app.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, html_to_text, render_markdown


class _Inspector(HTMLParser):
    """Collects every tag and attribute the sanitised HTML contains."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def inspect(html):
    inspector = _Inspector()
    inspector.feed(html)
    return inspector


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "[klik](javascript:alert(1))",
    "[klik](JAVASCRIPT:alert(1))",
    "[klik](data:text/html,<script>alert(1)</script>)",
    "![plaatje](javascript:alert(1))",
    "[klik](https://example.org \"\\\" onmouseover=\\\"alert(1)\")",
    "<a href=https://example.org onclick=alert(1)>x</a>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div onmouseover=alert(1)>x</div>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "\"><script>alert(1)</script>",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<a href=\"https://example.org\" target=_blank>x</a>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_as_markup(payload):
    html = render_markdown(payload).html
    found = inspect(html)
    assert set(found.tags) <= ALLOWED_TAGS, html
    for tag, name, value in found.attributes:
        assert name in ALLOWED_ATTRIBUTES.get(tag, []), html
        assert not name.startswith("on"), html
        if name == "href":
            assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}, html
    assert "<script" not in html.lower()


def test_markdown_structure_is_kept():
    html = render_markdown("## Aanpak\n\n- een\n- twee\n\n**vet** en *schuin*\n\n> citaat").html
    for fragment in ("<h3>Aanpak</h3>", "<li>een</li>", "<strong>vet</strong>",
                     "<em>schuin</em>", "<blockquote>"):
        assert fragment in html


def test_a_top_heading_in_a_body_becomes_h2_because_the_page_owns_h1():
    assert render_markdown("# Kop").html == "<h2>Kop</h2>"


def test_links_get_nofollow_noopener():
    html = render_markdown("[Rijksoverheid](https://www.rijksoverheid.nl)").html
    assert html == ('<p><a href="https://www.rijksoverheid.nl" rel="nofollow noopener">'
                    "Rijksoverheid</a></p>")


def test_a_bare_address_becomes_a_safe_link():
    html = render_markdown("Zie https://www.overheid.nl voor meer.").html
    assert 'href="https://www.overheid.nl" rel="nofollow noopener"' in html


def test_a_rel_given_by_the_author_is_replaced():
    html = render_markdown('<a href="https://x.nl" rel="opener">x</a>').html
    assert 'rel="nofollow noopener"' in html and "opener\"" not in html.replace(
        'rel="nofollow noopener"', "")


def test_tables_render_with_alignment():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html


def test_plain_text_keeps_words_and_breaks_blocks():
    rendered = render_markdown(
        "## Kop\n\nEen *zin* met [link](https://x.nl).\n\n| a | b |\n|-|-|\n| 1 | 2 |")
    assert rendered.text == "Kop\nEen zin met link.\na b\n1 2"


def test_entities_become_characters_in_plain_text():
    assert html_to_text("<p>A &amp; B &lt;tag&gt;</p>") == "A & B <tag>"
