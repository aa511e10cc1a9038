"""Typed words that stand together in a text rank it higher (app/search/proximity.py)."""
import pytest

from app.search import proximity
from tests.test_compounds import keys

# The same words, as often, in texts of the same length: BM25 scores them alike, and a
# tie goes to the lower document number ("0").
APART = "Bouw met geluid van woningen, water en wegen rond het spoor"
TOGETHER = "Bouw van woningen, water en wegen, met geluid rond het spoor"


def test_words_standing_together_win_a_tie(tmp_path):
    assert keys(tmp_path, [APART, TOGETHER], "geluid spoor") == ["1", "0"]


def test_one_word_is_ranked_by_bm25_alone(tmp_path):
    assert keys(tmp_path, [APART, TOGETHER], "geluid") == ["0", "1"]


@pytest.mark.parametrize("typed, expected", [
    ("geluid spoor", ["geluid", "spor"]),
    ("het geluid van het spoor", ["geluid", "spor"]),      # stop words have no place
    ("geluid -spoor woningen", ["geluid", "woning"]),
    ("geluid NIET spoor woningen", ["geluid", "woning"]),
    ("geluid NIET (spoor OF weg) woningen", ["geluid", "woning"]),   # a group too
    ("geluid -(spoor OF weg) woningen", ["geluid", "woning"]),
    ('"geluid spoor" woningen bouw', ["woning", "bouw"]),   # a phrase stands together
    ('"geluid spoor', []),                                    # also one left open
])
def test_the_words_are_the_typed_ones_in_order(tmp_path, typed, expected):
    from app.search import SearcherCache, SearchIndex
    from tests.test_search_package import with_body
    index = SearchIndex(tmp_path)
    index.rebuild([with_body("0", "leeg")], through=0)
    cache = SearcherCache(index)
    try:
        assert proximity.typed_words(cache.searcher(), typed) == expected
    finally:
        cache.close()


def test_closest_distance_between_positions():
    assert proximity._closest([1, 10, 20], [4, 12]) == 2
    assert proximity._closest([5], [5]) is None     # a compound and its part: one place
    assert proximity._closest([], [3]) is None
