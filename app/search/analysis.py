"""Dutch text analysis for the index and for queries.

Every filter here is a module-level class without large state, because Whoosh pickles
the schema (analyzers included) into the index and unpickles it in every reader.
"""
from __future__ import annotations

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

# Snowball's Dutch list, less "ons": it is a word in names such as ONS Water.
STOP_WORDS = frozenset(stopwords_for_language("nl")) - {"ons"}
VOWELS = frozenset("aeiouy")


class UndoubleFilter(Filter):
    """Drops a doubled final consonant left by the stemmer.

    Classic Dutch Snowball only undoubles kk, dd and tt, so `waterschappen` stems to
    `waterschapp` and would never meet `waterschap`; `bussen`/`bus` and `mannen`/`man`
    have the same problem.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if len(text) > 3 and text[-1] == text[-2] and text[-1] not in VOWELS:
                token.text = text[:-1]
            yield token


def dutch_analyzer():
    """Words, lower case, accents folded (coöperatie = cooperatie), stop words, stems."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS)
        | StemFilter(lang="nl")
        | UndoubleFilter()
    )
