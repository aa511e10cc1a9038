"""From what someone typed to a Whoosh query.

Words are looked up in every text field with its weight (schema.FIELD_WEIGHTS) and
combined with OR, so that a long question still finds what matches most of it; the
more of the words a document has, the higher it ranks. On top of that: "phrases",
EN/OF/NIET and AND/OR/NOT in capitals, (brackets), +required and -excluded words,
prefix* and fuzzy~ on the unstemmed field, compounds split (`geluidsoverlast` also
finds "overlast door geluid": all of its parts, never one alone), and the synonyms and
English glossary that editors maintain.
Field filters such as `rol:netwerkend` are taken out of the text first (`split_filters`);
typed text never reaches a field by itself. Nothing typed makes this raise: what the
syntax cannot make sense of is searched as plain words.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from whoosh import qparser, query
from whoosh.qparser import syntax

from app.search.analysis import fold, split_compound
from app.search.glossary import Glossary, term_words
from app.search.schema import EXACT_FIELD, FIELD_WEIGHTS

# name:value in the text; the service decides which names mean something.
_FILTER = re.compile(r"(?<!\S)([a-zA-Z]+):(\S+)")
# Whoosh's syntax the interface does not offer: typed text must not reach other fields.
_LEFT_OUT = (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin,
             qparser.WildcardPlugin)
# OR-ed words, scored by BM25 alone: a coordination bonus (OrGroup.factory) measured
# +0.001 MRR but doubled the time of a broad search and stopped Whoosh skipping blocks.
_WORDS_GROUP = qparser.OrGroup

Synonyms = Mapping[str, tuple[str, ...]]
PART_WEIGHT = 0.3   # the parts of a typed compound, all required, against the word itself
LENT_WEIGHT = 0.35  # one part of a typed compound, in an item found by other words


def split_filters(text: str) -> tuple[str, list[tuple[str, str]]]:
    """'geluid rol:responsief' -> ('geluid', [('rol', 'responsief')])"""
    found = [(name.lower(), value) for name, value in _FILTER.findall(text)]
    return _FILTER.sub(" ", text).strip(), found


class _StarWildcards(qparser.WildcardPlugin):
    """Only `*` is a wildcard, and it searches the unstemmed field. Whoosh also takes
    `?`, which would turn the last word of every question ("… bewaren?") into a pattern
    that matches nothing; and a stemmed prefix (`energiecop*`) finds nothing either."""

    qmarks = ""
    expr = r"(?P<text>[*])"

    def do_wildcards(self, parser, group):
        group = super().do_wildcards(parser, group)
        for node in group:
            if isinstance(node, (self.WildcardNode, qparser.PrefixPlugin.PrefixNode)):
                node.set_fieldname(EXACT_FIELD, override=True)
        return group


class _ExactFuzzy(qparser.FuzzyTermPlugin):
    """`participatie~` (one edit) or `participatie~2`, looked up unstemmed."""

    def do_fuzzyterms(self, parser, group):
        group = super().do_fuzzyterms(parser, group)
        for node in group:
            if isinstance(node, self.FuzzyTermNode):
                node.set_fieldname(EXACT_FIELD, override=True)
        return group


def _like(new: syntax.SyntaxNode, original: syntax.SyntaxNode) -> syntax.SyntaxNode:
    """Give a node made up here the place in the text of the word it stands in for
    (a group takes its place from its members)."""
    if not isinstance(new, syntax.GroupNode):
        new.startchar, new.endchar = original.startchar, original.endchar
    return new


class SynonymPhrase(query.Phrase):
    """A phrase that stands in for a typed word (a synonym of several words, `IenW` →
    "Infrastructuur en Waterstaat"): bounded like a typed phrase, but not one the reader
    typed, so never the subject of a notice about phrases (expansion.py)."""


class _SynonymPhraseNode(qparser.PhrasePlugin.PhraseNode):
    def query(self, parser):
        phrase = super().query(parser)
        return SynonymPhrase(phrase.fieldname, phrase.words, slop=phrase.slop,
                             boost=phrase.boost, char_ranges=phrase.char_ranges)


class CompoundParts(query.And):
    """The parts of a typed compound, all required: one alternative of the word."""


class _PartsGroup(syntax.AndGroup):
    qclass = CompoundParts


def _all_parts(parts: tuple[str, ...], typed: syntax.WordNode) -> syntax.GroupNode:
    """A compound's parts as one alternative that needs them all: `zienswijze` or
    `hoogspanning` must not find what holds only `spanning`. Each part weighs less than
    the typed word: an item that holds the compound itself (the index adds a compound's
    parts at its position) scores both, one with the parts apart only the parts."""
    return _PartsGroup([_like(syntax.WordNode(part), typed) for part in parts],
                       boost=PART_WEIGHT)


class _Alternatives(qparser.Plugin):
    """Lets a typed word also match its compound parts (all of them) and its synonyms.

    Runs on the syntax tree before the words are spread over the fields, so that each
    alternative is analysed (stemmed, folded) like any other word.
    """

    def __init__(self, synonyms: Synonyms):
        self.synonyms = synonyms

    def filters(self, parser):
        return [(self.expand, 60)]

    def _alternatives(self, node: syntax.WordNode) -> list[syntax.SyntaxNode]:
        """The parts of each compound in the word and each word's synonyms. A typed word
        may carry punctuation or join two words ("belaging.", "Brussel-Zuid"), so the
        lookups use the words inside it, as the analyzer will see them."""
        alternatives: list[syntax.SyntaxNode] = []
        for word in re.findall(r"\w+", fold(node.text)):
            parts = split_compound(word)
            if parts:
                alternatives.append(_all_parts(parts, node))
            for synonym in self.synonyms.get(word, ()):
                alternatives.append(
                    syntax.WordNode(synonym) if " " not in synonym.strip()
                    else _SynonymPhraseNode(synonym, node.startchar or 0))
        return [_like(alternative, node) for alternative in alternatives]

    def expand(self, parser, group):
        for index, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self.expand(parser, node)
            elif type(node) is syntax.WordNode and node.fieldname is None:
                alternatives = self._alternatives(node)
                if alternatives:
                    group[index] = _like(syntax.OrGroup([node, *alternatives]), node)
        return group


class _GlossaryTerms(qparser.Plugin):
    """English terms of the glossary (glossary.py), each standing for itself or its Dutch
    words: `noise` → noise or geluid. A term is found as a whole among typed words that
    only spaces separate (not across an operator, a bracket or quotes), the longest
    first; a term of several words stands for that phrase, never for its loose words,
    so `water board` does not find every text with "water". Runs before _Alternatives,
    which then treats the Dutch words as typed ones (their synonyms, their parts)."""

    def __init__(self, glossary: Glossary):
        self.glossary = glossary

    def filters(self, parser):
        return [(self.translate, 55)]

    def translate(self, parser, group):
        nodes, run = [], []
        for node in [*group, None]:
            if isinstance(node, syntax.GroupNode):
                self.translate(parser, node)
            if _plain_word(node) or (run and isinstance(node, syntax.Whitespace)):
                run.append(node)
                continue
            nodes += self._translated(run)
            nodes += [node] if node is not None else []
            run = []
        group.nodes = nodes
        return group

    def _translated(self, run: list[syntax.SyntaxNode]) -> list[syntax.SyntaxNode]:
        """The typed words (and the spaces between them), with each term found replaced."""
        words, owners, starts, ends = [], [], set(), set()
        for position, node in enumerate(run):
            found = term_words(node.text) if isinstance(node, syntax.WordNode) else ()
            if found:
                starts.add(len(words))
                ends.add(len(words) + len(found) - 1)
            words += found
            owners += [position] * len(found)
        nodes, copied = [], 0
        for match in self.glossary.matches(words, starts, ends):
            first, last = owners[match.start], owners[match.start + match.length - 1]
            if match.applied:
                nodes += run[copied:first]
                nodes.append(_translation(run[first:last + 1], match.dutch))
                copied = last + 1
        return nodes + run[copied:]


def _plain_word(node) -> bool:
    """A word as typed: not quoted, not a pattern, not a filter."""
    return type(node) is syntax.WordNode and node.fieldname is None


def _translation(typed: list[syntax.SyntaxNode], dutch: tuple[str, ...]) -> syntax.GroupNode:
    """The typed words of a glossary term, or the term's Dutch words; phrases of several
    words each stay a phrase. Every node takes the place of the typed term."""
    words = [node for node in typed if isinstance(node, syntax.WordNode)]
    start, end = words[0].startchar or 0, words[-1].endchar
    text = " ".join(node.text for node in words)
    english = words[0] if len(term_words(text)) == 1 else _SynonymPhraseNode(text, start)
    alternatives = [english] + [syntax.WordNode(word) if " " not in word.strip()
                                else _SynonymPhraseNode(word, start) for word in dutch]
    for node in alternatives:
        node.startchar, node.endchar = start, end
    return syntax.OrGroup(alternatives)


def _dutch_operators() -> qparser.OperatorsPlugin:
    """AND/OR/NOT, and in capitals their Dutch words EN/OF/NIET (in lower case these stay
    ordinary words: "niet", "of" and "en" are stop words)."""
    return qparser.OperatorsPlugin(
        And=r"(?<=\s)(AND|EN)(?=\s)",
        Or=r"(?<=\s)(OR|OF)(?=\s)",
        Not=r"(^|(?<=(\s|[()])))(NOT|NIET)(?=\s)",
    )


def _parser(schema, synonyms: Synonyms, plain: bool,
            glossary: Glossary | None = None) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(FIELD_WEIGHTS), schema, fieldboosts=FIELD_WEIGHTS,
                                      group=_WORDS_GROUP)
    for plugin in _LEFT_OUT:
        parser.remove_plugin_class(plugin)
    parser.add_plugin(_Alternatives(synonyms))
    if glossary:
        parser.add_plugin(_GlossaryTerms(glossary))
    if plain:
        for plugin in (qparser.OperatorsPlugin, qparser.GroupPlugin, qparser.PhrasePlugin):
            parser.remove_plugin_class(plugin)
        return parser
    parser.replace_plugin(_dutch_operators())
    parser.add_plugin(_StarWildcards())
    parser.add_plugin(_ExactFuzzy())
    # -word excludes, +word requires; a hyphen inside a word (Brussel-Zuid) is no minus.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<!\S)\+(?=\w)",
                                              minusexpr=r"(?<!\S)-(?=\w)"))
    return parser


def _exclusions(parsed: query.Query) -> query.Query:
    """`water NIET dijk` means water without dijk. Words are OR-ed, and Whoosh would read
    it as "water, or anything without dijk"; this turns the NOT into an exclusion."""
    if not parsed.is_leaf():
        parsed = parsed.apply(_exclusions)
    if isinstance(parsed, query.Or):
        negated = [sub.query for sub in parsed.subqueries if isinstance(sub, query.Not)]
        kept = [sub for sub in parsed.subqueries if not isinstance(sub, query.Not)]
        if negated and kept:
            return query.AndNot(query.Or(kept, scale=parsed.scale), query.Or(negated))
    return parsed


# A phrase is looked for where word order is worth it, not in the lead (a copy of the
# body's opening) or the unstemmed copy: position checks are the costliest part of a search.
_PHRASE_FIELDS = {"title", "summary", "body"}


def _fewer_phrase_fields(parsed: query.Query) -> query.Query:
    """Phrases only where word order is worth checking; a "phrase" of one word (the
    others were stop words) is that word. Whoosh's `"…"~N` (the words at most N apart),
    which the interface does not offer, is a phrase like any other: its span matchers
    took a second a phrase of common words at 50,000 articles, 30 s for a query of them."""
    if isinstance(parsed, query.Phrase) and parsed.slop != 1:
        parsed = query.Phrase(parsed.fieldname, parsed.words, boost=parsed.boost)
    if isinstance(parsed, query.Phrase) and len(parsed.words) == 1:
        return query.Term(parsed.fieldname, parsed.words[0], boost=parsed.boost)
    if not parsed.is_leaf():
        parsed = parsed.apply(_fewer_phrase_fields)
    if isinstance(parsed, query.Or):
        kept = [sub for sub in parsed.subqueries
                if not (isinstance(sub, query.Phrase) and sub.fieldname not in _PHRASE_FIELDS)]
        if len(kept) != len(parsed.subqueries):
            return query.Or(kept, boost=parsed.boost, scale=parsed.scale)
    return parsed


def parse_user_query(text: str, schema, synonyms: Synonyms | None = None,
                     glossary: Glossary | None = None) -> query.Query:
    """Never raises: input the syntax cannot make sense of is searched as plain words."""
    synonyms = synonyms or {}
    try:
        parsed = _fewer_phrase_fields(
            _exclusions(_parser(schema, synonyms, plain=False, glossary=glossary).parse(text)))
    except Exception:  # noqa: BLE001 - any parser failure means: fall back to words
        parsed = query.NullQuery
    if parsed is query.NullQuery and re.search(r"\w", text):
        words = re.sub(r"[^\w\s]", " ", text)
        try:
            parsed = _parser(schema, synonyms, plain=True, glossary=glossary).parse(words)
        except Exception:  # noqa: BLE001 - last resort: the plain words, unexpanded
            parsed = query.Or([query.Term(EXACT_FIELD, fold(w)) for w in words.split()])
    return _parts_lend_weight(parsed)


def _wanted_parts(node: query.Query):
    """The part nodes of the compounds typed, those after NIET or a minus left out."""
    if isinstance(node, CompoundParts):
        yield from node.subqueries
    elif isinstance(node, query.AndNot):
        yield from _wanted_parts(node.a)
    elif not node.is_leaf() and not isinstance(node, query.Not):
        for child in node.children():
            yield from _wanted_parts(child)


def _parts_lend_weight(parsed: query.Query) -> query.Query:
    """A part of a typed compound adds a little to the score of an item that the query
    finds anyway (`jeugddelinquentie in Brussel`: a text about Brussels and `jeugd`
    ranks above one about Brussels alone), and finds nothing by itself: what matches is
    still decided by `parsed` alone (the compound rule)."""
    lent = list(_wanted_parts(parsed))
    if not lent:
        return parsed
    return query.AndMaybe(parsed, query.Or(lent, boost=LENT_WEIGHT))
