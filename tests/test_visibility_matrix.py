"""Nothing leaks: every kind of reader, every visibility × status, every page and search
feature, counts included.

One case and one reflection exist for each visibility × status, all written by the same
author (a member of Leergroep Water) and placed in that group. Each carries a made-up
word of its own in its title and body, so a page leaks an item exactly when its word
appears there. The expected answers below are the rule of the issue written out as a
table, independently of services/permissions.py.
"""
from __future__ import annotations

import itertools
import re
import string

import pytest
from sqlalchemy import select

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, LearningGroup, Reflection, Role, User
from app.services.contributing.cases import CaseInput, submit_case
from app.services.people.accounts import create_user
from app.services.validation import slugify
from tests.support import PASSWORD, Browser, app_from, close_app

VISIBILITIES = ("private", "group", "internal", "public")
STATUSES = ("draft", "submitted", "sent_back", "published", "archived")
VIEWERS = ("anonymous", "outsider", "member", "author", "editor", "admin")
ACCOUNTS = {  # e-mail, site role, learning groups
    "outsider": ("buiten@example.nl", "participant", []),
    "member": ("lid@example.nl", "participant", ["water"]),
    "author": ("auteur@example.nl", "participant", ["water"]),
    "editor": ("redactie@example.nl", "editor", []),
    "admin": ("beheer@example.nl", "admin", []),
}
SHARED_WORD = "zqgedeeld"  # in every grid item, so one search finds them all
ROLE = "presterend"        # the one role of every grid item


def may_read(viewer: str, visibility: str, status: str) -> bool:
    """The issue's rule: the author always; a private item nobody else; editors every
    other item in every status; everyone else only published items, by visibility."""
    if viewer == "author":
        return True
    if visibility == "private":
        return False
    if viewer in ("editor", "admin"):
        return True
    if status != "published":
        return False
    return {"public": True, "internal": viewer != "anonymous",
            "group": viewer == "member"}[visibility]


def is_listed(viewer: str, visibility: str, status: str) -> bool:
    """Shared lists, counts and search hold published items only."""
    return status == "published" and may_read(viewer, visibility, status)


def may_edit(viewer: str, visibility: str, status: str) -> bool:
    return viewer == "author" or (viewer in ("editor", "admin") and visibility != "private")


def _word(number: int) -> str:
    """A made-up word per item ('zqaa', 'zqab', …) that no analyzer splits or stems."""
    first, second = divmod(number, 26)
    return f"zqmerk{string.ascii_lowercase[first]}{string.ascii_lowercase[second]}"


class Grid:
    def __init__(self):
        self.items: list[dict] = []  # kind, word, visibility, status, address
        self.baseline: dict[str, dict[str, int]] = {}


def _create_accounts() -> dict[str, int]:
    return {name: create_user(email, name.title(), PASSWORD, role, groups).id
            for name, (email, role, groups) in ACCOUNTS.items()}


def _add_items(grid: Grid, author_id: int) -> None:
    water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
    role = db.session.get(Role, ROLE)
    for number, (visibility, status) in enumerate(itertools.product(VISIBILITIES, STATUSES)):
        for kind in ("case", "reflection"):
            word = _word(number * 2 + (kind == "reflection"))
            common = dict(title=f"Matrix {word}", visibility=visibility, status=status,
                          owner_id=author_id)
            body = f"{SHARED_WORD} {word} over peilbeheer en bewoners"
            if kind == "case":
                item = Case(slug=f"matrix-{word}", summary=body, body_md=body,
                            organisation=f"Directie {word}",
                            body_text=body, body_html=f"<p>{body}</p>", groups=[water],
                            roles=[role], **common)
            else:
                item = Reflection(situation=body, group=water, roles_acted=[role], **common)
            db.session.add(item)
            db.session.flush()
            address = (f"/casussen/{item.slug}" if kind == "case"
                       else f"/reflecties/{item.id}")
            grid.items.append({"kind": kind, "word": word, "visibility": visibility,
                               "status": status, "address": address})
    db.session.commit()


def _role_counts(html: str) -> dict[str, int]:
    cell = re.search(rf'role--{ROLE}\b[^>]*aria-label="[^:]+: (\d+) \w+ · (\d+) \w+"', html)
    return {"case": int(cell.group(1)), "reflection": int(cell.group(2))}


