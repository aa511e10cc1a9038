"""Items like a given one: "Vergelijkbare casussen", and likely duplicates of a title."""
from __future__ import annotations

from whoosh import query

from app.search.analysis import dutch_analyzer
from app.search.query import Grants, Hit, access_query, stored_hit

KEY_TERMS = 15            # more_like_this with fewer picks words only the item itself has
SHARED_ROLE_BOOST = 0.5   # per shared role, added to the text similarity
SHARED_GROUP_BOOST = 1.0  # a shared learning group counts a little more
DUPLICATE_OVERLAP = 0.75  # share of a title's words that makes another title look the same


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
    results = searcher.search(
        wanted, limit=limit, filter=query.And([access_query(grants), query.Term("kind", kind)]),
        mask=query.Term("key", key))
    return [stored_hit(searcher, hit.docnum, hit.score or 0.0) for hit in results]


def _title_words(title: str) -> set[str]:
    return {token.text for token in dutch_analyzer()(title)}


def likely_duplicates(searcher, title: str, grants: Grants, *, kind: str = "case",
                      limit: int = 3) -> list[Hit]:
    """Visible items of `kind` whose title shares most of its words with `title`."""
    words = _title_words(title)
    if not words:
        return []
    candidates = searcher.search(
        query.Or([query.Term("title", word) for word in words]), limit=10,
        filter=query.And([access_query(grants), query.Term("kind", kind)]))
    found = []
    for hit in candidates:
        theirs = _title_words(hit["title"])
        if len(words & theirs) / max(len(words | theirs), 1) >= DUPLICATE_OVERLAP:
            found.append(stored_hit(searcher, hit.docnum, hit.score or 0.0))
    return found[:limit]
