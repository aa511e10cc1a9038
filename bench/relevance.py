"""How well Casusbank ranks real Dutch documents, next to SQLite FTS5 on the same fields.

    python -m bench.relevance --corpus FILE.jsonl[.gz] --id FIELD
        --map title=F,summary=F,body=F+G
        (--queries Q.tsv --qrels R.tsv | --known-item FIELD)
        [--run RUN.tsv] [--limit N] [--json]

The corpus goes into a temporary Casusbank through the content import (each document a
public, published case file), is indexed with the web's schema and analysis, and every
query runs through the web's query path. `--known-item FIELD` uses that field of each
record as its query and the record itself as the one relevant document, for corpora that
come without query files. Prints MRR@10, nDCG@10, Recall@10 and the mean number of hits
per query (how much a reader gets to wade through) for Casusbank and for FTS5
(`unicode61 remove_diacritics 2`, bm25 with the same field weights, any word matching);
with --json the last line is one JSON object with both.

Case files need a summary; a document without a mapped one gets its title, in both
systems alike.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from flask_login import AnonymousUserMixin

from app.config import PROJECT_DIR
from app.search import SearchRequest, run_search
from app.services.permissions import access_grants
from app.services.validation import slugify
from bench.corpus import Document, documents, parse_mapping, records
from bench.fts5 import Fts5
from bench.instance import temporary_casusbank

CUTOFF, RUN_DEPTH = 10, 100


def with_summary(document: Document) -> Document:
    """Case files need a summary; a document without one gets its title (which is its id
    when no title was mapped either), in both systems alike, so it adds nothing."""
    if document.summary:
        return document
    return Document(document.id, document.title, document.title, document.body)


def write_content(docs: list[Document], folder: Path) -> dict[str, str]:
    """A content folder with the repository's taxonomy and roles and one case per document;
    returns slug -> document id."""
    shutil.copy(PROJECT_DIR / "content" / "taxonomy.yml", folder / "taxonomy.yml")
    shutil.copytree(PROJECT_DIR / "content" / "roles", folder / "roles")
    (folder / "cases").mkdir()
    domain = yaml.safe_load((folder / "taxonomy.yml").read_text())["policy_domains"][0]["slug"]
    slugs: dict[str, str] = {}
    for document in docs:
        slug = slugify(document.id, max_length=100)
        while slug in slugs:
            slug += "-x"
        slugs[slug] = document.id
        meta = {"title": document.title[:200], "summary": document.summary[:500],
                "roles": ["rechtmatig"], "policy_domain": domain, "visibility": "public"}
        text = f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{document.body[:100_000]}"
        (folder / "cases" / f"{slug}.md").write_text(text, encoding="utf-8")
    return slugs


def read_queries(args, corpus_records) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    if args.known_item:
        queries, qrels = {}, {}
        for record in corpus_records:
            doc_id = str(record[args.id])
            if record.get(args.known_item):
                queries[doc_id] = str(record[args.known_item])
                qrels[doc_id] = {doc_id: 1}
        return queries, qrels
    with open(args.queries, encoding="utf-8") as handle:
        queries = {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if len(row) > 1}
    qrels: dict[str, dict[str, int]] = {}
    with open(args.qrels, encoding="utf-8") as handle:
        for line in handle:
            qid, _zero, doc_id, relevance = line.split()
            qrels.setdefault(qid, {})[doc_id] = int(relevance)
    return queries, qrels


def scores(ranking: list[str], relevant: dict[str, int]) -> dict[str, float]:
    top = ranking[:CUTOFF]
    first = next((rank for rank, doc in enumerate(top, 1) if relevant.get(doc, 0) > 0), None)
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(rank + 1)
              for rank, doc in enumerate(top, 1))
    ideal = sorted(relevant.values(), reverse=True)[:CUTOFF]
    idcg = sum((2 ** rel - 1) / math.log2(rank + 1) for rank, rel in enumerate(ideal, 1))
    wanted = {doc for doc, rel in relevant.items() if rel > 0}
    return {"mrr@10": 1 / first if first else 0.0,
            "ndcg@10": dcg / idcg if idcg else 0.0,
            "recall@10": len(wanted & set(top)) / len(wanted) if wanted else 0.0}


def mean(per_query: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(sum(s[key] for s in per_query) / len(per_query), 4)
            for key in ("mrr@10", "ndcg@10", "recall@10")}


def casusbank_rankings(app, slugs, queries) -> tuple[dict[str, list[tuple[str, float]]],
                                                     dict[str, int]]:
    """Each query's ranking (the first RUN_DEPTH hits) and how many items it found."""
    searcher = app.extensions["casusbank.searchers"].searcher()
    grants = access_grants(AnonymousUserMixin())
    rankings, totals = {}, {}
    for qid, text in queries.items():
        page = run_search(searcher, SearchRequest(text=text, page_length=RUN_DEPTH,
                                                  excerpts=False), grants)
        rankings[qid] = [(slugs[hit.ref], hit.score) for hit in page.hits]
        totals[qid] = page.total
    return rankings, totals


