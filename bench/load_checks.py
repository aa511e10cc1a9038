"""After the load: is every submission the site confirmed in the database, as it was
sent, and in the search index with the access values the permission filter reads?

Read with the app's own models and search index, from the bench's app context, once the
server has stopped writing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select
from whoosh.query import And, Term

from app.extensions import db
from app.indexer import status as index_status
from app.indexer.handle import search_index
from app.models import Case, ItemMixin, Reflection, Status
from app.search.schema import ACCESS_FIELDS
from bench.load_clients import Submission

MODELS = {"case": Case, "reflection": Reflection}


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


def last_ids() -> dict[str, int]:
    """The highest id of each kind before the clients start: what is above is theirs."""
    return {kind: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
            for kind, model in MODELS.items()}


def _ref(item: ItemMixin) -> str:
    """What the redirect after saving names: a case's slug, a reflection's id."""
    return item.slug if isinstance(item, Case) else str(item.id)


def new_items(before: dict[str, int]) -> dict[str, dict[str, ItemMixin]]:
    """kind -> ref -> item, for every item made since `before`."""
    db.session.rollback()  # a fresh read: the server wrote meanwhile
    return {kind: {_ref(item): item for item in db.session.scalars(
                select(model).where(model.id > before[kind]))}
            for kind, model in MODELS.items()}


def _as_sent(item: ItemMixin, sent: Submission) -> bool:
    """Saved by whom it was sent, with the visibility chosen, a draft if and only if the
    author chose "Opslaan als concept"."""
    return (item.owner is not None and item.owner.email == sent.email
            and item.visibility == sent.visibility
            and (item.status == Status.DRAFT) == sent.draft)


def check_database(sent: list[Submission], found: dict[str, dict[str, ItemMixin]]) -> Verdict:
    problems, counts = [], []
    for kind in MODELS:
        confirmed = {submission.ref: submission for submission in sent if submission.kind == kind}
        stored = found[kind]
        counts.append(f"{len(confirmed)} {kind}s confirmed, {len(stored)} new in the database")
        if missing := sorted(confirmed.keys() - stored.keys()):
            problems.append(f"{kind}s confirmed but not stored: {missing[:10]}")
        if unconfirmed := sorted(stored.keys() - confirmed.keys()):
            problems.append(f"{kind}s stored but never confirmed to a client: {unconfirmed[:10]}")
        if wrong := sorted(ref for ref, item in stored.items()
                           if ref in confirmed and not _as_sent(item, confirmed[ref])):
            problems.append(f"{kind}s stored otherwise than sent: {wrong[:10]}")
    return Verdict("database == submitted", not problems,
                   "; ".join(counts) + ("; ids, authors, visibility and status match"
                                        if not problems else "; " + "; ".join(problems)))


def wait_for_indexer(timeout: float) -> tuple[index_status.IndexStatus, float]:
    """Poll `flask search status`'s facts until the change log is applied (or time is up);
    returns them and the seconds waited."""
    started = time.monotonic()
    while True:
        db.session.rollback()
        facts = index_status.status(search_index())
        waited = time.monotonic() - started
        if (facts.usable and facts.backlog == 0) or waited > timeout:
            return facts, waited
        time.sleep(0.2)


def _indexed_with_access(searcher, item: ItemMixin) -> bool:
    """The index finds the item by its key *and* every access value it has now: the
    permission filter (part of each search query) will judge it as the database does."""
    values = item.access_values()
    terms = [Term("key", item.search_key)] + [
        Term(field, value) for field in ACCESS_FIELDS for value in values.get(field, ())]
    return any(True for _docnum in searcher.docs_for_query(And(terms)))


def check_index(found: dict[str, dict[str, ItemMixin]], facts: index_status.IndexStatus) -> Verdict:
    items = [item for by_ref in found.values() for item in by_ref.values()]
    with search_index().open().searcher() as searcher:
        stored = {fields["key"]: fields for fields in searcher.reader().all_stored_fields()}
        missing = sorted(item.search_key for item in items if item.search_key not in stored)
        wrong_ref = sorted(item.search_key for item in items
                           if item.search_key in stored
                           and stored[item.search_key]["ref"] != _ref(item))
        no_access = sorted(item.search_key for item in items
                           if not _indexed_with_access(searcher, item))
    problems = [f"{label}: {keys[:10]}" for label, keys in (
        ("not in the index", missing), ("indexed under another ref", wrong_ref),
        ("indexed with other access values", no_access)) if keys]
    if facts.backlog:
        problems.append(f"the indexer left {facts.backlog} change(s) unapplied")
    if not len(stored) == facts.index_documents == facts.database_items:
        problems.append(f"the index holds {facts.index_documents} documents with {len(stored)} "
                        f"keys, the database {facts.database_items} items")
    detail = (f"all {len(items)} submitted items indexed with their access values; index "
              f"{len(stored)} == database {facts.database_items}" if not problems
              else "; ".join(problems))
    return Verdict("index contains all", not problems, detail)
