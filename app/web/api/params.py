"""Reading the query string of an API request strictly: a value that does not fit is a
400 that names the parameter, never a silent default (a typo in a script should show)."""
from __future__ import annotations

import re

from flask import request

from app.models import MAX_ID
from app.services.validation import has_control_characters
from app.web.api.problems import ApiError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
YEAR_OR_SPAN = re.compile(r"[0-9]{4}(-[0-9]{4})?")


def _invalid(name: str) -> ApiError:
    return ApiError(400, "invalid_parameter", parameter=name)


def integer(name: str, default: int, *, minimum: int, maximum: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or not minimum <= int(text) <= maximum:
        raise _invalid(name)
    return int(text)


def paging() -> tuple[int, int]:
    return (integer("page", 1, minimum=1, maximum=MAX_PAGE),
            integer("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE))


def text(name: str, *, max_length: int = 500) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    if len(value) > max_length or has_control_characters(value):
        raise _invalid(name)
    return value


def choice(name: str, allowed: dict):
    """The object `allowed[value]` for the value given, None when absent; unknown: 400."""
    value = request.args.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise _invalid(name)
    return allowed[value]


def values(name: str, allowed=None, *, pattern: re.Pattern | None = None) -> list[str]:
    """A repeatable parameter (?role=a&role=b); each value one of `allowed`, or matching
    `pattern`, or (neither given) free text."""
    found = request.args.getlist(name)
    for value in found:
        if allowed is not None and value not in allowed:
            raise _invalid(name)
        if pattern is not None and not pattern.fullmatch(value):
            raise _invalid(name)
        if len(value) > 200 or has_control_characters(value):
            raise _invalid(name)
    return found


def item_id(value: int) -> int:
    """An id from the path; one larger than any id can be names nothing: 404."""
    if value > MAX_ID:
        raise ApiError(404)
    return value