def _acted(html: str) -> int:
    """How many reflections the patterns page says acted from ROLE."""
    row = re.search(rf"role-marker--{ROLE}\".*?</th>\s*<td>(?:<a [^>]+>)?(\d+)", html, re.S)
    return int(row.group(1))


def _counted(browser) -> dict:
    """Every count of ROLE a reader is shown: the home and group quadrants, the patterns."""
    return {"home": _role_counts(browser.get("/").get_data(as_text=True)),
            "group": _role_counts(browser.get("/leergroepen/water").get_data(as_text=True)),
            "acted": _acted(browser.get("/reflecties/patronen").get_data(as_text=True))}


def _browser(app, viewer: str) -> Browser:
    browser = Browser(app.test_client())
    if viewer != "anonymous":
        browser.sign_in(ACCOUNTS[viewer][0])
    return browser


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, fixture_library):
    """The app with the grid, plus a signed-in browser per viewer; built once, read only."""
    app = app_from(fixture_library, tmp_path_factory.mktemp("matrix"), RATELIMIT_ENABLED=False)
    grid = Grid()
    with app.app_context():
        ids = _create_accounts()
    browsers = {viewer: _browser(app, viewer) for viewer in VIEWERS}
    grid.baseline = {viewer: _counted(browsers[viewer]) for viewer in VIEWERS}
    with app.app_context():
        _add_items(grid, ids["author"])
        index_worker.sync(search_index())
    yield app, grid, browsers
    close_app(app)


def _expected(grid: Grid, viewer: str, test, kind: str | None = None) -> set[str]:
    return {item["word"] for item in grid.items
            if (kind is None or item["kind"] == kind)
            and test(viewer, item["visibility"], item["status"])}


def _shown(grid: Grid, html: str) -> set[str]:
    return {item["word"] for item in grid.items if item["word"] in html}


def _without_token(page: bytes) -> bytes:
    """The CSRF token in the header's sign-out form carries a timestamp: it may differ
    between two pages a second apart, and says nothing about the item."""
    return re.sub(rb'name="csrf_token" value="[^"]+"', b'name="csrf_token"', page)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_item_pages_answer_404_exactly_when_the_reader_may_not_read(matrix, viewer):
    app, grid, browsers = matrix
    missing = {"case": "/casussen/bestaat-niet", "reflection": "/reflecties/999999"}
    unknown = {kind: browsers[viewer].get(address).get_data()
               for kind, address in missing.items()}
    for item in grid.items:
        response = browsers[viewer].get(item["address"])
        expected = 200 if may_read(viewer, item["visibility"], item["status"]) else 404
        assert response.status_code == expected, (viewer, item)
        if expected == 404:  # the same page as for an item that does not exist
            assert _without_token(response.get_data()) == _without_token(
                unknown[item["kind"]].replace(missing[item["kind"]].encode(),
                                              item["address"].encode()))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_edit_and_history_pages_only_for_those_who_may_edit(matrix, viewer):
    app, grid, browsers = matrix
    for item in grid.items:
        expected = 200 if may_edit(viewer, item["visibility"], item["status"]) else 404
        if viewer == "anonymous":
            expected = 302  # to the sign-in page first, which says nothing about the item
        for page in ("bewerken", "geschiedenis"):
            response = browsers[viewer].get(f"{item['address']}/{page}")
            assert response.status_code == expected, (viewer, page, item)


SHARED_PAGES = (
    "/", "/casussen/", f"/casussen/?rol={ROLE}", "/casussen/?leergroep=water",
    "/reflecties/", "/rollen", f"/rollen/{ROLE}", "/leergroepen/", "/leergroepen/water",
    f"/zoeken?q={SHARED_WORD}", f"/zoeken?q={SHARED_WORD}&type=casus",
    f"/zoeken?q={SHARED_WORD}&rol={ROLE}&sort=nieuwste", "/zoeken?q=matrix",
    "/casussen/geluidsmaatregelen-hsl-zuid",  # its "similar cases"
    f"/leergroepen/water?rol={ROLE}", "/reflecties/patronen", f"/reflecties/?gehandeld={ROLE}",
    "/bladeren", "/bladeren/organisatie",  # the grid's organisations carry its words
    "/feeds/casussen.atom", "/feeds/reflecties.atom", f"/feeds/rollen/{ROLE}.atom",
    "/feeds/leergroepen/water.atom",
)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_shared_pages_show_published_items_the_reader_may_read_and_nothing_else(
        matrix, viewer):
    app, grid, browsers = matrix
    allowed = _expected(grid, viewer, is_listed)
    for page in SHARED_PAGES:
        html = browsers[viewer].get(page).get_data(as_text=True)
        assert _shown(grid, html) <= allowed, (viewer, page, _shown(grid, html) - allowed)
    # …and the search finds all of them, so the check above is not passed by showing none.
    html = browsers[viewer].get(f"/zoeken?q={SHARED_WORD}").get_data(as_text=True)
    assert len(allowed) <= 20  # one page of results
    assert _shown(grid, html) == allowed


