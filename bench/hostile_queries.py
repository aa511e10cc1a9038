"""What the worst queries cost: a hostile mix of search input at scale.

    python -m bench.hostile_queries \\
        --corpus ../shared/data/nl_bwb_wetgeving_2015/bwb_wetgeving_2015.jsonl.gz \\
        --docs 50000 [--variants 3] [--timeout 60] [--no-fts5] [--json]

Anyone may type anything into /zoeken, anonymously, and a search occupies a web worker
until it is done: one query that takes seconds is a denial of service. This loads Dutch
legislation articles into a temporary Casusbank (as bench.speed does) and times the whole
search page, anonymously, for queries made to be expensive: many fuzzy terms, short and
one-letter prefixes, bare stars, long phrases of common words, long OR and AND chains,
deep brackets, many NOTs, 500-character random words, synonyms, English glossary terms
and compounds by the dozen. It reports the slowest query, p50/p95 of the mix and each
kind's worst, and the notices the page gave. FTS5 gets the same queries in its own syntax
where it has one (no fuzzy terms: those are searched as the plain word there). With
--json the last line is one JSON object.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import signal
import sqlite3
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from app.config import PROJECT_DIR
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.search.analysis import exact_analyzer
from bench.bwb import articles, load
from bench.fts5_speed import Fts5Bench
from bench.instance import temporary_casusbank
from bench.speed import minimal_content, peak_rss_mb

MAX_CHARS = 500   # what the search page keeps of a query (services/reading/search.py)
_FTS5_OPERATORS = {"AND", "OR", "NOT"}
# Words with synonyms in content/synonyms.yml, most of them standing for a phrase.
SYNONYMS = ["IenW", "EZK", "LNV", "BZK", "RES", "KRW", "PAS", "Awb", "Woo", "AVG", "HSL", "RWS",
            "stakeholders", "omwonenden", "waterschap", "burgerinitiatief"]
# English terms of content/glossary.yml, most of them phrases or standing for Dutch ones.
GLOSSARY = ["water board", "public consultation", "Council of State", "noise residents",
            "House of Representatives", "environmental permits", "mayor and aldermen",
            "social housing", "energy transition", "wind farms", "Room for the River",
            "Natura 2000 site", "formal objection", "decision-making", "nitrogen deposition"]


class Hostile(NamedTuple):
    kind: str
    text: str


def vocabulary(docs, rng: random.Random) -> tuple[list[str], list[str]]:
    """(the most common words, words of middling frequency) of a sample of the corpus."""
    analyse, frequency = exact_analyzer(), Counter()
    for doc in rng.sample(docs, min(len(docs), 3000)):
        frequency.update(t.text for t in analyse(doc.body, mode="query") if t.text.isalpha())
    ranked = [word for word, _n in frequency.most_common(5000) if len(word) >= 3]
    return ranked[:60], ranked[200:5000]


def _fill(parts, glue: str = " ", limit: int = MAX_CHARS) -> str:
    """As many of `parts` as fit in `limit` characters."""
    text = ""
    for part in parts:
        if len(text) + len(glue) + len(part) > limit:
            break
        text = f"{text}{glue}{part}" if text else part
    return text


def _random_word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


def _kinds(rng: random.Random, common: list[str], middling: list[str], sentence) -> dict:
    """Each kind of hostile query: a function that makes one more of it."""
    def pick(words, n):
        return [rng.choice(words) for _ in range(n)]
    short = [word for word in common + middling[:300] if len(word) <= 6]   # most per query
    stars = itertools.cycle(["*", _fill(["*"] * 250),
                             _fill(f"*{c}*" for c in string.ascii_lowercase * 5)])
    return {
        "fuzzy_issue": lambda: " ".join(f"woord{i}~2" for i in range(55)),
        "fuzzy_words": lambda: _fill(f"{w}~2" for w in pick(middling, 90)),
        "fuzzy_short": lambda: _fill(f"{w[:3]}~2" for w in pick(middling, 150)),
        "fuzzy_far": lambda: _fill(f"{w}~9" for w in pick(middling, 60)),
        "prefix_letters": lambda: _fill(f"{c}*" for c in string.ascii_lowercase * 10),
        "prefix_short": lambda: _fill(f"{w[:2]}*" for w in pick(middling, 200)),
        "stars": lambda: next(stars),
        "words_many": lambda: _fill(pick(common, 120)),
        "words_distinct": lambda: _fill(rng.sample(short, len(short))),
        "phrase_long": lambda: '"' + _fill(sentence(), limit=MAX_CHARS - 2) + '"',
        "phrase_common": lambda: '"' + _fill(pick(common[:8], 120), limit=MAX_CHARS - 2) + '"',
        "phrases_many": lambda: _fill(f'"{a} {b}"' for a, b in zip(
            pick(common, 60), pick(common, 60), strict=True)),
        "phrases_slop": lambda: _fill(f'"{a} {b}"~9' for a, b in zip(
            pick(common[:8], 60), pick(common[:8], 60), strict=True)),
        "or_chain": lambda: _fill(pick(common + middling[:200], 120), glue=" OF "),
        "and_chain": lambda: _fill(pick(common, 120), glue=" EN "),
        "brackets_deep": lambda: "(" * 120 + rng.choice(common) + ")" * 120,
        "brackets_nested": lambda: _fill(f"(({a} OF {b}) EN ({c} OF {d}))" for a, b, c, d in zip(
            *(pick(common, 40) for _ in range(4)), strict=True)),
        "not_many": lambda: rng.choice(common) + " " + _fill(
            f"NIET {w}" for w in pick(common + middling[:500], 120)),
        "not_only": lambda: _fill(f"NIET {w}" for w in pick(common, 120)),
        "minus_many": lambda: rng.choice(common) + " " + _fill(
            f"-{w}" for w in pick(middling, 120)),
        "random_words": lambda: _fill(_random_word(rng, rng.choice((8, 20, 50)))
                                      for _ in range(60)),
        "random_long": lambda: _random_word(rng, MAX_CHARS),
        "synonyms": lambda: _fill(rng.sample(SYNONYMS, len(SYNONYMS)) * 20),
        "glossary": lambda: _fill(rng.sample(GLOSSARY, len(GLOSSARY)) * 10),
        "compounds": lambda: _fill(a + b for a, b in zip(
            pick(middling, 80), pick(middling, 80), strict=True)),
    }


def hostile_mix(docs, variants: int = 3, seed: int = 11) -> list[Hostile]:
    """`variants` queries of each hostile kind, made from the corpus's own words."""
    rng = random.Random(seed)
    common, middling = vocabulary(docs, rng)

    def sentence():
        return rng.choice([doc for doc in docs if len(doc.body) > 600]).body.split()

    mix = []
    for kind, make in _kinds(rng, common, middling, sentence).items():
        texts = dict.fromkeys(make() for _ in range(variants))   # some kinds are fixed
        mix += [Hostile(kind, text) for text in texts]
    return mix


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(share):
        return round(ordered[min(int(share * len(ordered)), len(ordered) - 1)] * 1000, 1)
    return {"p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": round(ordered[-1] * 1000, 1)}


