"""Every search path of one web process against what the database holds now.

Each check sends a query as an anonymous reader and compares the answer with the
items that hold the words now and may be read by anyone: the hits, the total, the
counts per type and role, the excerpts, the spelling suggestion, the similar cases.
Both directions count: a current word must be found (or the check proves nothing), an
old word or a narrowed item must not be.
"""
from __future__ import annotations

import html
import re
from itertools import islice

import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Case
from bench.consistency_texts import PREFIX_LENGTH, Truth, typo, words_of

BATCH = 4          # old words per query (few: fuzzy and prefix terms per query are bounded)
SUGGESTIONS = 12   # old words whose misspelling is tried for "Bedoelde u"
ROLE = "rechtmatig"
_SIMILAR = re.compile(r'<ul class="similar">(.*?)</ul>', re.S)
_CASE_LINK = re.compile(r'href="/casussen/([^"?#]+)"')


def truth_of(items, narrowed: set[int]) -> Truth:
    """In the app's context: the items' current words, and which anyone may read."""
    db.session.rollback()
    cases = {case.id: case for case in db.session.scalars(
        select(Case).where(Case.id.in_([item.id for item in items])))}
    words = {case_id: words_of({"title": case.title, "summary": case.summary,
                                "body": case.body_md}) for case_id, case in cases.items()}
    visible = {case_id for case_id, case in cases.items()
               if case.status == "published" and case.visibility == "public"}
    if visible & narrowed:
        raise AssertionError("a narrowed case is still public: the harness is wrong")
    return Truth(words, {case_id: case.summary for case_id, case in cases.items()}, visible)


def _batches(values, size: int = BATCH):
    values = iter(sorted(values))
    while batch := list(islice(values, size)):
        yield batch


class Checker:
    def __init__(self, url: str, truth: Truth, run):
        self.url, self.truth, self.http = url, truth, requests.Session()
        written = {item.id: set().union(*(v.words() for v in item.written))
                   for item in run.items}
        current = set().union(*map(set, truth.words.values()))
        self.stale = {item: words - set(truth.words[item]) for item, words in written.items()}
        self.old = set().union(*self.stale.values()) - current
        self.old_a = {v.a for item in run.items for v in item.written} & self.old
        self.items = run.items
        self.problems: list[str] = []

    def all(self) -> list[str]:
        for item in self.items:
            self.current(item)
        self.old_words()
        self.similar_cases()
        return self.problems

    def _fail(self, what: str) -> None:
        self.problems.append(f"{self.url}: {what}")

    def search(self, query: str, expected: set[int]) -> dict:
        """One search; its hits, total, counts and excerpts checked against `expected`."""
        answer = self.http.get(f"{self.url}/api/v1/search", params={"q": query},
                               timeout=60).json()
        found = {hit["id"] for hit in answer["items"]}
        wanted = expected & self.truth.visible
        if found != wanted or answer["total"] != len(wanted):
            self._fail(f"{query!r} found {sorted(found)} (total {answer['total']}), "
                       f"the database says {sorted(wanted)}")
        counts = {facet: sum(option["count"] for option in answer["facets"][facet]
                             if facet == "type" or option["value"] == ROLE)
                  for facet in ("type", "role")}
        if counts != {"type": len(wanted), "role": len(wanted)}:
            self._fail(f"{query!r} counted {counts}, the database says {len(wanted)}")
        for hit in answer["items"]:
            shown = set(re.findall(r"\w+", html.unescape(re.sub("<[^>]+>", " ",
                                                                 hit["excerpt_html"]))))
            if shown & self.stale.get(hit["id"], set()):
                self._fail(f"{query!r}: the excerpt of case {hit['id']} shows old words "
                           f"{sorted(shown & self.stale[hit['id']])}")
        return answer

    def current(self, item) -> None:
        """The item's current words find it exactly where anyone may read it."""
        a, b = self.truth.summaries[item.id].split()[:2]
        number = self.truth.words[item.id][1]
        truth = self.truth
        self.search(a, truth.holding(a))
        self.search(number, truth.holding(number))
        self.search(f'"{a} {b}"', truth.phrase(a, b))
        self.search(f"{a[:PREFIX_LENGTH]}*", truth.starting(a[:PREFIX_LENGTH]))
        self.search(f"{typo(a)}~1", truth.near(typo(a)))
        for word in (a, b):   # b: a word no other item shares
            suggestion = self.search(typo(word), set())["suggestion"]
            if truth.holding(word) & truth.visible:
                if suggestion != word:
                    self._fail(f"{typo(word)!r} suggested {suggestion!r}, not {word!r}")
            elif suggestion and word in suggestion:
                self._fail(f"{typo(word)!r} suggested {word!r}, which only hidden cases hold")

    def old_words(self) -> None:
        """No old word finds anything, by any path."""
        truth = self.truth
        for batch in _batches(self.old):
            self.search(" ".join(batch), set().union(*map(truth.holding, batch)))
        for batch in _batches(self.old_a):
            prefixes = [word[:PREFIX_LENGTH] for word in batch]
            self.search(" ".join(f"{p}*" for p in prefixes),
                        set().union(*map(truth.starting, prefixes)))
            self.search(" ".join(f"{typo(w)}~1" for w in batch),
                        set().union(*(truth.near(typo(w)) for w in batch)))
        pairs = {(v.a, v.b) for item in self.items for v in item.written
                 if {v.a, v.b} <= self.old}
        for batch in _batches(pairs):
            self.search(" ".join(f'"{a} {b}"' for a, b in batch),
                        set().union(*(truth.phrase(a, b) for a, b in batch)))
        for word in sorted(self.old_a)[:SUGGESTIONS]:
            suggestion = self.search(typo(word), set())["suggestion"]
            if suggestion and word in suggestion:
                self._fail(f"{typo(word)!r} suggested the old word {word!r}")

    def similar_cases(self) -> None:
        """Each readable case's similar cases: those sharing a current word with it. The
        harness's cases share one role and the policy domain and nothing else, too little
        to be similar without a word (search/similar.py, FACET_ONLY_MIN), so a word is
        what lists them here, and an old word would list one it should not."""
        slugs = {item.slug: item.id for item in self.items}
        for item in self.items:
            if item.id not in self.truth.visible:
                continue
            page = self.http.get(f"{self.url}/casussen/{item.slug}", timeout=60).text
            listed = _SIMILAR.search(page)
            shown = {slugs.get(slug, slug) for slug in
                     _CASE_LINK.findall(listed.group(1) if listed else "")}
            body = set(self.truth.words[item.id])
            sharing = {other for other, words in self.truth.words.items()
                       if other != item.id and body & set(words)}
            if shown != sharing & self.truth.visible:
                self._fail(f"similar cases of case {item.id}: {sorted(shown)}, the database "
                           f"says {sorted(sharing & self.truth.visible)}")
