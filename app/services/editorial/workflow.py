"""The editorial workflow: draft → submitted → published, sent back, archived.

Authors write and submit; editors publish what was submitted, send back (with a comment)
or archive. A draft is the author's until they hand it in: editors read it, but do not
publish it. Only published items count for the shared parts of the site (services/permissions.py,
`listed`). A case merged into another (merge.py) stays archived: no step moves it.

Two shortcuts, both because no one but the author reads the item:
- a private item is published as soon as its author submits it;
- an author may edit their published item without a new review, unless the edit widens
  who can read it (private → group → internal → public): then it goes back to the queue.
"""
from __future__ import annotations

from collections.abc import Callable

from app.extensions import db
from app.models import ItemMixin, Status, Visibility, utcnow
from app.services.contributing.revisions import record_revision
from app.services.editorial import audit
from app.services.permissions import can_review, can_view, is_author, is_private
from app.services.validation import Refused

# Who can read, from fewest to most readers.
REACH = (Visibility.PRIVATE, Visibility.GROUP, Visibility.INTERNAL, Visibility.PUBLIC)
MAX_COMMENT = 2_000


def _widens(before: str | None, after: str) -> bool:
    return before is not None and REACH.index(after) > REACH.index(before)


def _publish_now(item: ItemMixin) -> None:
    item.status = Status.PUBLISHED
    item.published_at = item.published_at or utcnow()


def _enter_queue(item: ItemMixin) -> None:
    item.status = Status.SUBMITTED
    item.submitted_at = utcnow()
    item.review_comment = ""


def status_after_save(user, item: ItemMixin, *, submit: bool,
                      previous_visibility: str | None) -> str | None:
    """Set the status a save leaves `item` in; returns the audit action it amounts to.

    `previous_visibility` is None for a new item. Editors editing someone else's item
    leave its status alone: they move it with the buttons of the desk.
    """
    new = previous_visibility is None
    if not new and (not is_author(user, item) or _merged(item)):
        return None
    if is_private(item.visibility):
        if submit:
            _publish_now(item)
        elif new:
            item.status = Status.DRAFT
        return None
    if item.status == Status.PUBLISHED and not new:
        if _widens(previous_visibility, item.visibility):
            _enter_queue(item)
            return "submitted"
        return None
    if submit and item.status != Status.SUBMITTED:
        _enter_queue(item)
        return "submitted"
    if new:
        item.status = Status.DRAFT
    return None


def record_save(user, item: ItemMixin, snapshot: Callable[[ItemMixin], dict], *,
                submit: bool, previous_visibility: str | None, reason: str,
                detail: str = "") -> None:
    """What every save of an item adds besides the item: its status, a revision holding
    `snapshot(item)` and, when it enters the queue, an audit entry. Not committed: the
    caller commits it all with the item, in one transaction."""
    action = status_after_save(user, item, submit=submit,
                               previous_visibility=previous_visibility)
    # Read back as stored: lists in the database's order (roles by quadrant, …), not in
    # the order the form sent them, or the next save would look like a change.
    db.session.flush()
    db.session.refresh(item)
    record_revision(item, snapshot(item), user, reason, detail)
    if action:
        audit.record(user, action, item)


def _merged(item: ItemMixin) -> bool:
    return getattr(item, "merged_into_id", None) is not None


def _step(user, item: ItemMixin, action: str, allowed_from: set[Status], detail: str = ""):
    if _merged(item):
        raise Refused("merged")
    if item.status not in allowed_from:
        raise Refused(f"cannot_{action}")
    audit.record(user, action, item, detail)


def submit(user, item: ItemMixin) -> None:
    """The author hands in a draft (or a sent-back or archived item) for review."""
    if not is_author(user, item):
        raise PermissionError("only the author submits an item")
    if is_private(item.visibility):
        if item.status == Status.PUBLISHED:
            raise Refused("cannot_submitted")
        _publish_now(item)
    else:
        _step(user, item, "submitted", {Status.DRAFT, Status.SENT_BACK, Status.ARCHIVED})
        _enter_queue(item)
    db.session.commit()


def _review(user, item: ItemMixin) -> None:
    if not (can_view(user, item) and can_review(user, item)):
        raise PermissionError("only editors review items they can read")


def publish(user, item: ItemMixin) -> None:
    _review(user, item)
    if item.status == Status.DRAFT:
        raise Refused("not_submitted")
    _step(user, item, "published", {Status.SUBMITTED, Status.SENT_BACK, Status.ARCHIVED})
    _publish_now(item)
    item.review_comment = ""
    db.session.commit()


def send_back(user, item: ItemMixin, comment: str) -> None:
    """Back to the author with the editor's comment, which the author sees on the item."""
    _review(user, item)
    comment = (comment or "").strip()
    if not comment:
        raise Refused("comment_required")
    if len(comment) > MAX_COMMENT:
        raise Refused("comment_too_long")
    _step(user, item, "sent_back", {Status.SUBMITTED, Status.PUBLISHED}, comment)
    item.status = Status.SENT_BACK
    item.review_comment = comment
    db.session.commit()


def archive(user, item: ItemMixin) -> None:
    _review(user, item)
    _step(user, item, "archived",
          {Status.DRAFT, Status.SUBMITTED, Status.SENT_BACK, Status.PUBLISHED})
    item.status = Status.ARCHIVED
    db.session.commit()


STEPS = {"publiceren": publish, "archiveren": archive, "indienen": submit}