def summary(mix: list[Hostile], timings: list[float], notes: list[list[str]]) -> dict:
    """The mix's percentiles, the slowest query, and each kind's slowest time."""
    worst = max(range(len(mix)), key=timings.__getitem__)
    kinds: dict[str, float] = {}
    for query, seconds in zip(mix, timings, strict=True):
        kinds[query.kind] = max(kinds.get(query.kind, 0.0), round(seconds * 1000, 1))
    return {**percentiles(timings), "queries": len(mix),
            "slowest": {"kind": mix[worst].kind, "text": mix[worst].text[:120],
                        "ms": round(timings[worst] * 1000, 1), "notices": notes[worst]},
            "worst_by_kind_ms": kinds,
            "notices_by_kind": {q.kind: n for q, n in zip(mix, notes, strict=True) if n}}


class TimedOut(BaseException):
    """Raised by the alarm; a BaseException, so that no `except Exception` swallows it."""


def _alarm(_signal, _frame):
    raise TimedOut


def _get(client, text: str, timeout: int) -> str | None:
    """The page for `text`, or None when it took longer than `timeout` seconds (then it
    is stopped: before bounds existed, a query could take hours)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        response = client.get("/zoeken", query_string={"q": text})
        assert response.status_code == 200, (text, response.status_code)
        return response.get_data(as_text=True)
    except TimedOut:
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def measure_page(app, mix: list[Hostile], timeout: int = 60) -> dict:
    """Each query through /zoeken, anonymously, as an attacker would send it; a query
    stopped at `timeout` counts as taking that long."""
    client, timings, notes = app.test_client(), [], []
    for query in mix:
        started = time.perf_counter()
        page = _get(client, query.text, timeout)
        timings.append(time.perf_counter() - started)
        notes.append([f"stopped after {timeout} s"] if page is None else
                     [code for code, marker in NOTICE_MARKERS.items() if marker in page])
    return summary(mix, timings, notes)


# A few words of each notice the page may give, to report which ones a query got.
NOTICE_MARKERS = {"query_shortened": "Uw zoekvraag was erg lang",
                  "expansion_dropped": "hebben we gezocht op het woord zelf",
                  "expansion_narrowed": "horen erg veel woorden",
                  "phrases_as_words": "zinnen tussen aanhalingstekens"}


class HostileFts5(Fts5Bench):
    """FTS5 with the same queries in its syntax: words OR-ed, EN/OF/NIET as
    AND/OR/NOT, phrases and prefixes as they are; a fuzzy term is its plain word."""

    def match(self, text: str) -> str:
        found: list[str] = []
        for token in text.replace("(", " ( ").replace(")", " ) ").split():
            for item in self._translated(token):
                if found and item not in _FTS5_OPERATORS | {")"} and \
                        found[-1] not in _FTS5_OPERATORS | {"("}:
                    found.append("OR")   # Casusbank ORs the words of a query
                found.append(item)
        return " ".join(found) or '""'

    def _translated(self, token: str) -> list[str]:
        operator = {"EN": "AND", "OF": "OR", "NIET": "NOT"}.get(token)
        if operator or token in ("(", ")"):
            return [operator or token]
        if token.startswith("-") and len(token) > 1:
            return ["NOT", *self._translated(token[1:])]
        if token.endswith("*") and token.strip("*").isalnum():
            return [f'"{token.strip("*").lower()}"*']
        word = self._stemmed(token.split("~")[0]).replace('"', "")
        return [f'"{word}"'] if word else []

    def run(self, mix: list[Hostile]) -> dict:
        self.build()
        timings, notes = [], []
        for query in mix:
            started = time.perf_counter()
            try:
                self.search(query.text, None)
                notes.append([])
            except sqlite3.OperationalError as error:   # FTS5 refuses what it cannot parse
                notes.append([f"error: {error}"[:60]])
            timings.append(time.perf_counter() - started)
        self.connection.close()
        self.folder.cleanup()
        return summary(mix, timings, notes)


def print_summary(name: str, figures: dict, out) -> None:
    print(f"{name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
          f"slowest {figures['max_ms']} ms ({figures['slowest']['kind']})", file=out)
    for kind, ms in figures["worst_by_kind_ms"].items():
        print(f"  {kind:16} {ms:>10} ms  {' '.join(figures['notices_by_kind'].get(kind, []))}",
              file=out)


def with_synonyms(content: Path) -> Path:
    """The site's synonym sets and glossary, so that typed abbreviations and English terms
    expand as on the site."""
    for name in ("synonyms.yml", "glossary.yml"):
        shutil.copy(PROJECT_DIR / "content" / name, content / name)
    return content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=60, help="seconds; longer is stopped")
    parser.add_argument("--no-fts5", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = sys.stderr if args.json else sys.stdout

    docs = list(articles(args.corpus, args.docs))
    mix = hostile_mix(docs, args.variants)
    print(f"{len(docs)} articles, {len(mix)} hostile queries", file=out)
    with tempfile.TemporaryDirectory() as folder:
        with temporary_casusbank(with_synonyms(minimal_content(Path(folder)))) as (app, _):
            load(docs)
            index_worker.rebuild(search_index(), procs=args.procs)
            app.test_client().get("/zoeken", query_string={"q": "wet"})   # the first search
            figures = {"casusbank": measure_page(app, mix, args.timeout)}
    figures["casusbank"]["peak_rss_mb"] = peak_rss_mb()
    print_summary("Casusbank search page", figures["casusbank"], out)
    if not args.no_fts5:
        figures["fts5"] = HostileFts5(docs).run(mix)
        print_summary("FTS5 (query, facets, snippets)", figures["fts5"], out)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
