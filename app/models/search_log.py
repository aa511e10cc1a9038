"""The search log: what people searched for and did not find, as counts, never as who.

`MissedSearch` holds, per normalised query and day (UTC), one row per searcher with the
number of their searches; the searcher is only a keyed hash, HMAC(the day's salt,
searcher and query), cut to 128 bits. The query is part of what is hashed, so the rows
of one session for two queries cannot be linked to each other. What the hash is made
of (the sign-in session's token; an anonymous reader's address and browser; an API
token) is never stored: services/reading/search_log.py records, and explains the choice.

`SearchLogSalt` is the day's salt: random, made by the first search recorded that day,
and deleted once the day is over (by the next day's first search, and by the indexer's
pruning, app/indexer/search_log.py). A salt derived from SECRET_KEY and the date would
need no table, but whoever holds the key could make it again for any day and test a
session token, or every address, against the hashes. A random salt that is gone cannot
be made again: after its day, the hashes say only "a different searcher".
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

LOGGED_QUERY_LENGTH = 200   # a query is kept to its first 200 characters
SEARCHER_LENGTH = 32        # hex characters of the HMAC: 128 bits


class MissedSearch(Base):
    """One searcher's searches for one query on one day that found fewer than three
    items. Counted per query: the rows are its distinct searchers (per day), the sum of
    `searches` how often it was searched."""

    __tablename__ = "missed_searches"
    # Also the index for a period (day first) and for pruning by day.
    __table_args__ = (UniqueConstraint("day", "query", "searcher"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(LOGGED_QUERY_LENGTH))
    searcher: Mapped[str] = mapped_column(String(SEARCHER_LENGTH))
    searches: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"<MissedSearch {self.query!r} on {self.day}: {self.searches}>"


class SearchLogSalt(Base):
    """The random key of one day's searcher hashes; gone when the day is."""

    __tablename__ = "search_log_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))   # 32 random bytes, hex

    def __repr__(self) -> str:
        return f"<SearchLogSalt of {self.day}>"
