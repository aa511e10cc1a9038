"""Who may see and do what. The one home of these rules.

Visibility is decided by `access_grants`: the list of ways a user may see an item. An
item is visible when its `access_values()` meet every constraint of at least one grant.
That single rule is then applied three ways, mechanically: to an object in Python
(`can_view`), as an SQL condition (`visible_condition`), and inside the search query
(the search package compiles the same grants). Pages, lists, counts and search all go
through here; nothing else decides visibility.

The rule, in words (the README says the same to users):
- public: anyone; internal: every signed-in user; group: members of the item's learning
  group; private: the author alone — editors and admins cannot read it either;
- for readers who are not editors, all of that only once the item is published;
- editors and admins read every item that is not private, in every status and whatever
  its group: they review it before publication and curate it after (archive, feature,
  merge), which they cannot do to what they cannot read;
- the author always sees their own items.

`listed=True` narrows any grant to published items: what counts for the shared parts of
the site (lists, counts, search, similar cases, feeds). Drafts live on their own pages,
the author's overview and the editors' desk.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from app.models import ItemMixin, Revision, SiteRole, Status, Visibility

Grant = dict[str, set[str]]

PUBLISHED = frozenset({Status.PUBLISHED.value})
SHARED = frozenset(v.value for v in Visibility if v != Visibility.PRIVATE)


def authenticated(user) -> bool:
    """An account, signed in, whether or not it is still active: who did something. The
    audit log names such an actor even when the change it records deactivates it."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def signed_in(user) -> bool:
    """An account that is signed in and still active: the least every permission asks.
    `None` (no one signed in, e.g. a feed made for everyone) is never signed in."""
    return authenticated(user) and bool(user.is_active)


def is_editor(user) -> bool:
    """Editors and admins curate: the desk, the workflow, featured cases, the taxonomy."""
    return signed_in(user) and user.site_role in (SiteRole.EDITOR, SiteRole.ADMIN)


def is_admin(user) -> bool:
    """Admins manage accounts and group membership and read the audit log."""
    return signed_in(user) and user.site_role == SiteRole.ADMIN


def is_author(user, item: ItemMixin) -> bool:
    return signed_in(user) and item.owner_id == user.id


def is_private(visibility: str | None) -> bool:
    """Private means the author alone: no one else reads the item, editors and admins
    neither, so nothing shown to others may name it (the audit log, the front page, a
    reading list). A visibility value rather than an item, because a revision keeps the
    visibility the item had then."""
    return visibility == Visibility.PRIVATE


def is_private_from(user, item: ItemMixin, revision: Revision | None = None) -> bool:
    """Whether `item` is private and `user` is not its author: then `user` learns nothing
    of it. With `revision`, about that earlier version instead: it was private if it
    said so then, whatever the item says now."""
    visibility = item.visibility if revision is None else revision.fields.get("visibility")
    return is_private(visibility) and not is_author(user, item)


def access_grants(user, *, listed: bool = False) -> list[Grant]:
    grants: list[Grant] = [{"status": set(PUBLISHED), "visibility": {Visibility.PUBLIC.value}}]
    if signed_in(user):
        grants.append({"status": set(PUBLISHED), "visibility": {Visibility.INTERNAL.value}})
        grants.append({"status": set(PUBLISHED), "visibility": {Visibility.GROUP.value},
                       "groups": {str(group_id) for group_id in user.group_ids}})
        grants.append({"owner": {str(user.id)}})
        if is_editor(user):
            grants.append({"visibility": set(SHARED)})
    if listed:
        grants = [{**grant, "status": grant.get("status", set(PUBLISHED)) & PUBLISHED}
                  for grant in grants]
    return grants


def _meets(values: dict[str, set[str]], grants: list[Grant]) -> bool:
    return any(all(values[field] & allowed for field, allowed in grant.items())
               for grant in grants)


def can_view(user, item: ItemMixin) -> bool:
    return _meets(item.access_values(), access_grants(user))


def could_read_when_published(user, item: ItemMixin) -> bool:
    """Whether `user` may read `item` now, or could while it was published (if it ever
    was): who an old address of an item archived since (merged into another) may still
    lead somewhere. Anyone else learns nothing from that address, not even that it
    existed. The same grants as can_view, with the item's status taken as published."""
    if can_view(user, item):
        return True
    if item.published_at is None:
        return False
    return _meets({**item.access_values(), "status": set(PUBLISHED)}, access_grants(user))


def is_listed(user, item: ItemMixin) -> bool:
    """Whether `item` belongs in the shared lists `user` sees (visible and published)."""
    return _meets(item.access_values(), access_grants(user, listed=True))


def visible_condition(user, model: type[ItemMixin], *, listed: bool = False
                      ) -> ColumnElement[bool]:
    """The same rule as `can_view` (or `is_listed`), as a WHERE clause over `model`."""
    clauses = [
        and_(*(model.access_condition(field, allowed) for field, allowed in grant.items()))
        for grant in access_grants(user, listed=listed)
        if all(grant.values())
    ]
    return or_(*clauses) if clauses else false()


def reviewable_condition(user, model: type[ItemMixin]) -> ColumnElement[bool]:
    """What `can_review` allows, as SQL: the items the editors' desk may list."""
    if not is_editor(user):
        return false()
    return and_(visible_condition(user, model), model.visibility != Visibility.PRIVATE)


def can_curate_reading_list(user, group) -> bool:
    """A learning group's reading list is kept by its members and by the editors."""
    return is_editor(user) or (signed_in(user) and group.id in user.group_ids)


def can_submit(user) -> bool:
    """Any signed-in, active account may write cases and reflections."""
    return signed_in(user)


def can_edit(user, item: ItemMixin) -> bool:
    """The author, and editors for everything they can read (never a private item)."""
    return is_author(user, item) or (is_editor(user) and can_view(user, item))


def can_review(user, item: ItemMixin) -> bool:
    """Publish, send back, archive: editors, on items that are not private."""
    return is_editor(user) and not is_private(item.visibility)