def _results_phrase(total: int) -> str:
    return {0: "Geen resultaten", 1: "1 resultaat"}.get(total, f"{total} resultaten")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_counts_on_the_quadrant_and_in_search_count_only_listed_items(matrix, viewer):
    app, grid, browsers = matrix
    listed = {kind: len(_expected(grid, viewer, is_listed, kind))
              for kind in ("case", "reflection")}
    now, before = _counted(browsers[viewer]), grid.baseline[viewer]
    for quadrant in ("home", "group"):  # every grid item is in Leergroep Water
        assert now[quadrant] == {kind: before[quadrant][kind] + listed[kind] for kind in listed}
    assert now["acted"] == before["acted"] + listed["reflection"]
    html = browsers[viewer].get(f"/zoeken?q={SHARED_WORD}").get_data(as_text=True)
    total = listed["case"] + listed["reflection"]
    assert _results_phrase(total) in html
    facet = re.search(rf'role-marker--{ROLE}".*?facet__count">\((\d+)\)', html, re.S)
    assert (int(facet.group(1)) if facet else 0) == total
    cases_only = browsers[viewer].get(f"/zoeken?q={SHARED_WORD}&type=casus")
    assert _results_phrase(listed["case"]) in cases_only.get_data(as_text=True)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_spelling_suggestions_never_come_from_unlisted_items(matrix, viewer):
    """A suggestion for a near miss would tell the reader that some item holds the word."""
    app, grid, browsers = matrix
    allowed = _expected(grid, viewer, is_listed)
    made = set()
    for item in grid.items:
        typo = item["word"][:-1] + ("x" if item["word"][-1] != "x" else "y")
        html = browsers[viewer].get(f"/zoeken?q={typo}").get_data(as_text=True)
        suggested = re.search(r"Bedoelde u: <a [^>]*>([^<]+)</a>", html)
        if suggested and suggested.group(1) in {i["word"] for i in grid.items}:
            assert suggested.group(1) in allowed, (viewer, typo, suggested.group(1))
            made.add(suggested.group(1))
    assert made, "no suggestion at all: the check above proved nothing"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_word_only_in_hidden_items_never_suppresses_a_readable_words_suggestion(
        matrix, viewer):
    """Each typo below is one letter from many grid words, most of them in items the
    reader may not see. Were the candidates chosen before checking what the reader may
    see, those hidden words would crowd out the readable ones (and the suggestion, or
    its absence, would tell that they exist). Every typo of a listed word gets a listed
    word one letter away."""
    app, grid, browsers = matrix
    allowed = _expected(grid, viewer, is_listed)
    assert allowed
    for word in sorted(allowed):
        assert not word.endswith("z")
        typo = word[:-1] + "z"          # one letter from this word and from many others
        html = browsers[viewer].get(f"/zoeken?q={typo}").get_data(as_text=True)
        suggested = re.search(r"Bedoelde u: <a [^>]*>([^<]+)</a>", html)
        assert suggested and suggested.group(1) in allowed, (viewer, typo, suggested)
        assert suggested.group(1)[:-1] == typo[:-1], (viewer, typo, suggested.group(1))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_forms_offer_only_cases_the_reader_may_read(matrix, viewer):
    app, grid, browsers = matrix
    if viewer == "anonymous":
        return
    html = browsers[viewer].get("/reflecties/nieuw").get_data(as_text=True)
    assert _shown(grid, html) <= _expected(grid, viewer, may_read, "case")
    warned = browsers[viewer].submit("/casussen/nieuw", {
        "title": "Matrix", "summary": "Dubbel?", "body": "Tekst.", "roles": [ROLE],
        "policy_domain": "water", "visibility": "public"}).get_data(as_text=True)
    assert _shown(grid, warned) <= _expected(grid, viewer, is_listed, "case")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_desk_and_the_own_overview_show_only_what_they_should(matrix, viewer):
    app, grid, browsers = matrix
    desk = browsers[viewer].get("/redactie")
    if viewer in ("editor", "admin"):
        shown = _shown(grid, desk.get_data(as_text=True))
        assert shown and shown <= _expected(grid, viewer, may_read)
        assert not {i["word"] for i in grid.items if i["visibility"] == "private"} & shown
    else:
        assert desk.status_code == (302 if viewer == "anonymous" else 404)
    taxonomy = browsers[viewer].get("/redactie/taxonomie/organisaties-indelen/")
    if viewer in ("editor", "admin"):  # organisation names to file, with their use counts
        shown = _shown(grid, taxonomy.get_data(as_text=True))
        assert shown == _expected(grid, viewer, may_read, "case")
    else:
        assert taxonomy.status_code == 404
    mine = browsers[viewer].get("/mijn-bijdragen")
    if viewer == "author":
        assert _shown(grid, mine.get_data(as_text=True)) == {i["word"] for i in grid.items}
    elif viewer != "anonymous":
        assert _shown(grid, mine.get_data(as_text=True)) == set()


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_searches_that_found_little_are_for_editors_only(matrix, viewer):
    """/redactie/zoekvragen: what readers typed, for editors and admins; the same 404 as
    the desk for everyone else, the sign-in page first for an anonymous reader. A query is
    on it once two readers typed it, not when one did, and never for editors' searches."""
    app, grid, browsers = matrix
    for reader in ("anonymous", "outsider", "member"):
        browsers[reader].get("/zoeken?q=zqmatrixgat")
    browsers["editor"].get("/zoeken?q=zqredactiegat")
    browsers["admin"].get("/zoeken?q=zqredactiegat")
    browsers["author"].get("/zoeken?q=zqalleenauteur")
    page = browsers[viewer].get("/redactie/zoekvragen")
    if viewer in ("editor", "admin"):
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "zqmatrixgat" in html
        assert "zqredactiegat" not in html and "zqalleenauteur" not in html
    else:
        assert page.status_code == (302 if viewer == "anonymous" else 404)


