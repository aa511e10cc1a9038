"""Similar cases that are similar: a case's neighbours share its subject and its situation
(roles, most important role, stakeholder types, policy domain, phase, scale), not just
common words; each says what it shares, in the reader's language; and nothing the reader
may not see is ever listed."""
import html
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Term, TermKind, User
from app.search import SearcherCache, SearchIndex
from app.search.similar import FACET_ONLY_MIN, similar_items
from app.services.contributing.cases import CaseInput, submit_case
from tests.support import publish, sync_index

EVERYONE = [{"visibility": {"public"}}]

# Words a committee writes about any subject: the decoys share many of them with the
# case, and often; the right neighbour shares its subject (residents, noise, the track).
MEETINGS = ("De werkgroep besprak in elke vergadering de planning, de begroting en de "
            "communicatie. De werkgroep legde de afspraken vast in een verslag. ")
SUBJECT = {
    "title": "Geluidsschermen langs het spoor in Rijswijk",
    "body": ("Omwonenden van het spoor in Rijswijk klagen over het geluid van treinen, "
             "vooral 's nachts. Het ministerie koos samen met de omwonenden en de "
             "gemeente de plekken voor geluidsschermen. " + MEETINGS * 2),
    "roles": ["responsief", "netwerkend"], "dominant_role": "responsief",
    "policy_domain": "mobiliteit", "phase": "uitvoering", "scale": "lokaal",
    "stakeholder_types": ["bewoners", "gemeente", "burgerinitiatief"],
}
NEIGHBOUR = {
    "title": "Trillingen van goederentreinen in Dordrecht",
    "body": ("Omwonenden van het spoor in Dordrecht hebben last van trillingen en geluid "
             "van goederentreinen. Een bewonersgroep zocht met de gemeente en het "
             "ministerie naar maatregelen die de overlast beperken."),
    "roles": ["responsief", "netwerkend"], "dominant_role": "responsief",
    "policy_domain": "mobiliteit", "phase": "uitvoering", "scale": "lokaal",
    "stakeholder_types": ["bewoners", "gemeente", "burgerinitiatief"],
}
DECOYS = {
    "Regenwater opvangen in de polder": {
        "body": "Het waterschap zocht ruimte voor regenwater in de polder. " + MEETINGS * 3,
        "roles": ["presterend"], "dominant_role": "presterend", "policy_domain": "water",
        "phase": "beleidsvorming", "scale": "regionaal", "stakeholder_types": ["waterschap"],
    },
    "Warmtenet voor een nieuwbouwwijk": {
        "body": "De provincie plande een warmtenet voor de nieuwbouw. " + MEETINGS * 3,
        "roles": ["rechtmatig"], "dominant_role": "rechtmatig",
        "policy_domain": "energie-klimaat", "phase": "beleidsvorming", "scale": "regionaal",
        "stakeholder_types": ["provincie", "bedrijven"],
    },
}
# Nothing in common in its words, but the same situation: similar by that alone.
SAME_SITUATION = {**SUBJECT, "title": "Een moestuin op een braakliggend terrein",
                  "policy_domain": "water",
                  "body": "Buurtbewoners willen groente kweken op grond die al jaren leeg ligt."}
HIDDEN_TWIN = {**NEIGHBOUR, "title": "Trillingen in Zwijndrecht, nog niet gedeeld"}
SIMILAR = re.compile(r'<ul class="similar">(.*?)</ul>', re.S)
ENTRY = re.compile(r'<li><a href="/casussen/[^"]+" dir="auto">([^<]+)</a>(.*?)</li>', re.S)
REASON = re.compile(r'<span class="meta">((?:ook|also): [^<]*)</span>')

NEW_TERMS = [(TermKind.STAKEHOLDER_TYPE, "gemeente", "Gemeente", "Municipality"),
             (TermKind.STAKEHOLDER_TYPE, "burgerinitiatief", "Burgerinitiatief",
              "Citizens' initiative"),
             (TermKind.STAKEHOLDER_TYPE, "provincie", "Provincie", "Province"),
             (TermKind.PHASE, "beleidsvorming", "Beleidsvorming", "Policy design"),
             (TermKind.SCALE, "regionaal", "Regionaal", "Regional")]


def _write(author, title: str, fields: dict, visibility: str = "public") -> str:
    case = submit_case(author, CaseInput(title=title, summary=fields["body"][:120],
                                         visibility=visibility, **fields))
    if case.status != "published":   # a private case is published at once
        publish(case)
    return case.slug


