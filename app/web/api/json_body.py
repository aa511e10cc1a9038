"""A request's JSON body, read so that no nesting depth can reach a recursive parser.

Python's json module parses arrays and objects inside one another by recursion: a body
of 1,000 `[` raised RecursionError (a 500, as `get_json(silent=True)` only catches
ValueError), and a 1 MB one of 100,000s of levels only takes longer to fail. The API's
own documents are flat (an object of strings, numbers, booleans and lists of strings:
two levels), so a body nested deeper than MAX_JSON_DEPTH is refused with 400 `too_deep`
after one linear scan of its text, before json.loads or any code after it sees it.

The scan reads the text json.loads would read (the same encoding detection), skips
strings (brackets in them are text), and takes the running sum of +1 per `[`/`{` and
-1 per `]`/`}` with C-speed tools, so a 1 MB body takes milliseconds whatever its shape.
A body that is not valid JSON may be counted oddly; it is refused either way.
"""
from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate

from flask import request

from app.web.api.problems import ApiError

MAX_JSON_DEPTH = 16  # the API's documents use 2; room for a client's mistakes to be named
# A string, its closing quote optional so that an unclosed one also ends (at the end of
# the text) without the search trying again from every later quote.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1


def nesting_depth(text: str) -> int:
    """How deep arrays and objects go in the JSON `text` (0 for a bare value).

    Exact for valid JSON, and never less than the depth json.loads reaches in invalid
    JSON: the parser stops at the first thing out of place, and up to there the running
    sum is its depth. (Closers before any opener only make the sum negative.)"""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    steps = array("b", brackets.encode("ascii").translate(_STEPS))
    return max(0, max(accumulate(steps), default=0))


def _text() -> str:
    """The body as json.loads would decode it (UTF-8, -16 or -32, found by its start)."""
    data = request.get_data(cache=True)
    try:
        return data.decode(json.detect_encoding(data), "surrogatepass")
    except (UnicodeDecodeError, LookupError) as error:
        raise ApiError(400, "invalid_json") from error


def json_object() -> dict:
    """The request's JSON object; 400 `invalid_json` when it is none, 400 `too_deep`
    (before parsing) when it nests deeper than MAX_JSON_DEPTH."""
    if not request.is_json:
        raise ApiError(400, "invalid_json")
    if nesting_depth(_text()) > MAX_JSON_DEPTH:
        raise ApiError(400, "too_deep", max_depth=MAX_JSON_DEPTH)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json")
    return body
