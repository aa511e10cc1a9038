"""From what a user typed to a page of hits, inside the limits of what they may see."""
from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from whoosh import highlight, qparser, query

from app.search.schema import TEXT_FIELDS

EXCERPT_CHARS = 240
# What a query may use: words, "phrases", (groups), AND/OR/NOT (EN/OF/NIET), prefix*.
# Field syntax is left out so that typed text cannot reach the access fields.
_SYNTAX_PLUGINS = (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin)


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    ref: str
    title: str
    roles: tuple[str, ...]
    excerpt_html: str  # escaped text with <mark> around matches; safe to insert as HTML


@dataclass(frozen=True)
class ResultPage:
    hits: list[Hit]
    total: int
    page: int
    page_count: int
    page_length: int


def _dutch_operators() -> qparser.OperatorsPlugin:
    """AND/OR/NOT, and in capitals their Dutch words EN/OF/NIET (in lower case these stay
    ordinary words: "niet" and "of" are stop words, "en" too)."""
    return qparser.OperatorsPlugin(
        And=r"(?<=\s)(AND|EN)(?=\s)",
        Or=r"(?<=\s)(OR|OF)(?=\s)",
        Not=r"(^|(?<=(\s|[()])))(NOT|NIET)(?=\s)",
    )


def _parser(schema, *, plain: bool = False) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), schema, group=qparser.AndGroup)
    for plugin in _SYNTAX_PLUGINS:
        parser.remove_plugin_class(plugin)
    parser.replace_plugin(_dutch_operators())
    if plain:
        parser.remove_plugin_class(qparser.OperatorsPlugin)
        parser.remove_plugin_class(qparser.GroupPlugin)
        parser.remove_plugin_class(qparser.PhrasePlugin)
        parser.remove_plugin_class(qparser.WildcardPlugin)
    return parser


def parse_user_query(text: str, schema) -> query.Query:
    """Never raises: input the syntax cannot make sense of is searched as plain words."""
    try:
        parsed = _parser(schema).parse(text)
    except Exception:  # noqa: BLE001 - any parser failure means: fall back to words
        parsed = query.NullQuery
    if parsed is query.NullQuery and re.search(r"\w", text):
        parsed = _parser(schema, plain=True).parse(re.sub(r"[^\w\s]", " ", text))
    return parsed


def access_query(grants: Sequence[Mapping[str, set[str]]]) -> query.Query:
    """A document is visible when it meets every constraint of at least one grant."""
    alternatives = []
    for grant in grants:
        if any(not values for values in grant.values()):
            continue  # a constraint nothing can meet: this grant admits no document
        alternatives.append(query.And([
            query.Or([query.Term(field, value) for value in sorted(values)])
            for field, values in grant.items()
        ]))
    return query.Or(alternatives) if alternatives else query.NullQuery


def _excerpt(hit) -> str:
    for field in ("body", "summary"):
        fragment = hit.highlights(field, top=2)
        if fragment:
            return fragment
    text = hit.get("summary") or hit.get("body") or ""
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(text)


def _hit(hit) -> Hit:
    return Hit(
        key=hit["key"],
        kind=hit["kind"],
        ref=hit["ref"],
        title=hit["title"],
        roles=tuple(filter(None, hit.get("roles", "").split(","))),
        excerpt_html=_excerpt(hit),
    )


def run_search(searcher, text: str, grants: Sequence[Mapping[str, set[str]]], *,
               roles: Sequence[str] = (), page: int = 1, page_length: int = 20) -> ResultPage:
    """Search within what `grants` allow; `roles` keeps items carrying any of those roles.

    With no words typed, every allowed item matches, newest first, so that a role filter
    on its own works as browsing.
    """
    words = text.strip()
    user_query = parse_user_query(words, searcher.schema) if words else query.Every()
    limits = [access_query(grants)]
    if roles:
        limits.append(query.Or([query.Term("roles", role) for role in roles]))
    options = {} if words else {"sortedby": "updated", "reverse": True}
    results = searcher.search_page(user_query, max(page, 1), pagelen=page_length,
                                   filter=query.And(limits), terms=True, **options)
    results.results.fragmenter = highlight.ContextFragmenter(maxchars=EXCERPT_CHARS,
                                                             surround=60)
    results.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
    total = results.total
    return ResultPage(
        hits=[_hit(hit) for hit in results],  # a page past the end shows the last one
        total=total,
        page=max(results.pagenum, 1),
        page_count=max(math.ceil(total / page_length), 1),
        page_length=page_length,
    )