@pytest.fixture
def library(app, users):
    """The fixture content plus the subject, its right neighbour, a case in the same
    situation, two decoys and a private copy of the neighbour; the slug of each by title."""
    with app.app_context():
        db.session.add_all(Term(kind=kind.value, slug=slug, label=label, label_en=english,
                                position=90 + number)
                           for number, (kind, slug, label, english) in enumerate(NEW_TERMS))
        db.session.commit()
        member, outsider = (db.session.get(User, users[name]) for name in ("member", "outsider"))
        slugs = {title: _write(member, title, fields) for title, fields in DECOYS.items()}
        for case in (NEIGHBOUR, SAME_SITUATION):
            slugs[case["title"]] = _write(member, case["title"], _fields(case))
        slugs[HIDDEN_TWIN["title"]] = _write(outsider, HIDDEN_TWIN["title"],
                                             _fields(HIDDEN_TWIN), visibility="private")
        slugs[SUBJECT["title"]] = _write(member, SUBJECT["title"], _fields(SUBJECT))
    sync_index(app)
    return slugs


def _fields(case: dict) -> dict:
    return {name: value for name, value in case.items() if name != "title"}


def similar_on_page(client, slug: str, **headers) -> list[tuple[str, str]]:
    """(title, reason) of each similar case on the case's page, in order."""
    page = client.get(f"/casussen/{slug}", headers=headers).get_data(as_text=True)
    listed = SIMILAR.search(page)
    assert listed, "no similar cases on the page"
    return [(html.unescape(title), html.unescape("".join(REASON.findall(rest))))
            for title, rest in ENTRY.findall(listed.group(1))]


def test_the_right_neighbour_comes_first_and_no_decoy_beats_it(library, browser):
    """The decoys share more words with the case (a committee's words, three times over)
    than its neighbour does; by text alone they came first."""
    titles = [title for title, _reason in similar_on_page(browser, library[SUBJECT["title"]])]
    assert titles[0] == NEIGHBOUR["title"]
    assert all(titles.index(decoy) > 0 for decoy in DECOYS if decoy in titles)


def test_each_similar_case_says_what_it_shares_in_the_readers_language(library, browser):
    """The most telling first, at most three: the neighbour's words of the subject and its
    domain; the other case's shared situation, by the vocabularies' own labels."""
    slug = library[SUBJECT["title"]]
    dutch = dict(similar_on_page(browser, slug))
    assert dutch[NEIGHBOUR["title"]] == "ook: treinen, spoor, mobiliteit"
    assert dutch[SAME_SITUATION["title"]] == (
        "ook: responsieve overheid, burgerinitiatief, gemeente")
    english = dict(similar_on_page(browser, slug, **{"Accept-Language": "en"}))
    assert english[NEIGHBOUR["title"]] == "also: treinen, spoor, mobility"
    assert english[SAME_SITUATION["title"]] == (
        "also: responsief government, citizens' initiative, municipality")


def test_a_case_the_reader_may_not_see_is_never_similar(library, browser, member, outsider):
    """The private copy is the neighbour's twin: its author sees it among the first."""
    slug = library[SUBJECT["title"]]
    for reader in (browser, member):
        listed = similar_on_page(reader, slug)
        assert HIDDEN_TWIN["title"] not in [title for title, _reason in listed]
        assert all(reason for _title, reason in listed)   # one reason per listed case
    assert HIDDEN_TWIN["title"] in [title for title, _reason in similar_on_page(outsider, slug)[:2]]


def test_a_label_in_a_reason_is_text_not_markup(app, library, browser):
    with app.app_context():
        term = db.session.scalar(select(Term).where(Term.slug == "gemeente"))
        term.label = "<img src=x onerror=alert(1)>Gemeente"
        db.session.commit()
    page = browser.get(f"/casussen/{library[SUBJECT['title']]}").get_data(as_text=True)
    assert ("ook: responsieve overheid, burgerinitiatief, &lt;img src=x onerror=alert(1)"
            "&gt;Gemeente") in SIMILAR.search(page).group(1)
    assert "<img src=x" not in page


def test_the_reason_is_plain_text_under_the_link(library, browser):
    page = browser.get(f"/casussen/{library[SUBJECT['title']]}").get_data(as_text=True)
    entry = next(item for item in SIMILAR.search(page).group(1).split("<li>")
                 if NEIGHBOUR["title"] in item)
    assert re.search(r'</a>.*<br><span class="meta">ook: treinen, spoor, mobiliteit</span>'
                     r'</li>', entry, re.S)


