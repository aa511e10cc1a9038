"""How long "Vergelijkbare casussen" takes: the similar cases of a case page, at scale.

    python -m bench.similar \
        --corpus ../shared/data/nl_bwb_wetgeving_2015/bwb_wetgeving_2015.jsonl.gz \
        --docs 5000 [--cases 60] [--json]

Loads the articles as published public cases (bench.bwb) and gives each, at random but
the same in every run, a phase, a scale, a most important role and two to five
stakeholder types, so that the facets similarity weighs are as varied as a real
library's. Then asks the service a case page calls (`similar_cases`) for `--cases`
cases spread over the library, as an anonymous reader, and prints p50/p95/max in
milliseconds, of the time taken and of the processor time (steadier on a shared
machine), and the time of the whole page of as many other cases through the Flask
test client.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from flask_login import AnonymousUserMixin
from sqlalchemy import insert, select, update

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, Term, TermKind
from app.models.case import case_roles, case_stakeholder_types
from app.services.reading.similar import similar_cases
from bench.bwb import articles, load
from bench.instance import temporary_casusbank
from bench.speed import minimal_content


def _terms(kind: TermKind) -> list[int]:
    return list(db.session.scalars(select(Term.id).where(Term.kind == kind.value)
                                   .order_by(Term.position)))


def give_facets(seed: int = 11) -> None:
    """Phase, scale, most important role (the case's one role) and stakeholder types."""
    rng = random.Random(seed)
    phases, scales = _terms(TermKind.PHASE), _terms(TermKind.SCALE)
    stakeholders = _terms(TermKind.STAKEHOLDER_TYPE)
    links = []
    for case_id in db.session.scalars(select(Case.id).order_by(Case.id)).all():
        db.session.execute(update(Case).where(Case.id == case_id).values(
            phase_id=rng.choice(phases), scale_id=rng.choice(scales)))
        links += [{"case_id": case_id, "term_id": term}
                  for term in rng.sample(stakeholders, rng.randint(2, 5))]
    db.session.execute(insert(case_stakeholder_types), links)
    # bench.bwb gives each case one role: that one is its most important.
    db.session.execute(update(Case).values(dominant_role_id=select(case_roles.c.role_id).where(
        case_roles.c.case_id == Case.id).scalar_subquery()))
    db.session.commit()


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def measure(app, count: int) -> dict:
    """The service for `count` cases spread over the library, then the pages of as many
    others (the same ones again would find their words' postings kept, and flatter)."""
    cases = list(db.session.scalars(select(Case).order_by(Case.id)))
    step = max(2, len(cases) // count)
    chosen, others = cases[::step][:count], cases[step // 2::step][:count]
    reader = AnonymousUserMixin()
    similar_cases(reader, cases[-1])   # the first of an index state builds its sets
    service, cpu, found = [], [], 0
    for case in chosen:
        started, started_cpu = time.perf_counter(), time.process_time()
        found += len(similar_cases(reader, case))
        service.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    client, pages = app.test_client(), []
    for case in others:
        started = time.perf_counter()
        response = client.get(f"/casussen/{case.slug}")
        pages.append(time.perf_counter() - started)
        assert response.status_code == 200, case.slug
    return {"similar": _percentiles(service), "similar_cpu": _percentiles(cpu),
            "case_page": _percentiles(pages),
            "similar_per_case": round(found / len(chosen), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=5_000)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    docs = list(articles(args.corpus, args.docs))
    with tempfile.TemporaryDirectory() as folder:
        with temporary_casusbank(minimal_content(Path(folder))) as (app, _):
            load(docs)
            give_facets()
            index_worker.rebuild(search_index())
            index_worker.sync(search_index())
            figures = measure(app, args.cases)
    print(f"{len(docs)} cases, similar cases of {args.cases} of them")
    for name in ("similar", "similar_cpu", "case_page"):
        timing = figures[name]
        print(f"  {name:10} p50 {timing['p50_ms']:>7} ms   p95 {timing['p95_ms']:>7} ms   "
              f"max {timing['max_ms']:>7} ms")
    print(f"  similar cases found per case: {figures['similar_per_case']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
