"""Full-text search: schema and Dutch analysis, the index on disk, queries.

The only package that imports Whoosh. It knows nothing of Flask or of the database: it
takes folders, documents (dicts) and permission grants, and returns plain values.
"""
from app.search.index import IndexBusy, IndexMissing, SearchIndex
from app.search.query import Hit, ResultPage, run_search
from app.search.schema import ACCESS_FIELDS, SCHEMA_VERSION
from app.search.searching import SearcherCache

__all__ = [
    "ACCESS_FIELDS", "SCHEMA_VERSION", "Hit", "IndexBusy", "IndexMissing", "ResultPage",
    "SearchIndex", "SearcherCache", "run_search",
]