# --- the search package on its own ---------------------------------------------------------

def document(key, text, visibility="public", **facets):
    return {"key": key, "kind": "case", "ref": key, "title": key, "summary": "", "body": text,
            "roles": "", "domain": "", "stakeholders": "", "phase": "", "scale": "",
            "lead_role": "", "visibility": visibility, "status": "", "owner": "", "groups": "",
            **facets}


SITUATION = {"roles": "responsief", "lead_role": "responsief", "domain": "mobiliteit",
             "stakeholders": "bewoners,gemeente", "phase": "uitvoering", "scale": "lokaal"}
FACETS = {"roles": ["responsief"], "lead_role": ["responsief"], "domain": ["mobiliteit"],
          "stakeholders": ["bewoners", "gemeente"], "phase": ["uitvoering"], "scale": ["lokaal"]}


def _library(tmp_path, documents):
    fillers = [document(f"filler-{n}", f"Een verhaal over onderwerp {word} en nog wat {word}.")
               for n, word in enumerate(["zorg", "onderwijs", "defensie", "cultuur", "sport",
                                         "handel", "visserij", "belasting"])]
    index = SearchIndex(tmp_path)
    index.rebuild([*documents, *fillers], through=0)
    return SearcherCache(index)


def test_a_case_alike_in_everything_but_words_is_similar_one_alike_in_little_is_not(tmp_path):
    """Without a telling word in common, a case must share much of the situation
    (FACET_ONLY_MIN); the same domain and role alone, which hundreds share, is not enough."""
    cache = _library(tmp_path, [
        document("item", "Omwonenden klagen over geluid van treinen langs het spoor.",
                 **SITUATION),
        document("situation", "Een buurt wil een moestuin op een braakliggend terrein.",
                 **SITUATION),
        document("domain-and-role", "Een fietsbrug over de rivier wordt vervangen.",
                 roles="responsief", domain="mobiliteit"),
    ])
    try:
        found = similar_items(cache.searcher(), "item", EVERYONE, facets=FACETS)
        assert [item.hit.key for item in found] == ["situation"]
        assert found[0].hit.score >= FACET_ONLY_MIN
        assert dict(found[0].shared).keys() >= {"roles", "domain", "stakeholders", "phase",
                                                "scale"}
    finally:
        cache.close()


def test_what_is_shared_comes_most_telling_first_with_words_as_written(tmp_path):
    cache = _library(tmp_path, [
        document("item", "Omwonenden klagen over geluid van treinen langs het spoor. De "
                 "omwonenden willen geluidsschermen.", **SITUATION),
        document("alike", "Omwonenden van het spoor hebben last van trillingen.",
                 **{**SITUATION, "phase": "", "scale": ""}),
    ])
    try:
        [found] = similar_items(cache.searcher(), "item", EVERYONE, facets=FACETS)
        # The two words they share (as written, lower case: not the stem "omwon"); the
        # role, which is also the most important role of both (0.3 + 0.3); the domain
        # (0.5); each of the two stakeholder types (0.6 split between them). Not phase
        # and scale, which `alike` does not have.
        assert found.shared == (("word", "omwonenden"), ("word", "spoor"),
                                ("roles", "responsief"), ("domain", "mobiliteit"),
                                ("stakeholders", "bewoners"), ("stakeholders", "gemeente"))
    finally:
        cache.close()


def test_never_the_item_itself_nor_what_the_grants_leave_out(tmp_path):
    text = "Omwonenden klagen over geluid van treinen langs het spoor."
    cache = _library(tmp_path, [document("item", text, **SITUATION),
                                document("twin", text, "internal", **SITUATION),
                                document("public", text + " Ook 's nachts.", **SITUATION)])
    try:
        found = similar_items(cache.searcher(), "item", EVERYONE, facets=FACETS)
        assert [item.hit.key for item in found] == ["public"]
        both = [{"visibility": {"public", "internal"}}]
        assert {item.hit.key for item in similar_items(cache.searcher(), "item", both,
                                                       facets=FACETS)} == {"public", "twin"}
        assert similar_items(cache.searcher(), "item", [{"visibility": set()}]) == []
        assert similar_items(cache.searcher(), "missing", EVERYONE) == []
    finally:
        cache.close()
