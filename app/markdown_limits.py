"""How much work a Markdown text may ask of the renderer, measured in one linear pass.

Python-Markdown, and the HTML parsers behind it and behind bleach, do some of their work
once per marker *for the rest of the paragraph*, or once per level of nesting: link text
is scanned from every `[` to its matching `]` (upstream issue 798: 20,000 nested brackets
take minutes), a link address with a quote in it to the end of the paragraph, every inline
match copies its paragraph, a heading underlined with `=` or a rule splits the rest of
its paragraph again, a code fence that never closes is looked for to the end of the
text, a raw HTML tag without `>` likewise, each abbreviation is tried at every word, and
bleach's link finder reads the rest of a word from each hyphen in it (`a-a-a-…`: over
40 s). `1. 1. 1. …` or a long tight definition list recurses past Python's limit. And
every element (a paragraph, an item, a tag, an entity) costs the two libraries about
0.1 ms however small it is. Ordinary writing has few markers per paragraph and little
nesting, so for it all of this is fast.

Rather than chase each case inside the libraries, a text is measured here first, in
time linear in its length and before any of them sees it, against limits that real case
descriptions stay far below (this project's README, over 100,000 characters of Markdown
far denser than any case, passes them; `bench/hostile_render.py` finds the slowest text
that does):

- nesting: brackets and parentheses within a paragraph, and quotes (`>`), list markers
  and indentation at the start of a line, at most MAX_NESTING deep; definition lines in
  one paragraph at most MAX_NESTING (Python-Markdown nests each in the one before);
- markup: at most MAX_MARKUP markup characters, blank lines and block lines (headings,
  items, rules, rows, …) in all, and the sum over paragraphs of their markup count times
  their length (the scans above) at most MAX_PARAGRAPH_WORK;
- whole-text searches: at most MAX_HTML_TAGS raw HTML tags, MAX_FENCES fence lines and
  MAX_ABBREVIATIONS abbreviation definitions; hyphens times word length at most
  MAX_WORD_WORK.

Nothing here imports Markdown: it only counts characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_NESTING = 8
MAX_MARKUP = 10_000
MAX_PARAGRAPH_WORK = 10_000_000
MAX_HTML_TAGS = 200
MAX_FENCES = 100
MAX_ABBREVIATIONS = 50
MAX_WORD_WORK = 1_000_000

TOO_DEEP = "markup_too_deep"
TOO_COMPLEX = "markup_too_complex"

INLINE_MARKUP = "\\`*_[]()<>&"
COUNTED_MARKUP = INLINE_MARKUP + "|"  # a table cell is a tag too, but no inline scan
_HTML_TAG = re.compile(r"<[A-Za-z/!?]")
_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.MULTILINE)
_ABBREVIATION = re.compile(r"^[ \t]*\*\[", re.MULTILINE)
# One unit of nesting at the start of a line: four columns of indentation, a quote
# marker, or a list or definition marker. Atomic, so a line that is not too deep fails
# at once instead of trying other ways to split its indentation. Indentation alone
# nests nothing (a code block, or a deep line in a fenced one): a deep line needs a marker.
_NESTING_UNIT = r"(?> {4}|\t|[ ]{0,3}(?:>|(?:[-*+:]|\d{1,9}[.)])(?=[ \t]))[ \t]?)"
_DEEP_LINE = re.compile(f"^{_NESTING_UNIT}{{{MAX_NESTING + 1}}}", re.MULTILINE)
# What the paragraph scan stops at: a blank line, a line Markdown's block parser may
# take apart on its own (headings, rules, underlines, lists, quotes, tables, fences,
# definitions, hard breaks), and every inline marker.
_BLANK_LINE = r"\n[ \t]*(?=\n)"
_BLOCK_LINE = r"^[ \t]*(?:[-#=+>|~:]|\d+[.)])|(?<![ ])[ ]{2,}$"
_EVENTS = re.compile(rf"""
    (?P<blank>{_BLANK_LINE})
  | (?P<definition>^[ ]{{0,3}}:[ \t])
  | (?P<line>{_BLOCK_LINE})
  | (?P<mark>[][()\\`*_<>&])
""", re.MULTILINE | re.VERBOSE)
# Each of these becomes an element (a paragraph, a heading, a rule, an item, a break),
# and every element costs Markdown and bleach about the same, whatever it holds.
_BLOCK_UNITS = re.compile(f"{_BLANK_LINE}|{_BLOCK_LINE}", re.MULTILINE)
# bleach's link finder tries a web address at every hyphen inside a word (a run of
# letters, digits, `.` and `-`) and reads the rest of the word each time.
_WORD = re.compile(r"[\w.-]{16,}")
_DEPTH_CHANGE = {"[": ("brackets", 1), "]": ("brackets", -1),
                 "(": ("parentheses", 1), ")": ("parentheses", -1)}


@dataclass(frozen=True)
class MarkupProblem:
    """Why a text is not rendered as Markdown: a code for the interface to word."""

    code: str
    params: dict = field(default_factory=dict)


def unified_line_ends(source: str) -> str:
    """Every line end as a newline, as Markdown itself reads them."""
    return source.replace("\r\n", "\n").replace("\r", "\n")


def markup_problem(source: str) -> MarkupProblem | None:
    """The first limit `source` goes over, or None when it may be rendered."""
    text = unified_line_ends(source)
    return _whole_text_problem(text) or _nesting_problem(text) or _paragraph_problem(text)


def too_deep() -> MarkupProblem:
    """Nesting over MAX_NESTING: also what rendering.py reports for a tree too deep."""
    return MarkupProblem(TOO_DEEP, {"max": MAX_NESTING})


def _whole_text_problem(text: str) -> MarkupProblem | None:
    """Counts made with C-speed string methods, so they also bound the scan below."""
    counted = (sum(text.count(character) for character in COUNTED_MARKUP)
               + len(_BLOCK_UNITS.findall(text)))
    hyphen_work = sum(word.count("-") * len(word) for word in _WORD.findall(text))
    if (counted > MAX_MARKUP
            or hyphen_work > MAX_WORD_WORK
            or len(_HTML_TAG.findall(text)) > MAX_HTML_TAGS
            or len(_FENCE.findall(text)) > MAX_FENCES
            or len(_ABBREVIATION.findall(text)) > MAX_ABBREVIATIONS):
        return MarkupProblem(TOO_COMPLEX)
    return None


def _nesting_problem(text: str) -> MarkupProblem | None:
    deep = (match.group() for match in _DEEP_LINE.finditer(text))
    return too_deep() if any(prefix.strip(" \t") for prefix in deep) else None


class _Paragraph:
    """The running counts of the paragraph being scanned."""

    def __init__(self, start: int = 0):
        self.start, self.markup, self.definitions = start, 0, 0
        self.depth = {"brackets": 0, "parentheses": 0}
        self.deepest = 0

    def mark(self, character: str) -> None:
        self.markup += 1
        kind, step = _DEPTH_CHANGE.get(character, (None, 0))
        if kind:
            self.depth[kind] = max(self.depth[kind] + step, 0)
            self.deepest = max(self.deepest, self.depth[kind])


def _paragraph_problem(text: str) -> MarkupProblem | None:
    """Scans markers only (at most MAX_MARKUP of them, plus line starts), paragraph by
    paragraph; a paragraph's work is its markers times its length."""
    work, paragraph = 0, _Paragraph()
    for event in _EVENTS.finditer(text):
        kind = event.lastgroup
        if kind == "blank":
            work += paragraph.markup * (event.start() - paragraph.start)
            paragraph = _Paragraph(event.end())
            continue
        if kind == "mark":
            paragraph.mark(event.group())
        else:
            paragraph.markup += 1
            paragraph.definitions += kind == "definition"
        if paragraph.deepest > MAX_NESTING or paragraph.definitions > MAX_NESTING:
            return too_deep()
    work += paragraph.markup * (len(text) - paragraph.start)
    return MarkupProblem(TOO_COMPLEX) if work > MAX_PARAGRAPH_WORK else None
