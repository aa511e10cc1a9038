"""Issue 17: a commit no longer makes the next search read the whole index again. What is
read from the index is kept per segment and carried from one index state to the next;
only new segments are read, and what a state makes of them is the same as when it is
made afresh."""
import random
from datetime import datetime, timedelta

import pytest

import app.search.postings as postings_module
import app.search.query as query_module
from app.search import SearcherCache, SearchIndex, SearchRequest, run_search
from app.search.docsets import DocSets
from app.search.postings import TermCache, segment_key
from tests.test_search_package import document

ROLES = ("rechtmatig", "presterend", "netwerkend", "responsief")
WORDS = ("dijk", "water", "geluid", "overlast", "omwonenden", "subsidie", "wijk")
START = datetime(2020, 1, 1)


def item(number: int, text: str, *, visibility: str = "public", role: str | None = None,
         day: int | None = None) -> dict:
    return {**document(str(number), text, visibility), "body": text,
            "roles": role or ROLES[number % 4],
            "published": START + timedelta(days=number if day is None else day)}


def segments(searcher) -> set[str]:
    return {segment_key(leaf) for leaf, _base in searcher.reader().leaf_readers()}


@pytest.fixture
def leaf_reads(monkeypatch):
    """The segment of every term read from the index, postings and facet values alike."""
    seen: list[str] = []
    read = postings_module._leaf_term

    def spy(leaf, *args):
        seen.append(segment_key(leaf))
        return read(leaf, *args)
    monkeypatch.setattr(postings_module, "_leaf_term", spy)
    return seen


def test_after_a_commit_only_the_new_segment_is_read(tmp_path, leaf_reads):
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, f"dijk water woord{n}") for n in range(300)], through=0)
    cache = SearcherCache(index)
    request = SearchRequest(text="dijk water", facets=True,
                            filters={"roles": frozenset({"responsief"})})
    try:
        before = run_search(cache.searcher(), request, [{"visibility": {"public"}}])
        old = segments(cache.searcher())
        assert set(leaf_reads) == old             # the first state reads its segment
        leaf_reads.clear()

        index.apply([item(5, "dijk water herzien", role="responsief")], [], through=1)
        after = run_search(cache.searcher(), request, [{"visibility": {"public"}}])
        new = segments(cache.searcher()) - old
        assert new and leaf_reads and set(leaf_reads) <= new
    finally:
        cache.close()
    assert after.total == before.total + 1       # item 5 had another role before
    assert after.facets["roles"]["responsief"] == after.total


def test_a_commit_takes_over_the_terms_the_state_before_read(tmp_path, leaf_reads,
                                                              monkeypatch):
    """Even when the process keeps no segment's terms (a budget of 1 posting), the words
    searched before a commit are read after it from the new segment alone: the rest is
    the state before's, the same objects, not copies."""
    sets = DocSets()
    sets._terms = TermCache(budget=1)
    monkeypatch.setattr(query_module, "docsets", sets)
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, f"dijk water woord{n}") for n in range(300)], through=0)
    cache, everyone = SearcherCache(index), [{"visibility": {"public"}}]
    try:
        run_search(cache.searcher(), SearchRequest(text="dijk"), everyone)
        old = segments(cache.searcher())
        before = sets.for_searcher(cache.searcher()).terms.get(("body", "dijk"))
        leaf_reads.clear()
        index.apply([item(5, "dijk herzien")], [], through=1)
        page = run_search(cache.searcher(), SearchRequest(text="dijk"), everyone)
        state = sets.for_searcher(cache.searcher())
        after = state.terms.get(("body", "dijk"))
        assert leaf_reads and set(leaf_reads).isdisjoint(old)
        assert before in after.parts                   # taken over as it was
        assert page.total == 300
        # Two states on, the first one's terms are no longer held on to.
        index.apply([item(6, "dijk herzien")], [], through=2)
        run_search(cache.searcher(), SearchRequest(text="dijk"), everyone)
        assert state.earlier_terms is None
    finally:
        cache.close()


def _results(page) -> tuple:
    return (page.total, [(hit.key, round(hit.score, 9)) for hit in page.hits], page.facets)


def _searches() -> list[tuple[SearchRequest, list[dict]]]:
    public, member = [{"visibility": {"public"}}], [{"visibility": {"public", "internal"}}]
    return [
        (SearchRequest(text="dijk", facets=True), public),
        (SearchRequest(text="geluid overlast", facets=True), member),
        (SearchRequest(text='"geluid overlast"', facets=True), public),
        (SearchRequest(text="wijk", facets=True, filters={"roles": frozenset({"netwerkend"})}),
         member),
        (SearchRequest(text="", sort="newest", page_length=5, facets=True), public),
        (SearchRequest(text="water", sort="newest", page_length=5), member),
        (SearchRequest(text="subsidies", facets=True), public),
    ]


