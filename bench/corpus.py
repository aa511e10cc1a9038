"""Reading a JSON-lines corpus and mapping its fields onto a case's title, summary, body."""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    summary: str
    body: str


def parse_mapping(text: str) -> dict[str, list[str]]:
    """'title=F,summary=F,body=F+G' -> {"title": ["F"], "summary": ["F"], "body": ["F", "G"]}"""
    mapping = {}
    for part in filter(None, text.split(",")):
        target, _, sources = part.partition("=")
        if target not in {"title", "summary", "body"} or not sources:
            raise SystemExit(f"--map: '{part}' is not title=…, summary=… or body=…")
        mapping[target] = sources.split("+")
    if "body" not in mapping:
        raise SystemExit("--map needs at least body=FIELD")
    return mapping


def records(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _joined(record: dict, fields: list[str]) -> str:
    return "\n\n".join(str(record[name]) for name in fields if record.get(name))


def documents(path: Path, id_field: str, mapping: dict[str, list[str]],
              limit: int | None = None) -> list[Document]:
    """A document without a mapped title gets its id as title."""
    found = []
    for record in records(path):
        doc_id = str(record[id_field])
        found.append(Document(doc_id, _joined(record, mapping.get("title", [])) or doc_id,
                              _joined(record, mapping.get("summary", [])),
                              _joined(record, mapping["body"])))
        if limit and len(found) >= limit:
            break
    return found
