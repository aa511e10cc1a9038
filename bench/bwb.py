"""Dutch legislation (Basis Wetten Bestand) as article-level documents, and a way to
load many of them into a Casusbank database quickly."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Case, Role, Term, TermKind
from app.models.case import case_roles
from bench.corpus import records

_ARTICLE = re.compile(r"^### ?(Artikel[^\n]*)$", re.M)
_YEAR = re.compile(r"\b(1[89]\d\d|20[0-2]\d)\b")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    category: str
    year: int | None


def articles(path: Path, limit: int) -> Iterator[Article]:
    """Each article of each regulation; a regulation without articles is one document."""
    count = 0
    for record in records(path):
        title = (record.get("title") or record["bwb_id"]).strip()
        year = _YEAR.search(title)
        parts = _ARTICLE.split(record.get("text") or "")
        units = ([(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
                 or [("", parts[0])])
        for number, (heading, body) in enumerate(units, 1):
            yield Article(f"{record['bwb_id']}-{number}",
                          f"{title[:150]} – {heading}" if heading else title[:200],
                          body.strip()[:100_000], record.get("category") or "overig",
                          int(year.group(1)) if year else None)
            count += 1
            if count >= limit:
                return


def load(docs: list[Article], batch: int = 5000) -> None:
    """Straight into the tables (the web form's checks and rendering are not what is
    measured here): public, published cases with a role each and the category as
    policy domain and organisation."""
    roles = [role.id for role in db.session.scalars(select(Role).order_by(Role.order))]
    domains = {}
    for position, category in enumerate(sorted({doc.category for doc in docs})):
        term = Term(kind=TermKind.POLICY_DOMAIN.value, slug=f"bwb-{category.lower()}",
                    label=category, position=100 + position)
        db.session.add(term)
        db.session.flush()
        domains[category] = term.id
    for start in range(0, len(docs), batch):
        chunk = docs[start:start + batch]
        rows, links = [], []
        for offset, doc in enumerate(chunk):
            number = start + offset + 1
            moment = datetime(doc.year or 2015, 1, 1, tzinfo=timezone.utc)
            rows.append({"id": number, "slug": doc.id.lower(), "title": doc.title,
                         "summary": "", "body_md": doc.body, "body_html": "",
                         "body_text": doc.body, "organisation": doc.category, "dilemma": "",
                         "year_start": doc.year, "policy_domain_id": domains[doc.category],
                         "status": "published", "visibility": "public",
                         "created_at": moment, "updated_at": moment, "published_at": moment})
            links.append({"case_id": number, "role_id": roles[number % len(roles)]})
        db.session.execute(insert(Case.__table__), rows)
        db.session.execute(insert(case_roles), links)
    db.session.commit()