@pytest.mark.parametrize("segment_budget", [None, 1])
def test_states_carried_over_find_and_count_what_fresh_states_do(tmp_path, monkeypatch,
                                                                  segment_budget):
    """Random edits, deletions and narrowed visibility, committed one batch at a time:
    after each, every search gives the same hits, scores and counts with the sets carried
    over as with sets made from nothing. With a segment budget of 1 the process keeps no
    segment's terms, and what carries over is the state before's."""
    chance = random.Random(17)

    def text() -> str:
        return " ".join(chance.choices(WORDS, k=chance.randint(1, 6)))

    index = SearchIndex(tmp_path)
    index.rebuild([item(n, text()) for n in range(200)], through=0)
    cache, carried = SearcherCache(index), DocSets()
    if segment_budget:
        carried._terms = TermCache(budget=segment_budget)
    try:
        for batch in range(1, 13):
            changed = [item(n, text(), visibility=chance.choice(["public", "internal"]),
                            role=chance.choice(ROLES), day=200 + batch)
                       for n in chance.sample(range(220), 6)]
            gone = [str(n) for n in chance.sample(range(220), 2)]
            index.apply(changed, gone, through=batch)
            searcher = cache.searcher()
            for request, grants in _searches():
                monkeypatch.setattr(query_module, "docsets", carried)
                kept = _results(run_search(searcher, request, grants))
                monkeypatch.setattr(query_module, "docsets", DocSets())
                fresh = _results(run_search(searcher, request, grants))
                assert kept == fresh, (batch, request.text)
            assert len(list(searcher.reader().leaf_readers())) > 1 or batch < 3
    finally:
        cache.close()


def test_segments_of_states_no_longer_kept_are_let_go(tmp_path):
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "dijk") for n in range(50)], through=0)
    cache, sets = SearcherCache(index), DocSets()
    try:
        seen = set()
        for through in range(1, 8):
            index.apply([item(100 + through, "dijk")], [], through=through)
            sets.for_searcher(cache.searcher())
            seen |= segments(cache.searcher())
        in_kept_states = {key for segment_ids, _generation in sets._states
                          for key in segment_ids}
        assert len(seen) > len(in_kept_states)
        assert set(sets._segments) == in_kept_states
    finally:
        cache.close()


def test_stored_fields_are_read_as_whoosh_reads_them(tmp_path):
    """The offsets of the stored fields, added up in C (codec._StoredReader), are
    Whoosh's own, document for document."""
    from whoosh.codec.whoosh3 import STORED_COLUMN

    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "dijk " * (n % 7) + f"woord{n}") for n in range(120)], through=0)
    with index.open().searcher() as searcher:
        perdoc = searcher.reader()._perdoc
        ours = perdoc.column_reader("_stored", STORED_COLUMN)._child
        whooshs = STORED_COLUMN._child.reader(*perdoc._colfiles["_stored"], perdoc._doccount)
        assert type(ours) is not type(whooshs)
        assert list(ours._offsets) == list(whooshs._offsets)
        assert list(ours._lengths) == list(whooshs._lengths)
        assert [searcher.stored_fields(n)["key"] for n in range(120)] == [
            str(n) for n in range(120)]


def test_a_segments_stored_offsets_are_added_up_once_for_every_state(tmp_path):
    """A new index state opens the segment again; its stored fields' offsets are the
    ones added up for the state before (codec._StoredReader), and still read right."""
    from whoosh.codec.whoosh3 import STORED_COLUMN

    index = SearchIndex(tmp_path)
    index.rebuild([item(n, f"dijk woord{n}") for n in range(120)], through=0)
    with index.open().searcher() as first:
        old = first.reader()._perdoc.column_reader("_stored", STORED_COLUMN)._child
    index.apply([item(500, "dijk nieuw")], [], through=1)
    with index.open().searcher() as second:
        leaves = list(second.reader().leaf_readers())
        assert len(leaves) == 2
        again = leaves[0][0]._perdoc.column_reader("_stored", STORED_COLUMN)._child
        assert again._offsets is old._offsets and again is not old
        keys = [second.stored_fields(n)["key"] for n in second.reader().all_doc_ids()]
    assert sorted(keys, key=int) == [str(n) for n in range(120)] + ["500"]


def test_a_terms_file_opens_as_whoosh_opens_it(tmp_path):
    """codec._OrderedHashReader reads the directory of a segment's terms file in one
    call: the same tables, extras and answers as Whoosh's reader."""
    from whoosh.filedb.filetables import OrderedHashReader

    from app.search.codec import CasusbankCodec, _OrderedHashReader
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, f"dijk water woord{n}") for n in range(200)], through=0)
    with index.open().searcher() as searcher:
        leaf = searcher.reader()
        storage, segment = leaf._storage, leaf.segment()
        name = segment.make_filename(CasusbankCodec.TERMS_EXT)
        ours = _OrderedHashReader(storage.open_file(name), storage.file_length(name))
        whooshs = OrderedHashReader(storage.open_file(name), storage.file_length(name))
        try:
            for attribute in ("tables", "extras", "startofdata", "endofdata", "hashtype",
                              "indexbase", "indexlen"):
                assert getattr(ours, attribute) == getattr(whooshs, attribute), attribute
            assert list(ours.keys()) == list(whooshs.keys())
            assert isinstance(leaf._terms._tindex, _OrderedHashReader)
        finally:
            ours.close()
            whooshs.close()


