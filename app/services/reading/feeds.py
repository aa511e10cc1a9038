"""Atom feeds (RFC 4287) of newly published cases and reflections.

A feed address gets pasted into feed readers, shared and kept by caches, so what it holds
must not depend on who asks: every feed is made for an anonymous reader, even when the
request carries a session. That reader is `None`, nobody signed in, so no user ever comes
in from the caller or from Flask-Login. The items come through
`visible_condition(..., listed=True)` like every other shared list; nothing here decides
visibility on its own.

The XML is built with ElementTree, which escapes every text and attribute it writes, so a
title such as `<script>` or `A & B` reaches the reader as text and never as markup.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # nosec B405  # only builds XML, never parses any
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, LearningGroup, Reflection, Role
from app.services.permissions import visible_condition

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_SIZE = 50
SUMMARY_LENGTH = 300
AUTHOR = "Redactie Casusbank"
# A feed with no entries still needs an `updated`; a fixed moment keeps it cacheable.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Characters XML 1.0 cannot carry at all; input checks refuse them, this is the backstop
# that keeps one odd imported value from making the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DNS_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")
TAG_KINDS = {"case": "casus", "reflection": "reflectie"}
NOBODY = None  # the reader every feed is made for: permissions.signed_in(None) is False

ET.register_namespace("", ATOM)

Item = Case | Reflection


@dataclass(frozen=True)
class FeedAddresses:
    """The absolute addresses a feed names. The web layer knows them; this module does
    not, so that it never needs a request to build a document."""

    feed: str                     # the feed itself: rel=self, and the feed's id
    page: str                     # the page the feed follows: rel=alternate
    roles: str                    # the roles overview: the scheme of role categories
    host: str                     # the host name that mints the entries' tag: ids
    item: Callable[[Item], str]   # an item's page


def _newest(model: type[Item], *conditions) -> list[Item]:
    roles = ((selectinload(Case.roles),) if model is Case else
             (selectinload(Reflection.roles_acted), selectinload(Reflection.roles_asked)))
    statement = (select(model).where(visible_condition(NOBODY, model, listed=True),
                                     *conditions)
                 .options(*roles)
                 .order_by(model.published_at.desc(), model.id.desc())
                 .limit(FEED_SIZE))
    return list(db.session.scalars(statement))


def _merged(*lists: list[Item]) -> list[Item]:
    """The newest FEED_SIZE of several lists that are each newest first."""
    items = [item for part in lists for item in part]
    items.sort(key=lambda item: (_published(item), item.search_kind, item.id), reverse=True)
    return items[:FEED_SIZE]


def newest_cases() -> list[Item]:
    return _newest(Case)


def newest_reflections() -> list[Item]:
    return _newest(Reflection)


def newest_for_role(role: Role) -> list[Item]:
    """Cases with the role, and reflections that acted from it or were asked for it."""
    return _merged(
        _newest(Case, Case.roles.any(Role.id == role.id)),
        _newest(Reflection, or_(Reflection.roles_acted.any(Role.id == role.id),
                                Reflection.roles_asked.any(Role.id == role.id))),
    )


def newest_for_group(group: LearningGroup) -> list[Item]:
    return _merged(
        _newest(Case, Case.groups.any(LearningGroup.id == group.id)),
        _newest(Reflection, Reflection.group_id == group.id),
    )


def _published(item: Item) -> datetime:
    return item.published_at or item.created_at


def _updated(item: Item) -> datetime:
    """Not before publication: an imported item can carry an older edit time."""
    return max(_published(item), item.updated_at or _published(item))


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as Atom's date constructs require."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _shortened(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """At most `limit` characters, cut between words, so a reader sees whole words."""
    text = " ".join(_text(text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def _summary(item: Item) -> str:
    if isinstance(item, Case):
        return _shortened(item.summary)
    return _shortened(item.lesson or item.situation)


def entry_id(item: Item, addresses: FeedAddresses) -> str:
    """A tag: URI (RFC 4151) of the item's kind and number: it survives a new title and
    a new address. A host that is no DNS name (an IPv6 literal) cannot mint a tag, so
    then the item's own address serves, which is just as stable."""
    if not _DNS_NAME.fullmatch(addresses.host):
        return addresses.item(item)
    minted = item.created_at.astimezone(timezone.utc).date().isoformat()
    return f"tag:{addresses.host},{minted}:{TAG_KINDS[item.search_kind]}-{item.id}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}",
                            {key: _text(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _entry(feed: ET.Element, item: Item, addresses: FeedAddresses) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id(item, addresses))
    _add(entry, "title", item.title, type="text")
    _add(entry, "updated", _timestamp(_updated(item)))
    _add(entry, "published", _timestamp(_published(item)))
    _add(entry, "link", rel="alternate", type="text/html", href=addresses.item(item))
    _add(entry, "summary", _summary(item), type="text")
    for role in item.roles:
        _add(entry, "category", term=role.id, label=role.label, scheme=addresses.roles)


def atom_document(title: str, items: list[Item], addresses: FeedAddresses) -> bytes:
    """The feed as UTF-8 XML: the feed's own elements first, then one entry per item."""
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: "nl"})
    _add(feed, "id", addresses.feed)
    _add(feed, "title", title, type="text")
    newest = max((_updated(item) for item in items), default=EMPTY_FEED_UPDATED)
    _add(feed, "updated", _timestamp(newest))
    _add(feed, "link", rel="self", type="application/atom+xml", href=addresses.feed)
    _add(feed, "link", rel="alternate", type="text/html", href=addresses.page)
    author = _add(feed, "author")
    _add(author, "name", AUTHOR)
    for item in items:
        _entry(feed, item, addresses)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
