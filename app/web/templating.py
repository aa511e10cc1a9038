"""Filters and names every template can use."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import format_date, format_decimal
from markupsafe import Markup, escape

from app.web.messages import (
    FACET_LABELS,
    FIELD_LABELS,
    KIND_LABELS,
    PROMPT_LABELS,
    REVISION_REASONS,
    STATUS_LABELS,
    VISIBILITY_LABELS,
)


def paragraphs(text: str | None) -> Markup:
    """Plain text as HTML paragraphs; blank lines separate them, everything is escaped."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks if block
    )


def lookup(keys, mapping: dict) -> list:
    """The values for `keys` that `mapping` has, in the order of `keys`."""
    return [mapping[key] for key in keys if key in mapping]


def number(value: int) -> str:
    """12.345 or 12,345, in the reader's language."""
    return format_decimal(value)


def long_date(value: date | datetime | None) -> str:
    """"1 december 2026" or "1 December 2026", in the reader's language."""
    if value is None:
        return ""
    return format_date(value, "d MMMM y")


def url_for_page(page: int) -> str:
    """The current address with another page number, keeping every filter.

    Built by hand rather than with url_for, which would treat keys such as `_external`
    or `_anchor` from the address as instructions.
    """
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    return f"{request.path}?{urlencode([*kept, ('page', page)])}"


def url_with(parameter: str, value: str | None = None, *, toggle: bool = False) -> str:
    """The current address with `value` of `parameter` switched on or off (toggle), or
    set as its only value (None: removed); back to page 1, as the results change."""
    args = [(key, val) for key, val in request.args.items(multi=True) if key != "page"]
    if toggle:
        switched_on = (parameter, value) not in args
        args = [pair for pair in args if pair != (parameter, value)]
        args += [(parameter, value)] if switched_on else []
    else:
        args = [pair for pair in args if pair[0] != parameter]
        args += [(parameter, value)] if value else []
    return f"{request.path}?{urlencode(args)}"


# Longest address a sign-in link takes along to come back to: inside the link's own
# address it is percent-encoded again (up to three times as long), and the whole must
# stay within forms.MAX_ADDRESS_BYTES.
LONGEST_RETURN = 2_000


def return_address() -> str | None:
    """Where signing in leads back to: this page with its search and filters, or, when
    that is too long to carry along, the page without them; nothing after a POST."""
    if request.method != "GET":
        return None
    return request.full_path if len(request.full_path) <= LONGEST_RETURN else request.path


def item_url(kind: str, ref) -> str:
    if kind == "case":
        return url_for("cases.detail", slug=ref)
    return url_for("reflections.detail", reflection_id=ref)


def register_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(paragraphs)
    app.add_template_filter(long_date)
    app.add_template_filter(number)
    app.add_template_filter(lookup)
    app.add_template_global(url_for_page)
    app.add_template_global(item_url)
    app.add_template_global(url_with)
    app.add_template_global(return_address)
    app.add_template_global(FACET_LABELS, "FACET_LABELS")
    app.add_template_global(VISIBILITY_LABELS, "VISIBILITY_LABELS")
    app.add_template_global(KIND_LABELS, "KIND_LABELS")
    app.add_template_global(STATUS_LABELS, "STATUS_LABELS")
    app.add_template_global(REVISION_REASONS, "REVISION_REASONS")
    # The prompts in the reader's language; services.contributing.reflections.PROMPT_HEADINGS stays
    # Dutch, as the headings of the content files.
    app.add_template_global(PROMPT_LABELS, "PROMPT_HEADINGS")
    app.add_template_global(FIELD_LABELS, "FIELD_LABELS")
