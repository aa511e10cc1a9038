"""Who may see and do what. The one home of these rules.

Visibility is decided by `access_grants`: the list of ways a user may see an item. An
item is visible when its `access_values()` meet every constraint of at least one grant.
That single rule is then applied three ways, mechanically: to an object in Python
(`can_view`), as an SQL condition (`visible_condition`), and inside the search query
(the search package compiles the same grants). Pages, lists, counts and search all go
through here; nothing else decides visibility.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from app.models import ItemMixin, Status, Visibility

Grant = dict[str, set[str]]


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def access_grants(user) -> list[Grant]:
    published = {Status.PUBLISHED.value}
    grants: list[Grant] = [{"status": published, "visibility": {Visibility.PUBLIC.value}}]
    if not _signed_in(user):
        return grants
    grants.append({"status": published, "visibility": {Visibility.INTERNAL.value}})
    grants.append({"status": published, "visibility": {Visibility.GROUP.value},
                   "groups": {str(group_id) for group_id in user.group_ids}})
    # Authors see their own items whatever their status or visibility.
    grants.append({"owner": {str(user.id)}})
    return grants


def can_view(user, item: ItemMixin) -> bool:
    values = item.access_values()
    return any(
        all(values[field] & allowed for field, allowed in grant.items())
        for grant in access_grants(user)
    )


def visible_condition(user, model: type[ItemMixin]) -> ColumnElement[bool]:
    """The same rule as `can_view`, as a WHERE clause over `model`."""
    clauses = [
        and_(*(model.access_condition(field, allowed) for field, allowed in grant.items()))
        for grant in access_grants(user)
        if all(grant.values())
    ]
    return or_(*clauses) if clauses else false()


def can_submit(user) -> bool:
    """Any signed-in, active account may submit cases and reflections."""
    return _signed_in(user)
