"""Full-text search: Dutch analysis, schema, the index on disk, queries.

The only package that imports Whoosh. It knows nothing of Flask or of the database: it
takes folders, documents (dicts), permission grants and plain settings, and returns
plain values.
"""
from app.search.analysis import fold
from app.search.expansion import EXPANDING_TERMS, PHRASES
from app.search.glossary import Glossary
from app.search.index import IndexBusy, IndexMissing, SearchIndex
from app.search.integrity import copy_current_version, find_damage
from app.search.parsing import split_filters
from app.search.query import Hit, ResultPage, SearchRequest, run_search
from app.search.schema import ACCESS_FIELDS, LEAD_WORDS, SCHEMA_VERSION
from app.search.searching import SearcherCache
from app.search.similar import likely_duplicates, similar_items

__all__ = [
    "ACCESS_FIELDS", "EXPANDING_TERMS", "LEAD_WORDS", "PHRASES", "SCHEMA_VERSION", "Glossary",
    "Hit",
    "IndexBusy", "IndexMissing", "ResultPage", "SearchIndex", "SearchRequest",
    "SearcherCache", "copy_current_version", "find_damage", "fold", "likely_duplicates",
    "run_search", "similar_items", "split_filters",
]
