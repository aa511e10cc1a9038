"""What a search document holds.

Raise SCHEMA_VERSION whenever the fields or the analysis change: an index built with an
older version is rebuilt by the next `flask search sync` instead of being misread.
"""
from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from app.search.analysis import dutch_analyzer

SCHEMA_VERSION = 1

# The fields the permission rules constrain (see services/permissions.py). Multi-valued,
# stored as comma-separated terms, exactly as ItemMixin.access_values() gives them.
ACCESS_FIELDS = ("status", "visibility", "owner", "groups")
TEXT_FIELDS = ("title", "summary", "body")


def build_schema() -> Schema:
    dutch = dutch_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),            # "case:12", "reflection:3"
        kind=ID(stored=True),
        ref=STORED(),                                 # slug or id, to link to the item
        title=TEXT(analyzer=dutch, stored=True, field_boost=3.0),
        summary=TEXT(analyzer=dutch, stored=True, field_boost=2.0),
        body=TEXT(analyzer=dutch, stored=True),
        roles=KEYWORD(stored=True, commas=True),
        updated=DATETIME(stored=True, sortable=True),
        **{name: KEYWORD(commas=True) for name in ACCESS_FIELDS},
    )
