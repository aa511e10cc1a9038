"""The library the load bench runs against: what goes in (seed content or a corpus), the
accounts its clients sign in with, and what the clients draw from (search words,
addresses, the choices the forms offer)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select, text

from app.config import PROJECT_DIR
from app.database import refresh_planner_statistics
from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, Status, TermKind, Visibility
from app.services import catalog
from app.services.people.accounts import create_user
from bench.bwb import articles, load
from bench.speed import Query, minimal_content, query_mix

PASSWORD = "bench password 1"
QUERIES = 400  # the search mix each client draws from, in the five kinds of bench.speed


@dataclass(frozen=True)
class Account:
    email: str
    group: str    # slug of the one learning group the account is a member of
    editor: bool


@dataclass(frozen=True)
class Site:
    accounts: list[Account]
    cases: list[str]              # published public cases: pages to view, cases to reflect on
    roles: list[str]
    groups: list[str]
    domains: list[str]
    stakeholder_types: list[str]
    contexts: list[str]           # reflection contexts
    queries: list[Query]
    words: list[str]              # for the texts of new cases and reflections


def content_folder(scratch: Path, corpus: Path | None) -> Path:
    """The repository's content, or for a corpus only its frame (taxonomy, roles and
    learning groups: the clients are members of a group), the cases coming from the corpus."""
    if corpus is None:
        return PROJECT_DIR / "content"
    content = minimal_content(scratch)
    shutil.copytree(PROJECT_DIR / "content" / "groups", content / "groups")
    return content


def load_corpus(corpus: Path, docs: int) -> int:
    """Articles of Dutch legislation as published public cases, as bench.speed loads them,
    then the statistics and the index `make run` would leave behind. Returns the count."""
    loaded = list(articles(corpus, docs))
    load(loaded)
    _advance_case_ids()
    refresh_planner_statistics()
    index_worker.rebuild(search_index())
    index_worker.sync(search_index())
    return len(loaded)


def _advance_case_ids() -> None:
    """bench.bwb.load writes the cases' ids itself. SQLite's next id is simply the highest
    plus one, but PostgreSQL's sequence still stands at 1: the first case a client submits
    would collide with article 1 (a unique violation, a 500). Move the sequence past them."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :last)"),
                       {"last": db.session.scalar(select(func.max(Case.id)))})
    db.session.commit()


def create_accounts(clients: int, groups: list[str]) -> list[Account]:
    """One editor and participants, each a member of one learning group, in turn."""
    accounts = []
    for number in range(clients):
        editor = number == 0
        email = "redactie@example.nl" if editor else f"deelnemer{number}@example.nl"
        group = groups[number % len(groups)]
        create_user(email, f"Deelnemer {number}", PASSWORD, "editor" if editor else "participant",
                    [group], actor_email="bench")
        accounts.append(Account(email, group, editor))
    return accounts


def _public_cases() -> list[Case]:
    return list(db.session.scalars(
        select(Case).where(Case.status == Status.PUBLISHED, Case.visibility == Visibility.PUBLIC)
        .order_by(Case.id).limit(3000)))


def describe_site(clients: int) -> Site:
    """Accounts for `clients`, and everything the clients pick from."""
    groups = [group.slug for group in catalog.groups()]
    accounts = create_accounts(clients, groups)
    cases = _public_cases()
    queries = query_mix([SimpleNamespace(body=case.body_text) for case in cases], QUERIES)
    return Site(
        accounts=accounts, cases=[case.slug for case in cases],
        roles=[role.id for role in catalog.roles()], groups=groups,
        domains=[term.slug for term in catalog.terms(TermKind.POLICY_DOMAIN)],
        stakeholder_types=[term.slug for term in catalog.terms(TermKind.STAKEHOLDER_TYPE)],
        contexts=[term.slug for term in catalog.terms(TermKind.REFLECTION_CONTEXT)],
        queries=queries, words=sorted({query.text for query in queries if query.kind == "word"}))
