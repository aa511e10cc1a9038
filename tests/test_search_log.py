"""What people search for and do not find (/redactie/zoekvragen): searches that found
fewer than three items, counted per normalised query, day and hashed searcher; shown to
editors once two sessions typed a query; never who searched; deleted after
SEARCH_LOG_DAYS by the indexer's pruning; and a failure to count never fails a search."""
from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import insert, select, text

from app.extensions import db
from app.indexer import nodes as index_nodes
from app.indexer import search_log as log_pruning
from app.models import MissedSearch, SearchLogSalt, User, utcnow
from app.services.people import api_tokens
from app.services.reading import search_log
from app.services.reading.search_log import normalised_query
from app.web.auth import SESSION_TOKEN
from tests.support import signed_in

PAGE = "/redactie/zoekvragen"
NOTHING = "zwxqkwelbron"   # a word no item holds: a search that finds nothing
EDITOR, MEMBER, OUTSIDER = "redactie@example.nl", "lid@example.nl", "buiten@example.nl"


def rows(app) -> list[MissedSearch]:
    with app.app_context():
        found = db.session.scalars(select(MissedSearch).order_by(MissedSearch.id)).all()
        db.session.expunge_all()
        return found


def anonymous(app, address: str = "192.0.2.10", browser: str = "Firefox/140.0"):
    """A reader who is not signed in, at `address` with `browser`."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=browser)
    return client


def listed(app, days: int | None = None) -> dict[str, tuple[int, int]]:
    """The editors' page: query -> (sessions, searches)."""
    page = signed_in(app, EDITOR).get(PAGE + (f"?dagen={days}" if days else ""))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return {unescape(query): (int(sessions), int(searches)) for query, sessions, searches in
            re.findall(r'<td><a href="/zoeken\?q=[^"]*" dir="auto">([^<]+)</a></td>\s*'
                       r'<td>(\d+)</td>\s*<td>(\d+)</td>', html)}


def add_count(app, day: date, query: str, searcher: str, searches: int = 1) -> None:
    with app.app_context():
        db.session.execute(insert(MissedSearch).values(day=day, query=query, searcher=searcher,
                                                       searches=searches))
        db.session.commit()


# -- without an app ------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "kept"), [
    ("  Geluid   OVERLAST\tbij  Spoor ", "geluid overlast bij spoor"),
    ("geluid NIET spoor OR trillingen", "geluid NIET spoor OR trillingen"),   # operators
    ("Coöperatie ﬁets", "coöperatie fiets"),                 # NFKC; accents stay
    ("\u202eLIAM\u202c zorg\u200b", "liam zorg"),             # bidi controls, zero width
    ("a\x00b\x1bc", "a b c"),                                  # control characters
    ("half \ud800 paar", "half paar"),                         # half a surrogate pair
    ("\u200b \t", ""),
])
def test_a_query_is_kept_normalised(typed, kept):
    assert normalised_query(typed) == kept


def test_a_query_is_kept_to_200_characters():
    assert normalised_query("woord " * 100) == ("woord " * 34)[:200].rstrip()
    assert len(normalised_query("x" * 500)) == 200


def test_the_window_of_days_kept_counts_today():
    today = date(2026, 12, 10)
    assert log_pruning.first_day_kept(today, 90) == date(2026, 9, 12)
    assert (today - log_pruning.first_day_kept(today, 90)).days + 1 == 90
    assert log_pruning.first_day_kept(today, 1) == today
    assert log_pruning.first_day_kept(today, 0) == today + timedelta(days=1)   # none


def test_the_periods_offered_stay_within_what_is_kept():
    assert search_log.periods(90) == (7, 30, 90)
    assert search_log.periods(14) == (7, 14)
    assert search_log.periods(365) == (7, 30, 90, 365)
    assert search_log.periods(0) == ()


# -- what is recorded ------------------------------------------------------------------------

