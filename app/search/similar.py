"""Items like a given one: "Vergelijkbare casussen", and likely duplicates of a title."""
from __future__ import annotations

import math

from whoosh import query

from app.search.docsets import docsets
from app.search.postings import Postings
from app.search.query import Grants, Hit, access_filter, stored_hit

KEY_TERMS = 15            # more_like_this with fewer picks words only the item itself has
SHARED_ROLE_BOOST = 0.5   # per shared role, added to the text similarity
SHARED_GROUP_BOOST = 1.0  # a shared learning group counts a little more
DUPLICATE_OVERLAP = 0.75  # share of a title's words that makes another title look the same
DUPLICATE_CANDIDATES = 12  # titles checked exactly, of those holding enough of the words


def similar_items(searcher, key: str, grants: Grants, *, roles=(), groups=(),
                  kind: str = "case", limit: int = 5) -> list[Hit]:
    """Items of `kind` whose text is most like the item `key`'s, boosted by sharing its
    `roles` and learning `groups`; only what the reader may see, never the item itself."""
    number = searcher.document_number(key=key)
    words = searcher.key_terms([number], "body", numterms=KEY_TERMS) if number is not None else []
    if not words:
        return []
    like_text = query.Or([query.Term("body", word, boost=weight) for word, weight in words])
    shared = [query.Term("roles", role, boost=SHARED_ROLE_BOOST) for role in roles]
    shared += [query.Term("groups", str(group), boost=SHARED_GROUP_BOOST) for group in groups]
    wanted = query.AndMaybe(like_text, query.Or(shared)) if shared else like_text
    allowed = _allowed(searcher, grants, kind)
    if not allowed:   # Whoosh would read an empty set as no filter at all
        return []
    results = searcher.search(wanted, limit=limit, filter=allowed, mask=query.Term("key", key))
    return [stored_hit(searcher, hit.docnum, hit.score or 0.0) for hit in results]


def _allowed(searcher, grants: Grants, kind: str) -> set[int]:
    """The documents of `kind` the reader may see, from the per-state filter sets."""
    return docsets.for_searcher(searcher).filter_docs(
        searcher, access_filter(grants, {"kind": frozenset({kind})}))


def _title_words(searcher, title: str) -> set[str]:
    return {token.text for token in searcher.schema["title"].analyzer(title)}


def likely_duplicates(searcher, title: str, grants: Grants, *, kind: str = "case",
                      limit: int = 3) -> list[Hit]:
    """Visible items of `kind` whose title shares most of its words with `title`.

    Counted from the title postings rather than by a scored search: a word that most
    titles hold ("artikel", "wet") made Whoosh score every one of them, a fifth of a
    second per title on 5,000 cases. A look-alike must hold at least DUPLICATE_OVERLAP of
    the words; the candidates with the most shared words (the shortest titles first) are
    then checked exactly against their stored titles.
    """
    words = _title_words(searcher, title)
    allowed = _allowed(searcher, grants, kind)
    if not words or not allowed:
        return []
    sets = docsets.for_searcher(searcher)
    postings = Postings(searcher, sets.terms)
    holders = sorted((postings.docs("title", word) for word in words), key=len)
    needed = math.ceil(DUPLICATE_OVERLAP * len(words))
    # Whoever holds `needed` of the words holds one of the len - needed + 1 rarest: only
    # those titles are counted, so that a word in every title costs nothing.
    pool = set().union(*holders[:len(words) - needed + 1]) & allowed
    shared = {doc: sum(doc in docs for docs in holders) for doc in pool}
    lengths = sets.length_bytes(searcher, "title")
    candidates = sorted((doc for doc, count in shared.items() if count >= needed),
                        key=lambda doc: (-shared[doc], lengths[doc], doc))
    found = []
    for doc in candidates[:DUPLICATE_CANDIDATES]:
        theirs = _title_words(searcher, searcher.stored_fields(doc)["title"])
        overlap = len(words & theirs) / max(len(words | theirs), 1)
        if overlap >= DUPLICATE_OVERLAP:
            found.append((overlap, doc))
    found.sort(key=lambda pair: -pair[0])
    return [stored_hit(searcher, doc, overlap) for overlap, doc in found[:limit]]
