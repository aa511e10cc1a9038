"""Markdown in, safe HTML and plain text out.

The only module that imports markdown and bleach, so that replacing bleach (6.4 is its
final release) by a successor such as nh3 is a change to this file alone. Python-Markdown
passes raw HTML straight through, so sanitising is always the last step.

Nothing an author typed is lost: markup outside the allow-list is shown as the text it
was (escaped), not dropped, so "<naam>" or a pasted "<script>" stays readable and inert.
Only HTML comments go, as Markdown authors write them as notes to themselves.

The work is bounded for any text: markdown_limits measures it first (linearly), and a
text over a limit, or one whose rendered tree nests deeper than MAX_TREE_DEPTH, is shown
as escaped plain text in paragraphs instead; `markdown_problem` tells a form why, so it
can refuse the text with a message at the field instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape
from html.parser import HTMLParser

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from app.markdown_limits import MarkupProblem, markup_problem, too_deep, unified_line_ends

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "th": ["align"],
                      "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
BLOCK_TAGS = frozenset({"p", "li", "tr", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "pre",
                        "blockquote", "br", "hr", "table"})
CELL_TAGS = frozenset({"td", "th"})
# Elements inside one another in a rendered body. The source limits bound the nesting
# that shows at line starts and in brackets; emphasis inside emphasis (`*a _b *c … c* b_
# a*`) only shows once parsed. Real bodies stay under about ten.
MAX_TREE_DEPTH = 48
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


class _DemoteHeadings(Treeprocessor):
    """The page title is the only h1; a `#` heading in a body becomes an h2, and so on."""

    def run(self, root):
        for element in root.iter():
            match = re.fullmatch(r"h([1-6])", element.tag)
            if match:
                element.tag = f"h{min(int(match.group(1)) + 1, 6)}"


class _ImagesAsLinks(Treeprocessor):
    """Images are not on the allow-list (no tracking pixels, no onerror): a Markdown image
    becomes a link to the image with its alt text, so its words and address stay."""

    def run(self, root):
        for image in [element for element in root.iter() if element.tag == "img"]:
            source, alt, title = image.get("src", ""), image.get("alt", ""), image.get("title")
            image.attrib.clear()
            image.tag, image.text = "a", alt or source
            image.set("href", source)
            if title:
                image.set("title", title)


class _TooDeep(Exception):
    """The parsed body nests deeper than MAX_TREE_DEPTH."""


class _LimitDepth(Treeprocessor):
    """Runs right after the inline patterns (priority 20) and before anything walks the
    tree recursively (prettify at 10, the serialiser) or hands it to bleach, whose
    parser slows down with every level of open formatting elements."""

    def run(self, root):
        stack = [(root, 0)]
        while stack:
            element, depth = stack.pop()
            if depth > MAX_TREE_DEPTH:
                raise _TooDeep
            stack.extend((child, depth + 1) for child in element)


class _BodyExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_LimitDepth(md), "limit_depth", 15)
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 5)
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 4)


def _set_link_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,  # escape what is not allowed: shown as typed, never run
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
)


def _markdown_to_html(source: str) -> str:
    converter = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "def_list", "abbr",
                    _BodyExtension()],
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    return converter.convert(source)


class _TextExtractor(HTMLParser):
    """Line breaks come from block ends only; a newline in the source is just a space,
    as a browser shows it, except inside <pre>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_pre = 0

    def handle_data(self, data):
        self.parts.append(data if self.in_pre else data.replace("\n", " "))

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.in_pre += 1

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_pre = max(self.in_pre - 1, 0)
        if tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in CELL_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_endtag(tag)


def html_to_text(html: str) -> str:
    """Readable plain text for the index and excerpts: block ends become line breaks."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _as_plain_text(source: str) -> Rendered:
    """The text as typed, escaped, in paragraphs: the same words, in linear time."""
    paragraphs = _PARAGRAPH_BREAK.split(unified_line_ends(source))
    html = "".join(f"<p>{escape(part.strip(), quote=False)}</p>"
                   for part in paragraphs if part.strip())
    return Rendered(html=html, text=html_to_text(html))


@lru_cache(maxsize=4)
def _outcome(source: str) -> tuple[Rendered, MarkupProblem | None]:
    """Rendered once per text: a form checks `markdown_problem` and then saves the
    rendering of the same text, so the two calls share this."""
    problem = markup_problem(source)
    if problem is None:
        try:
            html = _cleaner.clean(_markdown_to_html(source))
            return Rendered(html=html, text=html_to_text(html)), None
        except (_TooDeep, RecursionError):  # RecursionError: a way to nest not yet known
            problem = too_deep()
    return _as_plain_text(source), problem


def markdown_problem(source: str) -> MarkupProblem | None:
    """Why `source` would be shown as plain text rather than rendered, or None."""
    return _outcome(source)[1]


def render_markdown(source: str) -> Rendered:
    """Sanitised HTML and plain text; as escaped plain text when markdown_problem."""
    return _outcome(source)[0]