def test_a_search_that_finds_nothing_is_counted_without_who_searched(app, users):
    reader = anonymous(app)
    for _ in range(2):
        assert "Geen resultaten" in reader.get(f"/zoeken?q={NOTHING}").get_data(as_text=True)
    member = signed_in(app, MEMBER)
    member.get(f"/zoeken?q={NOTHING}")
    found = rows(app)
    assert [(row.query, row.day, row.searches) for row in found] == [
        (NOTHING, utcnow().date(), 2), (NOTHING, utcnow().date(), 1)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", row.searcher) for row in found)
    with member.client.session_transaction() as session:
        token = session[SESSION_TOKEN]
    # Nothing but the query, the day, a hash and a number: no account, address or token.
    assert set(MissedSearch.__table__.columns.keys()) == {"id", "day", "query", "searcher",
                                                          "searches"}
    every_value = repr([(row.query, row.searcher) for row in found])
    for personal in ("192.0.2.10", "Firefox", token, MEMBER):
        assert personal not in every_value


def test_fewer_than_three_hits_is_little(app, users):
    reader = anonymous(app)
    assert "2 resultaten" in reader.get("/zoeken?q=geluid").get_data(as_text=True)
    assert "3 resultaten" in reader.get("/zoeken?q=bewoners").get_data(as_text=True)
    assert [row.query for row in rows(app)] == ["geluid"]


def test_the_same_query_typed_differently_is_one_query(app, users):
    anonymous(app, "192.0.2.1").get("/zoeken", query_string={"q": f"  {NOTHING.upper()}  Dijk"})
    anonymous(app, "192.0.2.2").get("/zoeken", query_string={"q": f"{NOTHING} dijk"})
    assert {row.query for row in rows(app)} == {f"{NOTHING} dijk"}
    assert listed(app) == {f"{NOTHING} dijk": (2, 2)}


def test_searches_that_are_not_recorded(app, users, editor):
    editor.get(f"/zoeken?q={NOTHING}")                       # editors: their own searches
    signed_in(app, "redactie@example.nl").get(f"/zoeken?q={NOTHING}zz")
    reader = anonymous(app)
    assert "3 resultaten" in reader.get("/zoeken?q=bewoners").get_data(as_text=True)
    reader.get(f"/zoeken?q={NOTHING}&rol=netwerkend")        # narrowed by a facet
    reader.get(f"/zoeken?q={NOTHING} jaar:2017")             # or by a typed filter
    reader.get("/zoeken?rol=netwerkend&jaar=1990")           # no words at all
    reader.get("/zoeken?q=+%E2%80%8B+")                      # nothing left of the words
    assert rows(app) == []


def test_nothing_is_recorded_while_the_index_is_unavailable(bare_app):
    html = anonymous(bare_app).get(f"/zoeken?q={NOTHING}").get_data(as_text=True)
    assert "De zoekfunctie wordt op dit moment klaargezet" in html
    assert rows(bare_app) == []


def test_every_sign_in_is_a_session_of_its_own(app, users):
    for _sign_in in range(2):
        signed_in(app, MEMBER).get(f"/zoeken?q={NOTHING}")
    signed_in(app, OUTSIDER).get(f"/zoeken?q={NOTHING}")
    assert len({row.searcher for row in rows(app)}) == 3
    assert listed(app) == {NOTHING: (3, 3)}


def test_one_session_for_two_queries_cannot_be_linked(app, users):
    member = signed_in(app, MEMBER)
    member.get(f"/zoeken?q={NOTHING}")
    member.get(f"/zoeken?q={NOTHING}bis")
    first, second = rows(app)
    assert first.query != second.query and first.searcher != second.searcher


def test_api_searches_count_with_a_users_token_and_not_without(app, users):
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        editor = db.session.scalar(select(User).where(User.email == EDITOR))
        member_token = api_tokens.create_token(member, "Script")[1]
        editor_token = api_tokens.create_token(editor, "Script")[1]
    client = app.test_client()
    assert client.get(f"/api/v1/search?q={NOTHING}").get_json()["total"] == 0
    client.get(f"/api/v1/search?q={NOTHING}", headers={"Authorization": f"Bearer {editor_token}"})
    assert rows(app) == []
    for _ in range(2):
        client.get(f"/api/v1/search?q={NOTHING}",
                   headers={"Authorization": f"Bearer {member_token}"})
    [row] = rows(app)
    assert row.searches == 2 and member_token not in repr(vars(row))


def test_with_no_days_to_keep_nothing_is_recorded(tmp_path, fixture_library):
    from tests.support import app_from, close_app
    app = app_from(fixture_library, tmp_path, SEARCH_LOG_DAYS=0)
    try:
        anonymous(app).get(f"/zoeken?q={NOTHING}")
        assert rows(app) == []
        assert "Casusbank bewaart op dit moment geen zoekvragen." in app.test_client().get(
            "/privacy").get_data(as_text=True)
    finally:
        close_app(app)


# -- a failure to count is no failed search ---------------------------------------------------

def test_a_search_is_shown_when_counting_it_fails(app, users, caplog):
    with app.app_context():
        db.session.execute(text("DROP TABLE missed_searches"))   # say, not migrated yet
        db.session.commit()
    with caplog.at_level(logging.WARNING, logger="app.services.reading.search_log"):
        response = anonymous(app).get(f"/zoeken?q={NOTHING}")
    assert response.status_code == 200
    assert "Geen resultaten" in response.get_data(as_text=True)
    assert "a search that found little was not counted" in caplog.text
    member = signed_in(app, MEMBER)   # the session is usable after the failed count
    assert "Geen resultaten" in member.get(f"/zoeken?q={NOTHING}").get_data(as_text=True)
    assert "Lid Water" in member.get("/").get_data(as_text=True)


def test_an_api_search_is_answered_when_counting_it_fails(app, users, monkeypatch):
    def broken(*_arguments):
        raise RuntimeError("the count went wrong")
    monkeypatch.setattr(search_log, "_count", broken)
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        token = api_tokens.create_token(member, "Script")[1]
    response = app.test_client().get(f"/api/v1/search?q={NOTHING}",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["total"] == 0


# -- salts ----------------------------------------------------------------------------------

def test_the_first_search_of_a_day_makes_its_salt_and_drops_the_days_before(app, users):
    yesterday = utcnow().date() - timedelta(days=1)
    with app.app_context():
        db.session.execute(insert(SearchLogSalt).values(day=yesterday, salt="ab" * 32))
        db.session.commit()
    anonymous(app).get(f"/zoeken?q={NOTHING}")
    anonymous(app).get(f"/zoeken?q={NOTHING}")
    with app.app_context():
        salts = db.session.execute(select(SearchLogSalt.day, SearchLogSalt.salt)).all()
    assert [day for day, _salt in salts] == [utcnow().date()]
    assert salts[0].salt != "ab" * 32 and len(salts[0].salt) == 64


# -- the editors' page -------------------------------------------------------------------------

def test_only_editors_reach_the_page_and_the_desk_links_it(app, users, member):
    assert member.get(PAGE).status_code == 404
    assert app.test_client().get(PAGE).status_code == 302
    assert f'href="{PAGE}"' in signed_in(app, EDITOR).get("/redactie").get_data(as_text=True)


def test_a_query_shows_once_two_sessions_typed_it(app, users):
    reader = anonymous(app, "192.0.2.1")
    for _ in range(3):
        reader.get(f"/zoeken?q={NOTHING}")
    assert listed(app) == {}                       # one session, however often
    anonymous(app, "192.0.2.2").get(f"/zoeken?q={NOTHING}")
    assert listed(app) == {NOTHING: (2, 4)}
    html = signed_in(app, EDITOR).get(PAGE).get_data(as_text=True)
    assert f'href="/zoeken?q={NOTHING}"' in html    # what it finds now


def test_the_page_lists_by_frequency_within_the_chosen_period(app, users):
    today = utcnow().date()
    for number in range(3):
        add_count(app, today, "windpark noordzee", f"{number:032x}")
    add_count(app, today - timedelta(days=1), "stikstof & boeren", "a" * 32, searches=5)
    add_count(app, today - timedelta(days=20), "stikstof & boeren", "b" * 32)
    add_count(app, today - timedelta(days=20), "kernenergie", "c" * 32)
    add_count(app, today - timedelta(days=40), "kernenergie", "d" * 32)
    assert list(listed(app).items()) == [("windpark noordzee", (3, 3)),
                                         ("stikstof & boeren", (2, 6))]
    assert listed(app, 7) == {"windpark noordzee": (3, 3)}
    assert listed(app, 90)["kernenergie"] == (2, 2)
    assert listed(app, 12345) == listed(app, 30)                  # an unknown period
    html = signed_in(app, EDITOR).get(PAGE).get_data(as_text=True)
    assert 'href="/zoeken?q=stikstof+%26+boeren"' in html
    assert '<option value="30" selected>' in html


def test_what_readers_typed_is_stored_as_typed_and_shown_escaped(app, users):
    typed = "' OR 1=1 -- <script>alert(1)</script> \"zwxq\""
    for address in ("192.0.2.1", "192.0.2.2"):
        anonymous(app, address).get("/zoeken", query_string={"q": typed})
    assert [row.query for row in rows(app)] == [typed] * 2   # OR: an operator, kept
    html = signed_in(app, EDITOR).get(PAGE).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert listed(app) == {typed: (2, 2)}


# -- retention -------------------------------------------------------------------------------

def _aged_log(app) -> date:
    """Counts of 100, 90 and 89 days ago and of today; salts of yesterday and today."""
    today = utcnow().date()
    for age in (100, 90, 89, 0):
        add_count(app, today - timedelta(days=age), f"vraag van {age} dagen", "e" * 32)
    with app.app_context():
        for day in (today - timedelta(days=1), today):
            db.session.execute(insert(SearchLogSalt).values(day=day, salt="cd" * 32))
        db.session.commit()
    return today


def _left(app) -> tuple[set[str], list[date]]:
    with app.app_context():
        return ({row.query for row in db.session.scalars(select(MissedSearch))},
                list(db.session.scalars(select(SearchLogSalt.day))))


def test_pruning_deletes_counts_older_than_the_days_kept_and_past_salts(app):
    today = _aged_log(app)
    with app.app_context():
        report = log_pruning.prune_search_log()
    assert (report.counts, report.salts) == (2, 1)
    assert _left(app) == ({"vraag van 89 dagen", "vraag van 0 dagen"}, [today])


def test_the_indexers_chores_prune_the_search_log(app):
    today = _aged_log(app)
    now = [1000.0]
    with app.app_context():
        chores = index_nodes.WorkerChores(prune_seconds=600, clock=lambda: now[0])
        from app.indexer.handle import search_index
        chores.after_round(search_index(), applied=0)
        assert len(_left(app)[0]) == 4                  # not due yet
        now[0] += 601
        chores.after_round(search_index(), applied=0)
    assert _left(app) == ({"vraag van 89 dagen", "vraag van 0 dagen"}, [today])


def test_flask_search_prune_prunes_the_search_log_too(app):
    _aged_log(app)
    app.config["SEARCH_LOG_DAYS"] = 30
    output = app.test_cli_runner().invoke(args=["search", "prune"]).output
    assert "deleted 3 search-log count(s) from before" in output
    assert "and 1 salt(s) of past days" in output
    assert _left(app)[0] == {"vraag van 0 dagen"}


# -- the privacy statement ---------------------------------------------------------------------

def test_the_privacy_statement_says_what_is_kept_and_for_how_long(app):
    app.config["SEARCH_LOG_DAYS"] = 45
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "Zoekvragen met weinig resultaten" in html
    assert "Na 45 dagen gooit Casusbank de zoekvragen weg." in html
    assert "niet uw account, niet uw IP-adres en niet de code van uw sessie" in html
