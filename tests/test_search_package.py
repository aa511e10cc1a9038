"""The search package on its own: analysis, the index on disk, the searcher cache."""
import pytest

from app.search import SearcherCache, SearchIndex, SearchRequest, run_search
from app.search.analysis import dutch_analyzer

EVERYONE = [{"visibility": {"public"}}]


def words(text):
    return [token.text for token in dutch_analyzer()(text)]


@pytest.mark.parametrize("first, second", [
    ("waterschappen", "waterschap"),
    ("maatregelen", "maatregel"),
    ("coöperatie", "cooperatie"),
    ("financiële", "financiele"),
    ("omwonenden", "omwonende"),
    ("gemeenten", "gemeente"),
    ("bussen", "bus"),
])
def test_word_forms_meet_in_one_term(first, second):
    assert words(first) == words(second)


def test_stop_words_go_but_ons_stays_for_ons_water():
    assert words("de rivier en ONS Water") == ["rivier", "ons", "water"]


def document(key, text, visibility="public"):
    return {"key": key, "kind": "case", "ref": key, "title": text, "summary": "", "body": "",
            "roles": "", "visibility": visibility, "status": "", "owner": "", "groups": ""}


def test_the_cached_searcher_sees_every_change_once(tmp_path):
    """Guards against whoosh-reloaded's refresh(), which returns replaced documents too."""
    index = SearchIndex(tmp_path)
    index.rebuild([document("a", "rivier")], through=0)
    cache = SearcherCache(index)
    try:
        for round_number in range(1, 25):
            index.apply([document("a", f"rivier ronde {round_number}"),
                         document(f"new-{round_number}", "rivier")], [], through=round_number)
            request = SearchRequest(text="rivier", page_length=1000)
            hits = run_search(cache.searcher(), request, EVERYONE).hits
            keys = [hit.key for hit in hits]
            assert len(keys) == len(set(keys)) == round_number + 1
            assert [hit.title for hit in hits if hit.key == "a"] == [
                f"rivier ronde {round_number}"]
    finally:
        cache.close()


def test_a_visibility_change_is_seen_by_the_cached_searcher(tmp_path):
    index = SearchIndex(tmp_path)
    index.rebuild([document("a", "dijk")], through=0)
    cache = SearcherCache(index)
    try:
        assert len(run_search(cache.searcher(), SearchRequest(text="dijk"), EVERYONE).hits) == 1
        index.apply([document("a", "dijk", visibility="internal")], [], through=1)
        assert run_search(cache.searcher(), SearchRequest(text="dijk"), EVERYONE).hits == []
    finally:
        cache.close()


def test_a_searcher_opened_on_an_empty_index_keeps_working(tmp_path):
    index = SearchIndex(tmp_path)
    index.rebuild([], through=0)
    cache = SearcherCache(index)
    try:
        assert run_search(cache.searcher(), SearchRequest(text="dijk"), EVERYONE).hits == []
        index.apply([document("a", "dijk")], [], through=1)
        assert len(run_search(cache.searcher(), SearchRequest(text="dijk"), EVERYONE).hits) == 1
    finally:
        cache.close()


def test_the_cache_follows_a_rebuild_to_the_new_version(tmp_path):
    index = SearchIndex(tmp_path)
    index.rebuild([document("a", "polder")], through=0)
    cache = SearcherCache(index)
    try:
        assert len(run_search(cache.searcher(), SearchRequest(text="polder"), EVERYONE).hits) == 1
        index.rebuild([document("a", "polder"), document("b", "polder")], through=0)
        assert len(run_search(cache.searcher(), SearchRequest(text="polder"), EVERYONE).hits) == 2
    finally:
        cache.close()


def test_no_index_means_no_searcher(tmp_path):
    assert SearcherCache(SearchIndex(tmp_path / "leeg")).searcher() is None


@pytest.mark.parametrize("word, parts", [
    ("geluidsoverlast", ("geluid", "overlast")),
    ("energiecooperatie", ("energie", "cooperatie")),
    ("belastingdienst", ("belasting", "dienst")),
    ("overheid", None),            # over + heid, but "overheid" is far more common
    ("samenstelling", ("samen", "stelling")),
    ("water", None),
])
def test_compounds_split_into_known_parts(word, parts):
    from app.search.analysis import split_compound
    assert split_compound(word) == parts


def test_compound_parts_share_the_compound_position_at_index_time_only():
    from app.search.analysis import dutch_analyzer
    analyse = dutch_analyzer()
    tokens = [(t.text, t.pos) for t in analyse("de geluidsoverlast voor omwonenden",
                                                mode="index", positions=True)]
    assert tokens == [("geluidsoverlast", 1), ("geluid", 1), ("overlast", 1), ("omwon", 2)]
    assert [t.text for t in analyse("geluidsoverlast", mode="query")] == ["geluidsoverlast"]


def test_the_exact_field_keeps_word_forms():
    from app.search.analysis import exact_analyzer
    assert [t.text for t in exact_analyzer()("Coöperaties maatregelen", mode="query")] == [
        "cooperaties", "maatregelen"]


def test_a_filter_that_admits_nothing_finds_nothing(tmp_path):
    """Whoosh takes an empty set of allowed documents as 'no filter'; it must not be."""
    index = SearchIndex(tmp_path)
    index.rebuild([document("a", "dijk", visibility="internal")], through=0)
    cache = SearcherCache(index)
    try:
        page = run_search(cache.searcher(), SearchRequest(text="dijk", facets=True), EVERYONE)
        assert page.hits == [] and page.total == 0
        nobody = run_search(cache.searcher(), SearchRequest(text="dijk"), [])
        assert nobody.hits == []
        with_a_filter = SearchRequest(text="dijk", filters={"kind": frozenset({"case"})})
        assert run_search(cache.searcher(), with_a_filter, []).hits == []
    finally:
        cache.close()


@pytest.mark.parametrize("text", [
    "dijk", "dijk water", "dijk EN water", "dijk NIET water", "water -dijk", "+dijk water",
    '"hoge dijk"', "dij*", "dijkk~", "NIET dijk", "geluidsoverlast", "(dijk OF zee) EN water",
])
def test_the_fast_match_set_equals_whooshs(tmp_path, text):
    from app.search.docsets import docsets, matching_docs
    from app.search.parsing import parse_user_query
    index = SearchIndex(tmp_path)
    texts = ["hoge dijk bij het water", "dijk", "water en zee", "zee", "geluid en overlast",
             "de geluidsoverlast", "dijken aan zee", "niets"]
    index.rebuild([document(str(n), t) for n, t in enumerate(texts)], through=0)
    index.apply([document("1", "dijk dijk")], ["7"], through=1)   # an update and a delete
    with index.open().searcher() as searcher:
        parsed = parse_user_query(text, searcher.schema)
        sets = docsets.for_searcher(searcher)
        fast = matching_docs(searcher, sets, parsed)
        assert fast == frozenset(searcher.docs_for_query(parsed)) & sets.live
