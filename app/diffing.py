"""Word-level differences between two texts, for the history page.

Words are compared, not characters (a changed letter marks the whole word, which is how
people read a change) and not lines (a paragraph is one line in Markdown, so a line diff
would mark a whole paragraph for one word). Whitespace travels with the word before it,
so the output reads as running text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")

Change = Literal["same", "added", "removed"]


@dataclass(frozen=True)
class Segment:
    change: Change
    text: str


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _append(segments: list[Segment], change: Change, tokens: list[str]) -> None:
    text = "".join(tokens)
    if not text:
        return
    if segments and segments[-1].change == change:
        segments[-1] = Segment(change, segments[-1].text + text)
    else:
        segments.append(Segment(change, text))


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn `old` into `new`; removals come before their additions."""
    before, after = _tokens(old), _tokens(new)
    # autojunk off: its heuristic treats frequent words ("de", "het") as noise and then
    # reports long texts as rewritten wholesale.
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(segments, "same", before[i1:i2])
            continue
        _append(segments, "removed", before[i1:i2])
        _append(segments, "added", after[j1:j2])
    return segments


def has_changes(segments: list[Segment]) -> bool:
    return any(segment.change != "same" for segment in segments)
