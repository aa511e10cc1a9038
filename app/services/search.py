"""Searching on behalf of a user: their permissions go into the query itself."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from app.search import ResultPage, SearcherCache, SearchIndex, run_search
from app.services.permissions import access_grants

MAX_QUERY_LENGTH = 500


@dataclass
class SearchOutcome:
    text: str
    roles: list[str]
    results: ResultPage | None  # None when there is no index to search yet
    notices: list[str] = field(default_factory=list)  # codes the page words for the reader

    @property
    def index_ready(self) -> bool:
        return self.results is not None


def register_search(app: Flask) -> None:
    """One index handle and one searcher cache per app; searchers open lazily, after fork."""
    index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    app.extensions["casusbank.search_index"] = index
    app.extensions["casusbank.searchers"] = SearcherCache(index)


def search_items(user, text: str, roles: list[str], page: int = 1) -> SearchOutcome:
    notices = []
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        text, notices = text[:MAX_QUERY_LENGTH], ["query_shortened"]
    outcome = SearchOutcome(text, roles, None, notices)
    searcher = current_app.extensions["casusbank.searchers"].searcher()
    if searcher is None:
        outcome.notices.append("index_not_ready")
        return outcome
    outcome.results = run_search(searcher, text, access_grants(user), roles=roles,
                                 page=page)
    return outcome
