"""Open data downloads: /api/v1/export.csv?type=cases|reflections and /api/v1/export.json.

Streamed, so a large library starts arriving at once and never sits in memory whole.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone

from flask import Response, stream_with_context

from app.services.exchange.open_data import CODEBOOK, ROWS
from app.services.people.users import get_user
from app.web.api import bp, caller, params
from app.web.api.resources import page_url

EXPORT_TYPES = {name: name for name in CODEBOOK}
# A spreadsheet runs a cell that starts like a formula; these get an apostrophe first
# (OWASP's advice for CSV injection). The JSON export keeps every value as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = ";".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_lines(rows: Iterator[dict], columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _rows(kind: str) -> Iterator[dict]:
    """The rows, read while the response streams. The caller is looked up again then:
    the request's database session has ended by the time the first row is sent."""
    user_id = caller().id if caller() is not None else None
    yield from ROWS[kind](get_user(user_id) if user_id is not None else None, page_url)


@bp.get("/export.csv")
def export_csv():
    kind = params.choice("type", EXPORT_TYPES) or "cases"
    lines = _csv_lines(_rows(kind), list(CODEBOOK[kind]))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="casusbank-{kind}.csv"'})


def _json_chunks() -> Iterator[str]:
    generated = datetime.now(timezone.utc).isoformat()
    yield '{"generated_at": ' + json.dumps(generated)
    for kind in ROWS:
        yield f', "{kind}": ['
        for number, row in enumerate(_rows(kind)):
            yield ("," if number else "") + json.dumps(row, ensure_ascii=False)
        yield "]"
    yield "}\n"


@bp.get("/export.json")
def export_json():
    return Response(stream_with_context(_json_chunks()),
                    mimetype="application/json",
                    headers={"Content-Disposition":
                             'attachment; filename="casusbank.json"'})