def write_run(path: Path, rankings) -> None:
    with open(path, "w", encoding="utf-8") as run:
        for qid, ranking in rankings.items():
            for rank, (doc_id, score) in enumerate(ranking, 1):
                run.write(f"{qid} Q0 {doc_id} {rank} {score:.4f} casusbank\n")


def evaluate(rankings, qrels, queries, totals: dict[str, int]) -> dict[str, float]:
    """The mean scores, and the mean number of hits a query gives: MRR can rise while the
    list fills with noise, so precision is watched beside ranking."""
    figures = mean([scores([doc for doc, _ in rankings.get(qid, [])], qrels.get(qid, {}))
                    for qid in queries])
    figures["hits_per_query"] = round(sum(totals.values()) / max(len(totals), 1), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--map", required=True, type=parse_mapping)
    parser.add_argument("--queries", type=Path)
    parser.add_argument("--qrels", type=Path)
    parser.add_argument("--known-item")
    parser.add_argument("--run", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.known_item and not (args.queries and args.qrels):
        parser.error("give --queries and --qrels, or --known-item FIELD")

    docs = [with_summary(d) for d in documents(args.corpus, args.id, args.map, args.limit)]
    kept = {d.id for d in docs}
    kept_records = (r for r in records(args.corpus) if str(r[args.id]) in kept)
    queries, qrels = read_queries(args, kept_records)
    queries = {qid: text for qid, text in queries.items()
               if any(doc in kept for doc in qrels.get(qid, {}))}

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        slugs = write_content(docs, Path(folder))
        with temporary_casusbank(Path(folder)) as (app, _):
            loaded = time.perf_counter() - started
            rankings, totals = casusbank_rankings(app, slugs, queries)
    if args.run:
        write_run(args.run, rankings)
    baseline = Fts5(docs)
    fts5_rankings = {qid: baseline.search(text, RUN_DEPTH) for qid, text in queries.items()}
    fts5_totals = {qid: baseline.count(text) for qid, text in queries.items()}
    figures = {"casusbank": evaluate(rankings, qrels, queries, totals),
               "fts5": evaluate(fts5_rankings, qrels, queries, fts5_totals)}

    print(f"{len(docs)} documents, {len(queries)} queries ({args.corpus.name}); "
          f"import and index {loaded:.0f} s", file=sys.stderr if args.json else sys.stdout)
    if not args.json:
        print(f"{'':10}{'MRR@10':>10}{'nDCG@10':>10}{'Recall@10':>11}{'hits/query':>12}")
        for system, values in figures.items():
            print(f"{system:10}{values['mrr@10']:10.4f}{values['ndcg@10']:10.4f}"
                  f"{values['recall@10']:11.4f}{values['hits_per_query']:12.1f}")
    else:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
