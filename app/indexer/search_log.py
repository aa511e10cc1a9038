"""Deleting what the search log may no longer keep (services/reading/search_log.py records
it; models/search_log.py says what it holds): the counts of days older than
SEARCH_LOG_DAYS, and the salt of every day gone by, so that no hash of an earlier day
can be made again. The indexer does it with its other chores, every INDEX_PRUNE_MINUTES
(nodes.WorkerChores), and `flask search prune` does it by hand. Here because the indexer
is the one process that runs on its own, now and then, beside the web."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete

from app.extensions import db
from app.models import MissedSearch, SearchLogSalt, utcnow


def first_day_kept(today: date, days: int) -> date:
    """The oldest day whose counts are kept: the last `days` days, today included (0
    keeps none, today's neither)."""
    return today - timedelta(days=max(days, 0) - 1)


def delete_salts_before(day: date) -> int:
    """Delete the salts of the days before `day`: a salt outlives its day nowhere. Not
    committed (the caller's transaction). The search that makes a day's salt calls this
    too, so the promise holds also where the indexer prunes rarely or never."""
    return db.session.execute(delete(SearchLogSalt).where(SearchLogSalt.day < day)).rowcount


@dataclass
class SearchLogPruneReport:
    counts: int         # rows of missed searches deleted
    salts: int          # salts of days gone by deleted
    first_day_kept: date

    def summary(self) -> str:
        return (f"deleted {self.counts} search-log count(s) from before "
                f"{self.first_day_kept.isoformat()} and {self.salts} salt(s) of past days")


def prune_search_log(days: int | None = None, today: date | None = None
                     ) -> SearchLogPruneReport:
    """Delete the counts before the window of `days` (SEARCH_LOG_DAYS) days and the salts
    before `today` (UTC), in one transaction."""
    days = current_app.config["SEARCH_LOG_DAYS"] if days is None else days
    today = utcnow().date() if today is None else today
    oldest = first_day_kept(today, days)
    counts = db.session.execute(delete(MissedSearch).where(MissedSearch.day < oldest)).rowcount
    salts = delete_salts_before(today)
    db.session.commit()
    return SearchLogPruneReport(counts, salts, oldest)
