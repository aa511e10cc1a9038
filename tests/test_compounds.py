"""Issue 16 §1: a typed compound finds the compound, or all of its parts, never one part
alone; splitting knows Dutch word formation; a synonym of several words finds nothing by
one of its words."""
import pytest
from whoosh import query

from app.search import SearcherCache, SearchIndex, SearchRequest, run_search
from app.search.analysis import split_compound
from app.search.expansion import PHRASES, expand
from app.search.parsing import PART_WEIGHT, CompoundParts, parse_user_query
from app.search.schema import build_schema
from tests.test_search_package import EVERYONE, with_body


@pytest.mark.parametrize("word, parts", [
    ("geluidsoverlast", ("geluid", "overlast")),
    ("hoogspanning", ("hoog", "spanning")),
    ("omgevingsvergunning", ("omgeving", "vergunning")),
    ("werkgroep", ("werk", "groep")),              # a common noun is still a part
    ("hogesnelheidslijn", ("hoge", "snelheid", "lijn")),
])
def test_compounds_split_into_words_a_reader_searches_for(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize("word, why", [
    ("schriftelijk", "-lijk derives an adjective: no schrift + lijk"),
    ("honoreren", "-eren makes a verb: no honor + eren"),
    ("ondernemende", "-ende makes a participle"),
    ("achterover", "no acht + erover: a numeral and a pronominal adverb"),
    ("vierkant", "a numeral is no part"),
    ("zienswijze", "zien(s) is too general to stand for a part"),
    ("samenstelling", "samen is too general to stand for a part"),
    ("waterschappen", "a form of waterschap, a word in its own right"),
    ("overheid", "more common than its parts"),
])
def test_words_that_are_no_compounds_stay_whole(word, why):
    assert split_compound(word) is None, why


def keys(tmp_path, texts, typed, synonyms=None):
    """The keys of the hits for `typed` in a new index of `texts`, best first."""
    index = SearchIndex(tmp_path)
    index.rebuild([with_body(str(number), text) for number, text in enumerate(texts)],
                  through=0)
    cache = SearcherCache(index)
    try:
        page = run_search(cache.searcher(), SearchRequest(text=typed, synonyms=synonyms or {}),
                          EVERYONE)
        return [hit.key for hit in page.hits]
    finally:
        cache.close()


def test_a_typed_compound_needs_the_compound_or_all_of_its_parts(tmp_path):
    texts = ["Hoogspanning boven de wijk",                 # the compound
             "De spanning liep hoog op in de wijk",        # both parts, apart
             "Spanning in de wijk",                        # one part only
             "Een hoog gebouw in de wijk"]                 # the other part only
    assert keys(tmp_path, texts, "hoogspanning") == ["0", "1"]


def test_the_compound_itself_outranks_its_parts_apart(tmp_path):
    texts = ["Overlast door geluid van het spoor", "Geluidsoverlast van het spoor"]
    assert keys(tmp_path, texts, "geluidsoverlast") == ["1", "0"]


def test_the_parts_weigh_less_than_the_word_in_the_query():
    parsed = parse_user_query("hoogspanning", build_schema())
    parts = [node for node in _nodes(parsed) if isinstance(node, CompoundParts)]
    assert len(parts) == 1 and parts[0].boost == PART_WEIGHT < 1
    assert {leaf.text for leaf in parts[0].leaves()} >= {"hoog", "spanning"}


def test_a_part_adds_to_an_item_found_by_other_words_but_finds_nothing_alone(tmp_path):
    """`hoogspanning Brussel`: of two texts about Brussels, the one that also speaks of
    `spanning` ranks first; a text with only `spanning` is still no hit."""
    texts = ["Brussel, de wegen en het verkeer", "Brussel: spanning op de wegen",
             "Spanning op de weg"]
    assert keys(tmp_path, texts, "hoogspanning Brussel") == ["1", "0"]


def test_a_part_of_an_excluded_compound_adds_nothing():
    parsed = parse_user_query("Brussel -hoogspanning", build_schema())
    assert not isinstance(parsed, query.AndMaybe)


def test_a_compound_found_inside_a_longer_one_still_counts(tmp_path):
    """The index adds a compound's parts at its place: `geluidsscherm` finds
    `geluidsschermen` and `geluid` finds `geluidsoverlast`."""
    texts = ["Nieuwe geluidsschermen langs de A4", "Geluidsoverlast bij Schiphol", "Stilte"]
    assert sorted(keys(tmp_path, texts, "geluid")) == ["0", "1"]
    assert keys(tmp_path / "scherm", texts, "geluidsscherm") == ["0"]


@pytest.mark.parametrize("typed", ["schrift", "lijk"])
def test_a_derivation_is_not_found_through_its_ending_or_stem(tmp_path, typed):
    """`schriftelijk` must not find items through *lijk* or *schrift* alone."""
    assert keys(tmp_path, ["Schriftelijke vragen van de Kamer"], typed) == []


def test_zienswijze_does_not_find_what_only_holds_zien(tmp_path):
    texts = ["Zienswijze van de omwonenden", "We zien de omwonenden op de avond"]
    assert keys(tmp_path, texts, "zienswijze") == ["0"]


SYNONYMS = {"ienw": ("infrastructuur en waterstaat",),
            "infrastructuur en waterstaat": ("ienw",)}


def test_a_synonym_of_several_words_finds_nothing_by_one_of_them(tmp_path):
    texts = ["Ministerie van Infrastructuur en Waterstaat", "Waterstaat in Zeeland",
             "Infrastructuur op het platteland"]
    assert keys(tmp_path, texts, "IenW", SYNONYMS) == ["0"]


def test_phrases_past_the_bound_need_all_their_words():
    """Past PHRASES, a phrase is searched as all its words in any order: an item with
    one common word of it is no hit."""
    typed = " ".join(f'"dijk{n} water{n}"' for n in range(PHRASES + 1))
    expanded, budget = expand(None, parse_user_query(typed, build_schema()))
    assert budget.loose == [f"dijk{PHRASES} water{PHRASES}"]
    loose = [node for node in expanded.leaves() if getattr(node, "text", "") == f"dijk{PHRASES}"]
    assert loose
    parents = [node for node in _nodes(expanded) if isinstance(node, query.And)
               and {getattr(leaf, "text", None) for leaf in node.leaves()}
               == {f"dijk{PHRASES}", f"water{PHRASES}"}]
    assert parents, "the words of a phrase past the bound are all required"


def _nodes(node):
    yield node
    if not node.is_leaf():
        for child in node.children():
            yield from _nodes(child)
