"""One visibility rule, three places: Python checks, SQL lists and the search index agree."""
import itertools

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from app.extensions import db
from app.indexer import worker as index_worker
from app.indexer.handle import search_index
from app.models import Case, LearningGroup, Reflection, User
from app.search import SearchRequest, run_search
from app.services.permissions import access_grants, can_submit, can_view, visible_condition

VISIBILITIES = ("private", "group", "internal", "public")
STATUSES = ("published", "draft")


@pytest.fixture
def grid(app, users):
    """One case and one reflection for every visibility × status × owner × group."""
    with app.app_context():
        water = db.session.scalar(select(LearningGroup).where(LearningGroup.slug == "water"))
        owners = (None, users["member"], users["outsider"])
        for number, (visibility, status, owner, in_group) in enumerate(
                itertools.product(VISIBILITIES, STATUSES, owners, (True, False))):
            db.session.add(Case(slug=f"grid-{number}", title=f"Grid {number}",
                                visibility=visibility, status=status, owner_id=owner,
                                groups=[water] if in_group else []))
            db.session.add(Reflection(title=f"Grid {number}", visibility=visibility,
                                      status=status, owner_id=owner,
                                      group=water if in_group else None))
        db.session.commit()
        index_worker.sync(search_index())
    return app


def viewers(users):
    yield "anonymous", AnonymousUserMixin()
    for name in ("member", "outsider", "editor"):
        yield name, db.session.get(User, users[name])


def _keys_by_python(user):
    return {item.search_key for model in (Case, Reflection)
            for item in db.session.scalars(select(model)) if can_view(user, item)}


def _keys_by_sql(user):
    return {item.search_key for model in (Case, Reflection)
            for item in db.session.scalars(select(model).where(visible_condition(user, model)))}


def _keys_by_search(user):
    with search_index().open().searcher() as searcher:
        page = run_search(searcher, SearchRequest(page_length=10_000), access_grants(user))
    return {hit.key for hit in page.hits}


def test_python_sql_and_search_agree_for_every_viewer(grid, users):
    with grid.app_context():
        for name, user in viewers(users):
            by_python = _keys_by_python(user)
            assert by_python, name
            assert _keys_by_sql(user) == by_python, name
            assert _keys_by_search(user) == by_python, name


def _visible_cases(user):
    return list(db.session.scalars(select(Case).where(visible_condition(user, Case))))


def test_anonymous_readers_see_published_public_items_only(grid, users):
    with grid.app_context():
        cases = _visible_cases(AnonymousUserMixin())
        assert cases and {(c.visibility, c.status) for c in cases} == {("public", "published")}


def test_signed_in_readers_see_internal_too(grid, users):
    with grid.app_context():
        outsider = db.session.get(User, users["outsider"])
        seen = {(c.visibility, c.status) for c in _visible_cases(outsider) if c.owner_id is None}
        assert seen == {("public", "published"), ("internal", "published")}


def test_group_items_are_for_members_of_the_group(grid, users):
    with grid.app_context():
        member = db.session.get(User, users["member"])
        outsider = db.session.get(User, users["outsider"])
        group_cases = [c for c in db.session.scalars(select(Case).where(
            Case.visibility == "group", Case.status == "published", Case.owner_id.is_(None)))]
        assert all(can_view(member, c) == bool(c.groups) for c in group_cases)
        assert not any(can_view(outsider, c) for c in group_cases)


def test_authors_see_their_own_drafts_and_private_items(grid, users):
    with grid.app_context():
        member = db.session.get(User, users["member"])
        own = [c for c in db.session.scalars(select(Case).where(Case.owner_id == member.id))]
        assert own and all(can_view(member, c) for c in own)


def test_private_items_are_hidden_from_editors_too(grid, users):
    with grid.app_context():
        editor = db.session.get(User, users["editor"])
        private = db.session.scalars(select(Case).where(Case.visibility == "private")).all()
        assert private and not any(can_view(editor, c) for c in private)


def test_drafts_of_others_are_hidden(grid, users):
    with grid.app_context():
        outsider = db.session.get(User, users["outsider"])
        drafts = db.session.scalars(select(Case).where(
            Case.status == "draft", Case.owner_id != outsider.id)).all()
        assert not any(can_view(outsider, c) for c in drafts)


def test_a_deactivated_account_is_treated_as_signed_out(ctx, users):
    user = db.session.get(User, users["member"])
    user.active = False
    assert access_grants(user) == access_grants(AnonymousUserMixin())
    assert not can_submit(user)


def test_only_signed_in_users_may_submit(ctx, users):
    assert can_submit(db.session.get(User, users["outsider"]))
    assert not can_submit(AnonymousUserMixin())
    assert not can_submit(None)
