"""What a search document holds.

Raise SCHEMA_VERSION whenever the fields or the analysis change: an index built with an
older version is rebuilt by the next `flask search sync` instead of being misread.
"""
from __future__ import annotations

import sys
from array import array

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.scoring import BM25F
from whoosh.system import _INT_SIZE, pack_uint

from app.search.analysis import dutch_analyzer, exact_analyzer, indexed_words

SCHEMA_VERSION = 8   # 6: vowel forms; 7: one analysis filter; 8: packed posting blocks
_BIG_ENDIAN = sys.byteorder == "big"

# The fields the permission rules constrain (see services/permissions.py). Multi-valued,
# stored as comma-separated terms, exactly as ItemMixin.access_values() gives them.
ACCESS_FIELDS = ("status", "visibility", "owner", "groups")

# The fields typed words are looked up in, with their weight in the ranking. `lead` is
# the opening of the body: what a text is about tends to be said first. `exact` holds
# every word unstemmed, so an exact word form counts a little extra.
FIELD_WEIGHTS = {"title": 3.0, "summary": 2.0, "body": 1.0, "lead": 0.2, "exact": 0.4}
TEXT_FIELDS = tuple(FIELD_WEIGHTS)


def ranking() -> BM25F:
    """BM25 with strong length normalisation: a long answer should not outrank a short
    text that is about the question. Measured on the relevance harness (issue 16, with
    the compound rule and proximity): B 0.85 over 1.0 gave +0.001 MRR@10 on the
    parliamentary questions and +0.003 on the Rijksoverheid answers; 0.75 was no better."""
    return BM25F(B=0.85, K1=1.2)
EXACT_FIELD = "exact"     # where prefix (`energiecoop*`) and fuzzy (`participatie~`) go
LEAD_WORDS = 40

# Fields counted in facets and filtered on. One value each, or several (comma-separated).
SINGLE_VALUED = ("kind", "domain", "organisation")
MULTI_VALUED = ("roles", "years", "groups")   # groups doubles as an access field
# What similar cases weigh besides the text, domain, roles and groups (search/similar.py):
# not counted as facets. Comma-separated like the others, so an empty value indexes nothing.
LIKENESS_FIELDS = ("stakeholders", "phase", "scale", "lead_role")


class PackedPositions(Positions):
    """Whoosh's word positions, stored as an array of 32-bit numbers instead of a pickled
    list of differences: unpacking them is most of what a phrase costs, and an array
    unpacks in C (0.3 µs a posting against 0.7 µs for three positions). Little-endian
    on every machine. The index stores this class by name: keep it here."""

    def encode(self, poslist):
        packed = array("I", poslist)
        if _BIG_ENDIAN:
            packed.byteswap()
        return pack_uint(len(poslist)) + packed.tobytes()

    def decode_positions(self, valuestring):
        return self.unpack(valuestring).tolist()

    def word_values(self, value, analyzer, **kwargs):
        """Whoosh's, from analysis.indexed_words at index time."""
        found = indexed_words(analyzer, value) if kwargs.get("mode") == "index" else None
        if found is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        for word, positions in found.items():
            # Whoosh adds each token's boost (1.0) to the word's weight: its count.
            yield word, len(positions), float(len(positions)) * boost, self.encode(positions)

    def unpack(self, valuestring) -> array:
        """The positions as an array, which is all a phrase check needs (turning long
        arrays into lists cost more than unpacking them)."""
        packed = array("I", valuestring[_INT_SIZE:])
        if _BIG_ENDIAN:
            packed.byteswap()
        return packed


class CountedFrequency(Frequency):
    """Whoosh's word counts (no positions), from analysis.indexed_words at index time.
    The index stores this class by name: keep it here."""

    def word_values(self, value, analyzer, **kwargs):
        found = indexed_words(analyzer, value) if kwargs.get("mode") == "index" else None
        if found is None:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((word, len(positions), float(len(positions)) * boost, pack_uint(len(positions)))
                for word, positions in found.items())


def _counted_text(analyzer) -> TEXT:
    field = TEXT(analyzer=analyzer, multitoken_query="or", phrase=False)
    field.format = CountedFrequency(field_boost=field.format.field_boost)
    return field


def _phrase_text(analyzer) -> TEXT:
    field = TEXT(analyzer=analyzer, multitoken_query="or", stored=True)
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    text = {"analyzer": dutch_analyzer(), "multitoken_query": "or"}
    return Schema(
        key=ID(unique=True, stored=True),            # "case:12", "reflection:3"
        ref=STORED(),                                 # slug or id, to link to the item
        title=_phrase_text(text["analyzer"]),
        summary=_phrase_text(text["analyzer"]),
        body=_phrase_text(text["analyzer"]),
        # No word positions where no phrase is looked for (parsing._PHRASE_FIELDS): a
        # smaller index, a faster rebuild, and postings that read faster.
        lead=_counted_text(text["analyzer"]),
        exact=_counted_text(exact_analyzer()),
        published=DATETIME(stored=True, sortable=True),
        updated=DATETIME(stored=True),
        kind=ID(stored=True),
        domain=ID,
        organisation=ID,
        roles=KEYWORD(stored=True, commas=True),
        years=KEYWORD(commas=True),
        **{name: KEYWORD(commas=True) for name in (*LIKENESS_FIELDS, *ACCESS_FIELDS)},
    )
