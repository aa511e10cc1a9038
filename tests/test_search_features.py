"""Search features: compounds both ways, prefix and fuzzy, synonyms, typed filters,
facets (the role facet disjunctive), sorting, suggestions, similar cases, likely
duplicates, index health; and the permission filter in each of them."""
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, ChangeLog, User, utcnow
from app.search.index import REBUILDING
from app.services.contributing.cases import CaseInput, submit_case
from tests.support import publish, sync_index
from tests.test_search import search, titles

HSL = "Geluidsmaatregelen HSL-Zuid Lansingerland"
WATER = "Waterschappen en regenwater in de wijk"


@pytest.mark.parametrize("query, expected", [
    ("geluid overlast", {HSL, WATER}),     # the compound in HSL, the words apart in WATER
    ("geluidsoverlast", {HSL, WATER}),     # and the other way round
    ("energiecoop*", {WATER}),             # prefix on the unstemmed field (energiecoöperatie)
    ("waterschapen~", {WATER}),            # fuzzy: one letter off
    ("hogesnelheidslijn", {HSL}),          # synonym of HSL, kept in content/synonyms.yml
    ("Financiële", {WATER}),               # accents folded
    ("waterschap", {WATER}),               # undoubled stem of waterschappen
])
def test_dutch_matching(browser, query, expected):
    assert expected <= set(titles(search(browser, query)))


def test_minus_excludes_a_word(browser):
    assert WATER in titles(search(browser, "regenwater"))
    assert WATER not in titles(search(browser, "regenwater -formule"))


@pytest.mark.parametrize("typed, parameters", [
    ("bewoners rol:netwerkend", {"rol": "netwerkend"}),
    ("bewoners type:reflectie", {"type": "reflectie"}),
    ("bewoners jaar:2017", {"jaar": "2017"}),
    ("bewoners jaar:2016-2018", {"jaar": "2016-2018"}),
    ("bewoners beleidsterrein:water", {"beleidsterrein": "water"}),
    ("bewoners leergroep:water", {"leergroep": "water"}),
])
def test_typed_filters_work_like_the_address(member, typed, parameters):
    as_typed = titles(search(member, typed))
    assert as_typed == titles(search(member, "bewoners", **parameters))
    assert as_typed != titles(search(member, "bewoners"))


def test_an_unknown_filter_value_is_said_and_skipped(browser):
    html = search(browser, "bewoners rol:koninklijk").get_data(as_text=True)
    assert "Het filter ‘rol:koninklijk’ kennen we niet" in html
    assert HSL in titles(search(browser, "bewoners rol:koninklijk"))


def facet_counts(html, parameter):
    """Label -> count of one facet on a results page ({} when the facet is not shown)."""
    if f'id="facet-{parameter}"' not in html:
        return {}
    section = html[html.index(f'id="facet-{parameter}"'):]
    section = section[:section.index("</section>")]
    return {label.strip(): int(count) for label, count in re.findall(
        r'>\s*([^<>]+?) <span class="facet__count">\((\d+)\)</span>', section)}


def test_facets_count_what_the_reader_may_see(browser, member):
    visitor = search(browser, "bewoners").get_data(as_text=True)
    assert facet_counts(visitor, "type") == {"Casus": 2, "Reflectie": 1}
    assert facet_counts(visitor, "beleidsterrein") == {"Water": 1, "Mobiliteit": 1}
    signed_in = search(member, "bewoners").get_data(as_text=True)
    assert facet_counts(signed_in, "type") == {"Casus": 3, "Reflectie": 1}
    assert facet_counts(signed_in, "leergroep") == {"Leergroep Water": 2}


def test_the_role_facet_keeps_all_four_counts_when_one_is_chosen(member):
    everything = facet_counts(search(member, "bewoners").get_data(as_text=True), "rol")
    chosen = search(member, "bewoners", rol="presterend").get_data(as_text=True)
    assert facet_counts(chosen, "rol") == everything
    assert everything["Netwerkende overheid"] == 3 and everything["Presterende overheid"] == 0
    assert facet_counts(chosen, "type") == {}            # no presterend hits for "bewoners"


def test_other_facets_narrow_with_the_filters(member):
    html = search(member, "bewoners", type="reflectie").get_data(as_text=True)
    assert facet_counts(html, "type") == {"Reflectie": 1}


def test_a_chosen_facet_value_can_be_taken_away(member):
    html = search(member, "bewoners", rol="netwerkend").get_data(as_text=True)
    assert "Overheidsrol: Netwerkende overheid" in html
    assert 'href="/zoeken?q=bewoners"' in html        # the chip removes the filter


def test_newest_first(member):
    found = titles(search(member, "bewoners", sorteer="nieuwste"))
    assert found.index("Groepscasus van de leergroep") < found.index(WATER) < found.index(HSL)


def test_a_misspelling_gets_a_one_click_correction(browser):
    html = search(browser, "waterchappen").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=waterschappen">waterschappen</a>?' in html


def test_a_suggestion_never_comes_from_a_hidden_item(browser, member):
    assert "Bedoelde u" not in search(browser, "dijkversterkin").get_data(as_text=True)
    assert "Bedoelde u" in search(member, "dijkversterkin").get_data(as_text=True)


