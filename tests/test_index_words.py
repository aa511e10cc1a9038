"""analysis.indexed_words, the rebuild's quick way through the analysis, indexes what
the analyzers index word by word: the same words, positions, counts and weights for
every field, and the same index on disk."""
import random

import pytest

from app.search import SearchIndex
from app.search.analysis import dutch_analyzer, exact_analyzer, indexed_words
from app.search.schema import build_schema
from tests.test_search_package import document

TEXTS = [
    "", "de", "De Coöperaties en waterschappen: maatregelen tegen geluidsoverlast.",
    "art. 3.1 lid 2, a.b.c, energiecoöp* en een x; 2011 en 201",
    "Het  is   de wet van de wet: wet, WET, Wét.",
    "Omwonenden van de hogesnelheidslijn in Lansingerland dienden zienswijzen in over "
    "de geluidsschermen en de bewonersavond; de provincie en het waterschap ook.",
    "ideeën categorieën subsidies niveaus gemeentes sociaal sociale officiële "
    "waterschappen bussen mannen",
    "schriftelijk honoreren achterover hoogspanningsmasten slagschaduw windturbines",
]
WORDS = ("de het een en van in op te dat geluid geluidsoverlast dijk waterschap "
         "omwonenden zienswijze hoogspanning windpark coöperatie ideeën 2011 x y "
         "maatregelen provincie bewonersavond stikstof inspraak").split()


def _random_texts(count: int) -> list[str]:
    chance = random.Random(11)
    return [" ".join(chance.choices(WORDS, k=chance.randint(1, 60)))
            + chance.choice(["", ".", "!", " …"]) for _ in range(count)]


def _word_by_word(analyzer, text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True, mode="index"):
        if not token.stopped:
            found.setdefault(token.text, []).append(token.pos)
    return found


@pytest.mark.parametrize("analyzer", [dutch_analyzer(), exact_analyzer()],
                         ids=["dutch", "exact"])
def test_the_quick_way_finds_the_words_and_positions_the_analyzer_gives(analyzer):
    for text in TEXTS + _random_texts(300):
        assert indexed_words(analyzer, text) == _word_by_word(analyzer, text), text


def test_every_field_indexes_the_same_both_ways():
    schema = build_schema()
    for name in ("title", "summary", "body", "lead", "exact"):
        field = schema[name]
        assert type(field.format).__name__ in ("PackedPositions", "CountedFrequency")
        whooshs = type(field.format).__mro__[1](field_boost=field.format.field_boost)
        for text in TEXTS + _random_texts(100):
            ours = sorted(field.format.word_values(text, field.analyzer, mode="index"))
            theirs = sorted(whooshs.word_values(text, field.analyzer, mode="index"))
            if name in ("title", "summary", "body"):   # Whoosh's own position encoding
                theirs = [(w, f, wt, field.format.encode(whooshs.decode_positions(v)))
                          for w, f, wt, v in theirs]
            assert ours == theirs, (name, text)


def test_anything_else_goes_through_whooshs_own_way():
    from whoosh.analysis import StandardAnalyzer
    schema = build_schema()
    assert indexed_words(StandardAnalyzer(), "de dijk") is None
    assert indexed_words(dutch_analyzer(), ["een", "lijst"]) is None
    body = schema["body"]
    assert sorted(body.format.word_values("de dijken", body.analyzer, mode="query")) == [
        ("dijk", 1, 1.0, body.format.encode([1]))]   # after the stop word, as in Whoosh


def test_an_index_built_the_quick_way_is_the_index_built_word_by_word(tmp_path, monkeypatch):
    import app.search.schema as schema_module
    from app.search.postings import read_term
    texts = TEXTS + _random_texts(150)
    quick = SearchIndex(tmp_path / "quick")
    quick.rebuild([{**document(str(n), text), "body": text, "summary": text[:40]}
                   for n, text in enumerate(texts)], through=0)
    monkeypatch.setattr(schema_module, "indexed_words", lambda analyzer, value: None)
    slow = SearchIndex(tmp_path / "slow")
    slow.rebuild([{**document(str(n), text), "body": text, "summary": text[:40]}
                  for n, text in enumerate(texts)], through=0)
    with quick.open().searcher() as one, slow.open().searcher() as other:
        for field in ("title", "summary", "body", "lead", "exact"):
            terms = list(one.reader().lexicon(field))
            assert terms == list(other.reader().lexicon(field)), field
            for text in terms:
                a, b = read_term(one.reader(), field, text), read_term(other.reader(), field, text)
                assert (list(a.ids), list(a.weights), a.values) == (
                    list(b.ids), list(b.weights), b.values), (field, text)
            assert [one.reader().doc_field_length(n, field) for n in range(len(texts))] == [
                other.reader().doc_field_length(n, field) for n in range(len(texts))]
