"""Word forms that classic Dutch Snowball leaves apart, all around a vowel: a plural -s
after a vowel (`organisaties`), -ën (`categorieën`), and a long vowel after another
vowel (`sociaal` / `sociale`). Each pair must meet in one stem, at index and query time."""
import pytest

from app.search.analysis import vowel_form
from tests.test_compounds import keys
from tests.test_search_package import words as stems


@pytest.mark.parametrize("one, other", [
    ("organisatie", "organisaties"),
    ("subsidie", "subsidies"),
    ("provincie", "provincies"),
    ("categorie", "categorieën"),
    ("idee", "ideeën"),
    ("zee", "zeeën"),
    ("niveau", "niveaus"),
    ("gemeente", "gemeentes"),
    ("procedure", "procedures"),
    ("proces", "processen"),
    ("sociaal", "sociale"),
    ("officieel", "officiële"),
    ("materiaal", "materialen"),
])
def test_the_forms_of_a_word_meet_in_one_stem(one, other):
    assert stems(one) == stems(other)


@pytest.mark.parametrize("word", ["kies", "fles", "vres", "mees"])
def test_short_words_are_left_as_the_stemmer_made_them(word):
    assert vowel_form(word) == word


def test_numbers_are_left_alone():
    assert stems("2011 1100 10ies") == ["2011", "1100", "10ies"]


@pytest.mark.parametrize("one, other", [
    ("gemeente", "gemeen"), ("proces", "procedure"), ("studie", "student"),
])
def test_different_words_stay_apart(one, other):
    assert stems(one) != stems(other)


def test_a_plural_finds_the_singular_and_the_other_way_round(tmp_path):
    texts = ["Subsidie voor de wijk", "Subsidies voor het dorp", "Geen geld voor de stad"]
    assert sorted(keys(tmp_path / "a", texts, "subsidies")) == ["0", "1"]
    assert sorted(keys(tmp_path / "b", texts, "subsidie")) == ["0", "1"]


def test_an_adjective_is_found_in_both_its_forms(tmp_path):
    texts = ["Het sociaal domein", "De sociale zekerheid", "Een fysieke leefomgeving"]
    assert sorted(keys(tmp_path, texts, "sociaal")) == ["0", "1"]