def _write(app, user_id, title, body, visibility="public"):
    with app.app_context():
        author = db.session.get(User, user_id)
        case = submit_case(author, CaseInput(
            title=title, summary=body[:100], body=body, roles=["netwerkend"],
            policy_domain="water", visibility=visibility))
        if case.status != "published":  # a private case is published at once
            publish(case)
        return case.slug


def test_a_word_only_hidden_items_hold_is_corrected_like_an_unknown_word(app, users, browser):
    """Were a correction held back because a hidden item holds the word, the page would
    tell an outsider that some item they may not see contains it."""
    _write(app, users["member"], "Een rivierdijk langs de Lek",
           "Het waterschap versterkt de rivierdijk.")
    _write(app, users["member"], "Privé aantekeningen", "Over de rivierdijken.",
           visibility="private")
    sync_index(app)
    html = search(browser, "rivierdijken").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=rivierdijk">rivierdijk</a>?' in html


def test_a_suggestion_one_edit_away_beats_a_commoner_word_two_edits_away(app, users, browser):
    """Fewer edits first, then the word in most readable items."""
    _write(app, users["member"], "Een zqkatter", "Over de zqkatter.")
    for number in range(3):
        _write(app, users["member"], f"Verslag {number}", "Over zqkatxenx en zqkatxenx.")
    sync_index(app)
    html = search(browser, "zqkatten").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=zqkatter">zqkatter</a>?' in html


def test_among_words_as_many_edits_away_the_one_in_most_readable_items_is_suggested(
        app, users, browser):
    _write(app, users["member"], "Een zqkatter", "Over de zqkatter.")
    for number in range(3):
        _write(app, users["member"], f"Verslag {number}", "Over de zqkattel.")
        _write(app, users["member"], f"Privé {number}", "Over zqkatter.", visibility="private")
    sync_index(app)
    html = search(browser, "zqkatten").get_data(as_text=True)
    assert 'Bedoelde u: <a href="/zoeken?q=zqkattel">zqkattel</a>?' in html


def test_similar_cases_on_a_case_page(app, users, browser):
    text = "Zoutwater dringt via de rivier het polderland binnen; boeren zoeken zoetwater."
    first = _write(app, users["member"], "Verzilting in de delta", text)
    _write(app, users["member"], "Zoetwater voor de polder", text + " Een nieuwe inlaat.")
    _write(app, users["member"], "Verzilting, privé", text, visibility="private")
    sync_index(app)
    html = browser.get(f"/casussen/{first}").get_data(as_text=True)
    similar = html[html.index("Vergelijkbare casussen"):]
    assert "Zoetwater voor de polder" in similar
    assert "Verzilting, privé" not in similar and "Verzilting in de delta" not in similar


def test_a_likely_duplicate_title_is_warned_about_before_saving(app, member):
    data = {"title": "Geluidsmaatregelen HSL Zuid in Lansingerland", "summary": "Dubbel?",
            "body": "Tekst.", "roles": ["netwerkend"], "policy_domain": "mobiliteit",
            "visibility": "public"}
    warned = member.submit("/casussen/nieuw", data)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "Er is al een casus met een vergelijkbare titel" in html
    assert 'href="/casussen/geluidsmaatregelen-hsl-zuid"' in html
    saved = member.submit("/casussen/nieuw", {**data, "confirm_new": "1"})
    assert saved.status_code == 303


def test_a_hidden_case_is_never_named_as_a_duplicate(app, outsider):
    response = outsider.submit("/casussen/nieuw", {
        "title": "Groepscasus van de leergroep", "summary": "x", "body": "x",
        "roles": ["netwerkend"], "policy_domain": "water", "visibility": "public"})
    assert response.status_code == 303


def test_the_page_says_when_the_index_is_behind(app, users, browser):
    _write(app, users["member"], "Nog niet geïndexeerd", "Een casus die wacht.")
    with app.app_context():
        for row in db.session.scalars(select(ChangeLog).order_by(ChangeLog.id.desc())):
            row.created_at = utcnow().replace(year=2020)
        db.session.commit()
    html = search(browser, "water").get_data(as_text=True)
    assert "Nog niet alles is vindbaar: 2 wijziging(en)" in html  # submitted, published
    sync_index(app)
    assert "Nog niet alles is vindbaar" not in search(browser, "water").get_data(as_text=True)


def test_the_page_says_when_the_index_is_being_rebuilt(app, browser):
    marker = Path(app.config["SEARCH_INDEX_DIR"]) / REBUILDING
    marker.write_text(str(os.getpid()))
    try:
        html = search(browser, "water").get_data(as_text=True)
        assert "De zoekfunctie wordt opnieuw opgebouwd" in html
        assert WATER in titles(search(browser, "water"))   # the old index still answers
    finally:
        marker.unlink()


def test_a_stale_index_entry_is_not_shown(app, browser):
    """Between a change of visibility and the indexer, the database has the last word."""
    assert HSL in titles(search(browser, "geluidsmaatregelen"))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "geluidsmaatregelen-hsl-zuid"))
        case.visibility = "internal"
        db.session.commit()   # and no sync: the index still says public
    assert HSL not in titles(search(browser, "geluidsmaatregelen"))


def test_items_without_a_value_make_no_empty_facet_option(browser):
    """Reflections have no policy domain or organisation: no "(3)" without a name."""
    html = search(browser, "bewoners").get_data(as_text=True)
    assert not re.search(r'<a href="[^"]*">\s*<span class="facet__count">', html)
    assert "beleidsterrein=&" not in html and not html.count("organisatie=&amp;")