def test_the_grid_really_covers_every_combination(matrix):
    app, grid, browsers = matrix
    assert {(i["kind"], i["visibility"], i["status"]) for i in grid.items} == set(
        itertools.product(("case", "reflection"), VISIBILITIES, STATUSES))
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "auteur@example.nl"))


def _slug_kind(slug: str, title: str) -> str:
    """What a slug says beyond its title: its tail with every letter and digit an x."""
    base = slugify(title)
    assert slug.startswith(base), (slug, title)
    return re.sub(r"[a-z0-9]", "x", slug[len(base):])


def test_a_new_case_s_slug_says_nothing_of_cases_the_author_may_not_read(
        tmp_path, fixture_library):
    """Every reader writes a case with the title of each grid case, hidden from them or
    not: its slug is of the same kind as that of a title no case has (a "-2" would say
    that a case with that title exists, perhaps a draft or another's private case)."""
    app = app_from(fixture_library, tmp_path)
    form = {"summary": "Samenvatting.", "body": "Tekst.", "roles": [ROLE],
            "policy_domain": "water", "visibility": "public"}
    try:
        with app.app_context():
            ids = _create_accounts()
            grid = Grid()
            _add_items(grid, ids["author"])
            for viewer in ("outsider", "member", "author", "editor", "admin"):
                writer = db.session.get(User, ids[viewer])
                title = f"Geheel nieuw {viewer}"
                fresh = _slug_kind(submit_case(writer, CaseInput(**form, title=title)).slug, title)
                for item in grid.items:
                    if item["kind"] == "case":
                        title = f"Matrix {item['word']}"
                        made = submit_case(writer, CaseInput(**form, title=title), submit=False)
                        assert _slug_kind(made.slug, title) == fresh, (viewer, item, made.slug)
    finally:
        close_app(app)
