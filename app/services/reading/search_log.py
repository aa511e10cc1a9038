"""What people search for and do not find: searches that found fewer than three items,
counted per query and day for the editors (/redactie/zoekvragen), never who searched.

What is recorded. A search on the site or through the API with a user's token that
found fewer than FEW items, with words and no filter: a search
narrowed by a facet or a typed `rol:…` that finds little says the narrowing was narrow,
not that the library lacks the subject, and the words alone are searched too. The query
is kept normalised (`normalised_query`) and only that: no filters, no page, no order
(fewer than FEW hits are one page, so every view of such a search counts).

What is not. Searches by editors and admins (they curate; their searches are not the
readers' questions); API calls without a user (nothing tells one caller from another);
searches while the index is unavailable (they found nothing for another reason); and
nothing at all when SEARCH_LOG_DAYS is 0.

Who searched is never stored. The caller passes a `searcher` value; this module keeps
only HMAC(the day's random salt, searcher and query) (models/search_log.py): enough to
count distinct searchers of a query within a day, nothing to recognise one by. The
value is the sign-in session's token for a signed-in reader (web/auth.py; random, and
stored nowhere else but hashed, so not even the database's holder can compute its
HMAC), the API token for an API caller, and for an anonymous reader the address and
the browser's name: no cookie is set to count them (the privacy statement promises one
cookie, needed for signing in and forms, and none for statistics), a browser that
refuses cookies would be a new searcher at every search, and people sharing an office
address count as fewer searchers, never more, which errs on the side of the threshold
below. Because salts are daily, a searcher is counted once per day: the same one on two
days counts twice, as the days cannot be linked, by design.

The editors see a query only once MIN_SESSIONS distinct searchers typed it within the
chosen period: what one person typed (a name, perhaps) stays out of sight. The indexer
deletes counts older than SEARCH_LOG_DAYS and every salt of a day gone by
(app/indexer/search_log.py).

Recording must never cost a search: it is a few small statements that wait at most
briefly for another writer, and any failure is logged and rolled back, and the search
page is shown as if nothing happened.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.database import waiting_briefly
from app.extensions import db
from app.indexer.search_log import delete_salts_before, first_day_kept
from app.models import MissedSearch, SearchLogSalt, utcnow
from app.models.search_log import LOGGED_QUERY_LENGTH, SEARCHER_LENGTH
from app.services.permissions import is_editor
from app.services.reading.search import SearchOutcome

log = logging.getLogger(__name__)

FEW = 3             # a search with fewer hits than this found little
MIN_SESSIONS = 2    # a query is shown once this many distinct searchers typed it
PERIODS = (7, 30, 90)   # days the editors can look back, within SEARCH_LOG_DAYS
DEFAULT_PERIOD = 30
LISTED = 100        # the most frequent queries shown
# The operators are words in capitals only (README, "Query language"): lower-casing them
# would make another search of the same query.
OPERATORS = frozenset({"EN", "OF", "NIET", "AND", "OR", "NOT"})


def normalised_query(text: str) -> str:
    """A query as it is kept and counted: NFKC; lower case, but for the operators in
    capitals; control characters as spaces and other invisible ones (bidi controls,
    joiners, half surrogate pairs) left out; single spaces; at most 200 characters.
    Accents stay, so the editors read what was typed; `/zoeken?q=` with it searches the
    same words again."""
    kept = []
    for character in unicodedata.normalize("NFKC", text or ""):
        kind = unicodedata.category(character)
        if kind == "Cc":
            kept.append(" ")
        elif kind not in ("Cf", "Cs"):
            kept.append(character)
    words = [word if word in OPERATORS else word.lower() for word in "".join(kept).split()]
    return " ".join(words)[:LOGGED_QUERY_LENGTH].rstrip()


def _kept_days() -> int:
    return current_app.config["SEARCH_LOG_DAYS"]


def _found_little(user, outcome: SearchOutcome, searcher: str | None) -> bool:
    results = outcome.results
    return bool(searcher and _kept_days() > 0 and not is_editor(user)
                and results is not None and results.total < FEW and not outcome.chosen)


def _salt(day: date) -> bytes:
    """The day's salt; the first search of a day makes it, and deletes the salts of the
    days before (the indexer's pruning does too, for days nobody searched after)."""
    salt = db.session.scalar(select(SearchLogSalt.salt).where(SearchLogSalt.day == day))
    if salt is None:
        salt = secrets.token_hex(32)
        delete_salts_before(day)
        db.session.execute(insert(SearchLogSalt).values(day=day, salt=salt))
    return bytes.fromhex(salt)


def _searcher_hash(salt: bytes, searcher: str, query: str) -> str:
    message = f"{searcher}\x00{query}".encode("utf-8", "replace")
    return hmac.new(salt, message, "sha256").hexdigest()[:SEARCHER_LENGTH]


def _count(day: date, query: str, searcher: str) -> None:
    """One more search of `query` by this searcher today: an update, or the first row.
    Portable Core (as indexer/nodes.py's _upsert): no dialect's own ON CONFLICT."""
    table = MissedSearch.__table__
    digest = _searcher_hash(_salt(day), searcher, query)
    where = (table.c.day == day, table.c.query == query, table.c.searcher == digest)
    counted = db.session.execute(update(table).where(*where)
                                 .values(searches=table.c.searches + 1))
    if counted.rowcount == 0:
        db.session.execute(insert(table).values(day=day, query=query, searcher=digest,
                                                searches=1))


def note_search(user, outcome: SearchOutcome, searcher: str | None) -> bool:
    """Count `outcome` when it found little (see the module's docstring for what is and
    is not recorded); True when it was. `searcher` tells this searcher from others
    today (None: nothing does, and nothing is recorded). Never raises."""
    if not _found_little(user, outcome, searcher):
        return False
    query = normalised_query(outcome.text)
    if not query:
        return False
    day = utcnow().date()
    try:
        # Twice: another request may insert the same row, or the day's salt, first.
        for _attempt in range(2):
            try:
                with waiting_briefly():
                    _count(day, query, searcher)
                    db.session.commit()
                return True
            except IntegrityError:
                db.session.rollback()
        log.warning("a search that found little was not counted: its row kept clashing")
    except Exception:  # noqa: BLE001 - a count is never worth a failed search page
        db.session.rollback()
        log.warning("a search that found little was not counted", exc_info=True)
    return False


# -- for the editors ------------------------------------------------------------------------

@dataclass
class MissedQuery:
    query: str
    sessions: int       # distinct searchers, counted per day
    searches: int
    last_day: date


@dataclass
class MissedQueries:
    days: int                   # the period shown: the last `days` days, today included
    periods: tuple[int, ...]    # the periods to choose from
    kept_days: int              # SEARCH_LOG_DAYS (0: nothing is recorded)
    queries: list[MissedQuery]


def periods(kept_days: int) -> tuple[int, ...]:
    """The periods worth offering: those within what is kept, and all of it."""
    if kept_days <= 0:
        return ()
    return tuple(sorted({days for days in PERIODS if days < kept_days} | {kept_days}))


def missed_queries(user, days: int | None = None) -> MissedQueries:
    """The queries that found little in the last `days` days (an unknown period: the
    default), typed by at least MIN_SESSIONS searchers, most searchers first. Editors
    only (PermissionError)."""
    if not is_editor(user):
        raise PermissionError("the search log is for editors")
    kept = _kept_days()
    offered = periods(kept)
    if days not in offered:
        days = DEFAULT_PERIOD if DEFAULT_PERIOD in offered else max(offered, default=0)
    if not days:
        return MissedQueries(0, offered, kept, [])
    since = first_day_kept(utcnow().date(), days)
    sessions, searches = func.count(MissedSearch.id), func.sum(MissedSearch.searches)
    rows = db.session.execute(
        select(MissedSearch.query, sessions, searches, func.max(MissedSearch.day))
        .where(MissedSearch.day >= since).group_by(MissedSearch.query)
        .having(sessions >= MIN_SESSIONS)
        .order_by(sessions.desc(), searches.desc(), MissedSearch.query).limit(LISTED)).all()
    return MissedQueries(days, offered, kept, [MissedQuery(*row) for row in rows])
