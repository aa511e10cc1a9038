"""English words find Dutch items (issue 16, part 2): the glossary in a search.

One library for the file, with cases and a glossary written here: `noise` and `noise
residents` find the items about geluid and omwonenden whatever the interface language;
an English phrase counts only as a whole and a Dutch phrase is searched as a phrase; a
false friend is left alone for a Dutch reader; "Bedoelde u" and the tips know the
glossary."""
from __future__ import annotations

import shutil

import pytest

from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.services.exchange.content_import import import_content
from tests.support import FIXTURE_CONTENT, app_from, close_app
from tests.test_search import search, titles

GLOSSARY = """\
- {en: [noise], nl: [geluid]}
- {en: [resident, local resident], nl: [omwonenden, bewoners]}
- {en: [water board], nl: [waterschap]}
- {en: [board], nl: [bestuur]}
- {en: [public consultation], nl: [openbare raadpleging]}
- {en: [stage], nl: [fase], english_only: true}
"""

NOISE = "Schermen langs het spoor"
RESIDENTS = "Bewoners en hun wijk"
WATER_BOARD = "Het waterschap versterkt de dijk"
WATER = "Water in de stad"
BOARD = "Een nieuw bestuur voor de stichting"
ON_BOARD = "Aan boord van het veer"
CONSULTATION = "Regels ter inzage"
APART = "Stukken voor deskundigen"
INTERNSHIP = "Een student bij de provincie"
PHASE = "De volgende fase van het project"

CASES = {
    NOISE: "Omwonenden klaagden over het geluid van de treinen.",
    RESIDENTS: "De bewoners praten mee over de inrichting van hun straat.",
    WATER_BOARD: "Het waterschap en de provincie werken samen aan de dijk.",
    WATER: "Na een bui blijft het water op straat staan.",
    BOARD: "Het bestuur van de stichting koos een nieuwe voorzitter.",
    ON_BOARD: "Iedereen ging op tijd aan boord.",
    CONSULTATION: "Er kwam een openbare raadpleging over de nieuwe regels.",
    APART: "De openbare stukken lagen klaar. Daarna volgde een raadpleging van deskundigen.",
    INTERNSHIP: "Een student liep stage bij de provincie.",
    PHASE: "In de volgende fase bouwen we de brug.",
}
ENGLISH = {"Accept-Language": "en"}


def _content(folder):
    shutil.copy(FIXTURE_CONTENT / "taxonomy.yml", folder / "taxonomy.yml")
    shutil.copytree(FIXTURE_CONTENT / "roles", folder / "roles")
    (folder / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    (folder / "cases").mkdir()
    for number, (title, text) in enumerate(CASES.items()):
        (folder / "cases" / f"casus-{number}.md").write_text(
            f"---\ntitle: {title}\nsummary: {text}\nroles: [responsief]\n"
            f"policy_domain: water\nvisibility: public\n---\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def app(tmp_path_factory, empty_library):
    app = app_from(empty_library, tmp_path_factory.mktemp("glossary-search"))
    with app.app_context():
        report = import_content(_content(tmp_path_factory.mktemp("glossary-content")))
        assert not report.warnings
        index_worker.sync(search_index())
    yield app
    close_app(app)


@pytest.fixture
def browser(app):
    return app.test_client()


def found(browser, query, **headers) -> set[str]:
    return set(titles(browser.get("/zoeken", query_string={"q": query}, headers=headers)))


@pytest.mark.parametrize("headers", [ENGLISH, {}], ids=["english", "dutch"])
def test_noise_finds_the_items_about_geluid_in_either_language(browser, headers):
    assert found(browser, "noise", **headers) == {NOISE}


def test_noise_residents_finds_geluid_and_omwonenden_the_item_with_both_first(browser):
    response = browser.get("/zoeken", query_string={"q": "noise residents"}, headers=ENGLISH)
    assert set(titles(response)) == {NOISE, RESIDENTS}
    assert titles(response)[0] == NOISE


@pytest.mark.parametrize("query", ["resident", "residents", "Residents", "local residents"])
def test_singular_and_plural_english_words_both_work(browser, query):
    """The index stems English words the Dutch way; the glossary knows English plurals."""
    assert found(browser, query, **ENGLISH) == {NOISE, RESIDENTS}


def test_the_dutch_words_are_marked_in_the_excerpt(browser):
    html = search(browser, "noise").get_data(as_text=True)
    assert ">geluid</mark>" in html


def test_an_english_phrase_maps_as_a_whole(browser):
    """`water board` finds the water board, not every text with water, and not the
    board of a foundation through `board`."""
    assert found(browser, "water board", **ENGLISH) == {WATER_BOARD}
    assert found(browser, "Water Boards", **ENGLISH) == {WATER_BOARD}


def test_one_word_of_an_english_phrase_does_not_bring_in_the_phrase_s_translation(browser):
    assert found(browser, "board", **ENGLISH) == {BOARD}
    assert found(browser, "water", **ENGLISH) == {WATER}


def test_a_dutch_phrase_is_searched_as_a_phrase(browser):
    """`public consultation` → "openbare raadpleging", never the two words apart."""
    assert found(browser, "public consultation", **ENGLISH) == {CONSULTATION}


def test_quotes_search_the_english_words_as_typed(browser):
    assert found(browser, '"water board"', **ENGLISH) == set()


def test_operators_and_brackets_keep_working_with_glossary_terms(browser):
    assert found(browser, "noise EN residents", **ENGLISH) == {NOISE}
    assert found(browser, "(water board) OF noise", **ENGLISH) == {WATER_BOARD, NOISE}
    assert found(browser, "residents -noise", **ENGLISH) == {RESIDENTS}


def test_a_false_friend_is_left_alone_for_a_dutch_reader(browser):
    """`stage` is an internship in Dutch: a Dutch reader finds that, not every phase."""
    assert found(browser, "stage") == {INTERNSHIP}
    assert found(browser, "stage", **ENGLISH) == {INTERNSHIP, PHASE}


def test_a_false_friend_s_translation_is_offered_to_a_dutch_reader(browser):
    html = search(browser, "stage").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=fase">fase</a>?' in html


def test_a_misspelt_english_term_is_offered_as_its_dutch_word(browser):
    html = search(browser, "noice").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=geluid">geluid</a>?' in html
    html = browser.get("/zoeken?q=noice+residnts", headers=ENGLISH).get_data(as_text=True)
    assert "Did you mean:" in html and ">geluid omwonenden</a>?" in html


def test_an_english_term_the_search_used_is_not_taken_for_a_typo(browser):
    """`board` found the board (one hit, so suggestions are looked for); without the
    glossary it would be "corrected" to boord, one letter away."""
    html = browser.get("/zoeken?q=board", headers=ENGLISH).get_data(as_text=True)
    assert BOARD in html and "Did you mean" not in html
    assert "Bedoelde u" not in search(browser, "board").get_data(as_text=True)


def test_the_tips_say_english_words_work_with_an_example(browser):
    assert "U kunt ook Engelse woorden gebruiken: ‘noise’ vindt ook ‘geluid’." in \
        browser.get("/zoeken").get_data(as_text=True)
    assert "You can also use English words: ‘noise’ also finds ‘geluid’." in \
        browser.get("/zoeken", headers=ENGLISH).get_data(as_text=True)
    html = search(browser, "zqxwv").get_data(as_text=True)
    assert "Probeer ook het Nederlandse woord, bijvoorbeeld ‘waterschap’ voor ‘water board’" \
        in html
