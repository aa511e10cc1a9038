"""Dutch text analysis for the index and for queries.

Every filter here is a module-level class without large state, because Whoosh pickles
the schema (analyzers included) into the index and unpickles it in every reader. The
compound lexicon is loaded lazily, once per process, and never stored on a filter.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from itertools import islice

from whoosh.analysis import (
    Filter,
    RegexTokenizer,
    Token,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

# Snowball's Dutch list, less "ons": it is a word in names such as ONS Water.
STOP_WORDS = frozenset(stopwords_for_language("nl")) - {"ons"}
VOWELS = frozenset("aeiouy")

# Compounds: each part at least this long, joined directly or by a linking -s-, -en-, -e-.
LEXICON_SIZE = 50_000
MIN_PART = 4
LINKS = ("", "s", "en", "e")
UNKNOWN_RANK = 10**9
# Endings that derive a new word from a stem rather than join a second word to it:
# `schriftelijk` is no schrift + lijk, `honoreren` no honor + eren, `vergadering` no
# vergader + ing. What follows a part (with its linking letters) is never one of these.
DERIVATIONAL_ENDINGS = frozenset({
    "lijk", "lijke", "lijker", "lijkst", "lijkheid", "heid", "heden", "eren", "erend",
    "erende", "ende", "enden", "ing", "ingen", "isch", "ische", "baar", "bare", "achtig",
    "achtige", "erij", "erijen", "loos", "loze", "matig", "matige", "waardig", "waardige",
})
# `erover`, `daarin`, `waarmee`: pronominal adverbs, words but never what a reader looks
# for (`achterover` is no acht + erover).
PRONOMINAL_ADVERBS = frozenset(
    head + preposition
    for head in ("er", "daar", "hier", "waar")
    for preposition in ("aan", "achter", "af", "bij", "binnen", "boven", "buiten", "door",
                        "in", "langs", "mee", "na", "naar", "naast", "om", "onder", "op",
                        "over", "tegen", "toe", "tussen", "uit", "van", "voor", "zonder"))
# The most common words that are no stop words (`gaan`, `zien`, `maken`, `goed`) say too
# little to stand for a compound's part: `zienswijze` is no zien(s) + wijze. The nouns
# among them are kept: a reader does look for `werk` or `huis` on their own.
TOO_GENERAL = 100
COMMON_NOUNS = frozenset({
    "aantal", "dagen", "deel", "huis", "jaar", "keer", "kinderen", "land", "leven",
    "mensen", "naam", "nederland", "plaats", "stad", "tijd", "vrouw", "werk"})
# Numbers are no parts either: `vierkant` is no vier + kant, `achterover` no acht + rover.
NUMERALS = frozenset({
    "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "dertien", "veertien", "twintig", "dertig", "veertig", "vijftig", "zestig",
    "zeventig", "tachtig", "negentig", "honderd", "duizend", "miljoen", "miljard"})
# Endings that inflect a word (plural, adjective): a form of a word that is no compound
# is none either (`waterschappen` is a form of `waterschap`).
INFLECTIONS = ("en", "s", "e", "n")


def fold(text: str) -> str:
    """Lower case without accents: 'Coöperatie' -> 'cooperatie'."""
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


@cache
def lexicon() -> dict[str, int]:
    """Dutch words by frequency rank (0 = most frequent), folded, from wordfreq.

    A general lexicon carries to any Dutch text; measured against one built from the
    indexed vocabulary it split as well or better (see the README's search section).
    """
    import wordfreq  # heavy: loaded only where compounds are split

    ranks: dict[str, int] = {}
    for rank, word in enumerate(wordfreq.top_n_list("nl", LEXICON_SIZE)):
        word = fold(word)
        if word.isalpha():
            ranks.setdefault(word, rank)
    return ranks


@cache
def _no_parts() -> frozenset[str]:
    """Known words that never stand for a part: the TOO_GENERAL most common words of the
    lexicon that are no stop words (less their nouns), with a linking -s or -e as well
    (`ziens`), the pronominal adverbs and the numerals."""
    common = (word for word, _rank in sorted(lexicon().items(), key=lambda item: item[1])
              if len(word) >= MIN_PART and word not in STOP_WORDS)
    general = set(islice(common, TOO_GENERAL)) - COMMON_NOUNS
    linked = {word + link for word in general for link in LINKS if link}
    return frozenset(general | linked | PRONOMINAL_ADVERBS | NUMERALS)


def _is_part(word: str) -> bool:
    """A word a reader would search for on its own: known, long enough, no stop word and
    none of _no_parts."""
    return (len(word) >= MIN_PART and word not in STOP_WORDS and word in lexicon()
            and word not in _no_parts())


@lru_cache(maxsize=100_000)
def _best_split(word: str, depth: int = 0) -> tuple[str, ...] | None:
    """The split into known parts whose rarest part is most common, fewest parts first."""
    best, best_key = None, None
    if len(word) < 2 * MIN_PART or depth > 3:
        return None
    ranks = lexicon()
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, rest = word[:cut], word[cut:]
        if not _is_part(head):
            continue
        if rest in DERIVATIONAL_ENDINGS:
            continue
        for link in LINKS:
            tail = rest[len(link):] if rest.startswith(link) else None
            if not tail or tail in DERIVATIONAL_ENDINGS:
                continue
            tails = [(tail,)] if _is_part(tail) else []
            deeper = _best_split(tail, depth + 1)
            if deeper:
                tails.append(deeper)
            for tail_parts in tails:
                parts = (head, *tail_parts)
                key = (len(parts), max(ranks[part] for part in parts))
                if best_key is None or key < best_key:
                    best, best_key = parts, key
    return best


def _forms(word: str):
    """`word` and the forms it may be inflected from or to: 'waterschappen' ->
    'waterschapp', 'waterschap'; 'maatregel' -> 'maatregelen', 'maatregels'."""
    yield word
    for ending in INFLECTIONS:
        yield word + ending
        base = word[:-len(ending)]
        if word.endswith(ending) and len(base) >= 2 * MIN_PART:
            yield base
            if base[-1] == base[-2] and base[-1] not in VOWELS:
                yield base[:-1]


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[str, ...] | None:
    """'geluidsoverlast' -> ('geluid', 'overlast'); None for a word that is no compound.

    `word` is folded. A split is refused when the word, or a form of it, is a known word
    more common than its rarest part: then it is a word in its own right ('overheid',
    'waterschappen' as a form of 'waterschap', 'maatregel' with 'maatregelen'), not an
    occasional compound.
    """
    parts = _best_split(word)
    if not parts:
        return None
    ranks = lexicon()
    rarest = max(ranks[part] for part in parts)
    if any(ranks.get(form, UNKNOWN_RANK) < rarest for form in _forms(word)):
        return None
    return parts


_LONG_VOWEL_AFTER_VOWEL = re.compile(r"(?<=[aeiouy])(aa|ee|oo|uu)(?=[^aeiouy]$)")
MIN_FORM = 5   # shorter words (`kies`, `fles`, `vrees`) are left as they are


def vowel_form(stem: str) -> str:
    """One stem for the forms classic Dutch Snowball leaves apart around a vowel.

    Snowball strips a plural -s only after a consonant and undoubles a long vowel only
    after one, so `organisaties` never met `organisatie`, `gemeentes` never `gemeente`,
    `categorieën` never `categorie`, and `sociaal` never `sociale`: common words in
    policy text, each a different word to the index before this. Applied to stems, the
    same way at index and query time, so a rule only has to bring the forms to one stem,
    not to a dictionary word: `procedures` becomes `procedur` as `procedure` does."""
    if len(stem) < MIN_FORM:
        return stem
    if stem.endswith(("ieen", "eeen")):                   # categorieën, ideeën
        return stem[:-2]
    if stem.endswith(("ies", "eaus")):                    # subsidies, niveaus
        return stem[:-1]
    if stem.endswith("es") and stem[-3] not in VOWELS:    # gemeentes, procedures
        return stem[:-2]
    return _LONG_VOWEL_AFTER_VOWEL.sub(lambda m: m.group()[0], stem)   # sociaal


def undoubled(text: str) -> str:
    """Without a doubled final consonant left by the stemmer.

    Classic Dutch Snowball only undoubles kk, dd and tt, so `waterschappen` stems to
    `waterschapp` and would never meet `waterschap`; `bussen`/`bus` and `mannen`/`man`
    have the same problem. Letters only: a number is no word form, and `2011` cut to
    `201` made a search for 201 find 2011.
    """
    if len(text) > 3 and text[-1] == text[-2] and text[-1].isalpha() and text[-1] not in VOWELS:
        return text[:-1]
    return text


def _after_stemming(stem: str) -> str:
    stem = undoubled(stem)
    return vowel_form(stem) if stem.isalpha() else stem


class UndoubleFilter(Filter):
    """`undoubled` as a filter, for chains built elsewhere (bench/fts5_speed.py)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = undoubled(token.text)
            yield token


_snowball = cache(lambda: stemmer_for_language("nl"))


@lru_cache(maxsize=100_000)
def word_forms(word: str, stem: bool, index: bool) -> tuple[str, ...] | None:
    """What a word as the tokenizer found it is indexed or searched as: None for a stop
    word (Snowball's list, and single letters); else the word, lower case with accents
    folded, and at index time its compound parts; each stemmed (classic Snowball,
    undoubled, vowel forms) when `stem`."""
    folded = _lower_folded(word)
    if len(folded) < 2 or folded in STOP_WORDS:
        return None
    forms = (folded, *(split_compound(folded) or ())) if index else (folded,)
    if not stem:
        return forms
    snowball = _snowball()
    return tuple(_after_stemming(snowball(form)) for form in forms)


class DutchWordsFilter(Filter):
    """Every step after the tokenizer in one, each distinct word worked out once per
    process (`word_forms`): lower case, accents folded (coöperatie = cooperatie), stop
    words dropped and the positions numbered without them, at index time a compound's
    parts added at the compound's own position (so 'geluid overlast' finds
    'geluidsoverlast', and phrases across a compound still match), and with `stem` the
    stems. Seven Whoosh filters did this a word at a time, each a generator step for
    every word of every text: most of the time a rebuild spent analysing, for a text
    whose tens of thousands of words are a few thousand distinct ones.

    Queries are not split here: the query parser splits compound words itself
    (parsing.py), so that the other direction works too without splitting prefix and
    fuzzy terms. A stop word kept for highlighting (`removestops=False`) is marked
    `stopped` and keeps its folded text, undoubled and in its vowel form when stemming
    (as the separate filters left it)."""

    def __init__(self, stem: bool = True):
        self.stem = stem

    def __call__(self, tokens):
        stem, position = self.stem, None
        for token in tokens:
            forms = word_forms(token.text, stem, token.mode == "index")
            if forms is None:
                if not token.removestops:
                    token.text = _stopped_text(token.text, stem)
                    token.stopped = True
                    yield token
                continue
            if token.positions:   # as Whoosh's StopFilter numbers them
                if position is None:
                    position = token.pos
                else:
                    position += 1
                    token.pos = position
            token.stopped = False
            for form in forms:
                token.text = form
                yield token


def indexed_words(analyzer, text) -> dict[str, list[int]] | None:
    """What the analyzer indexes of `text`: each form with its positions, worked out
    without a Token for every word. None for an analyzer that is not one of ours (or a
    value that is not one text), which Whoosh's own word_values then takes.

    The same as running the analyzer at index time (tests/test_word_forms.py holds the
    two to each other): the tokenizer's matches numbered from 0, stop words dropped and
    the positions after the first kept word numbered without them, compound parts at
    their compound's position. Whoosh's formats made a Token per word and per form and
    passed it through two generators and `unstopped`: a third of a rebuild."""
    if not isinstance(text, str):
        return None
    items = getattr(analyzer, "items", ())
    if (len(items) != 2 or type(items[0]) is not RegexTokenizer or items[0].gaps
            or type(items[1]) is not DutchWordsFilter):
        return None
    stem, found, position = items[1].stem, {}, None
    for index, match in enumerate(items[0].expression.finditer(text)):
        forms = word_forms(match.group(0), stem, True)
        if forms is None:
            continue
        position = index if position is None else position + 1
        for form in forms:
            if form in found:
                found[form].append(position)
            else:
                found[form] = [position]
    return found


def _lower_folded(word: str) -> str:
    """As Whoosh's LowercaseFilter and CharsetFilter(accent_map) leave a word (unlike
    `fold`, this keeps letters without an ASCII form)."""
    return word.lower().translate(accent_map)


def _stopped_text(word: str, stem: bool) -> str:
    folded = _lower_folded(word)
    return _after_stemming(folded) if stem else folded


class Marker:
    """The words of a text as `analyzer` sees them at query time, for highlighting only:
    the same tokens (stop words kept and flagged, as Whoosh's highlighter asks), but
    each distinct word is analysed once and remembered. Running the whole filter chain
    on every word of twenty excerpts was a third of a search page's time."""

    def __init__(self, analyzer):
        self._analyzer = analyzer
        self._pattern = analyzer[0].expression   # the analyzer's own tokenizer pattern
        self._analyse = lru_cache(maxsize=50_000)(self._analyse_word)

    def _analyse_word(self, word: str) -> tuple[str, bool] | None:
        tokens = [(t.text, t.stopped) for t in self._analyzer(word, mode="query",
                                                               removestops=False)]
        return tokens[0] if len(tokens) == 1 else None

    def __call__(self, text: str, **_options):
        token = Token(chars=True, removestops=False, mode="query")
        for found in self._pattern.finditer(text):
            analysed = self._analyse(found.group())
            if analysed is None:
                continue
            token.text, token.stopped = analysed
            token.startchar, token.endchar = found.span()
            token.boost = 1.0
            yield token


@cache
def marker(field_kind: str) -> Marker:
    """One Marker per process for the stemmed fields ("dutch") or the unstemmed one."""
    return Marker(dutch_analyzer() if field_kind == "dutch" else exact_analyzer())


def dutch_analyzer():
    """Words, lower case, accents folded, compounds split, stop words dropped, stemmed
    (DutchWordsFilter)."""
    return RegexTokenizer() | DutchWordsFilter(stem=True)


def exact_analyzer():
    """The same without stemming: for prefix and fuzzy queries, which must not be
    stemmed (`energiecoop*`), and as a second opinion in ranking that rewards the exact
    word form."""
    return RegexTokenizer() | DutchWordsFilter(stem=False)