def test_field_lengths_for_a_commit_are_whooshs_own(tmp_path):
    """A commit asks a field's length for every posting it writes; the lengths read as
    bytes at once (codec._PerDocReader) are what Whoosh's column reader gives."""
    from whoosh.codec.whoosh3 import W3PerDocReader

    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "dijk " * (n % 40) + f"woord{n}") for n in range(90)], through=0)
    with index.open().searcher() as searcher:
        ours = searcher.reader()._perdoc
        whooshs = W3PerDocReader(ours._storage, ours._segment)
        for field in ("title", "body", "exact", "roles", "key"):
            assert [ours.doc_field_length(n, field) for n in range(90)] == [
                whooshs.doc_field_length(n, field) for n in range(90)]
        whooshs.close()


def test_a_phrase_is_checked_once_per_index_state(tmp_path, monkeypatch):
    """Its next page or the same search again takes the documents found; a commit makes
    a new state, whose phrase is checked again (and finds the new text)."""
    import app.search.docsets as docsets_module

    checked = []
    check = docsets_module._phrase_docs

    def spy(postings, field, words):
        checked.append((field, tuple(words)))
        return check(postings, field, words)
    monkeypatch.setattr(docsets_module, "_phrase_docs", spy)
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "hoge dijk" if n % 2 else "dijk hoge") for n in range(40)], through=0)
    cache = SearcherCache(index)
    everyone = [{"visibility": {"public"}}]
    try:
        first = run_search(cache.searcher(), SearchRequest(text='"hoge dijk"', page_length=5),
                           everyone)
        after_first = len(checked)
        second = run_search(cache.searcher(), SearchRequest(text='"hoge dijk"', page_length=5,
                                                            page=2), everyone)
        assert len(checked) == after_first and second.total == first.total == 20

        index.apply([item(0, "hoge dijk")], [], through=1)
        third = run_search(cache.searcher(), SearchRequest(text='"hoge dijk"'), everyone)
        assert len(checked) > after_first and third.total == 21
    finally:
        cache.close()


def test_an_emptied_segment_does_not_take_the_next_ones_place(tmp_path):
    """A commit that only deletes can leave a segment without documents, which shares
    its base with the segment after it; each keeps its own sets. Checked against
    Whoosh's own matching, not only against sets made afresh."""
    from whoosh import query

    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "dijk") for n in range(50)], through=0)
    for through in range(1, 11):
        index.apply([item(100, f"dijk versie{through}")], [], through=through)
    index.apply([], ["100"], through=11)
    index.apply([item(101, "dijk nieuw", role="responsief")], [], through=12)
    cache, everyone = SearcherCache(index), [{"visibility": {"public"}}]
    try:
        searcher = cache.searcher()
        bases = [base for _leaf, base in searcher.reader().leaf_readers()]
        page = run_search(searcher, SearchRequest(text="dijk", facets=True), everyone)
        new = run_search(searcher, SearchRequest(text="nieuw"), everyone)
        whooshs = set(searcher.docs_for_query(query.Term("body", "dijk")))
    finally:
        cache.close()
    assert len(bases) > len(set(bases))          # an empty segment before the new one
    assert page.total == len(whooshs) == 51
    assert sum(page.facets["roles"].values()) == 51
    assert [hit.key for hit in new.hits] == ["101"]


def test_newest_first_across_segments_is_one_order_by_date(tmp_path):
    """Each segment's date order, merged: the same as sorting every live document by
    its date (newest first, equal dates in document order)."""
    index = SearchIndex(tmp_path)
    index.rebuild([item(n, "dijk", day=n % 5) for n in range(60)], through=0)
    for through in range(1, 6):
        index.apply([item(100 + through, "dijk", day=through * 2 - 1),
                     item(through * 3, "dijk", day=3)], [], through=through)
    cache = SearcherCache(index)
    try:
        searcher = cache.searcher()
        assert len(list(searcher.reader().leaf_readers())) > 2
        reader = searcher.reader()
        live = list(reader.all_doc_ids())
        expected = sorted(live, key=lambda doc: (-reader.stored_fields(doc)["published"]
                                                 .timestamp(), doc))
        page = run_search(searcher, SearchRequest(text="", sort="newest", page_length=100),
                          [{"visibility": {"public"}}])
        assert [hit.key for hit in page.hits] == [reader.stored_fields(doc)["key"]
                                                  for doc in expected]
    finally:
        cache.close()
