"""Models: the change log written in the same transaction, timestamps, access values."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, ChangeLog, Reflection, Role, utcnow


def _log():
    return db.session.execute(
        select(ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op).order_by(ChangeLog.id)
    ).all()


@pytest.fixture
def empty(bare_app):
    with bare_app.app_context():
        role = Role(id="netwerkend", label="Netwerkende overheid", position="onder-rechts")
        db.session.add(role)
        db.session.commit()
        yield role


def test_insert_update_delete_each_write_a_change_row(empty):
    case = Case(slug="a", title="A", roles=[empty])
    db.session.add(case)
    db.session.commit()
    case.title = "B"
    db.session.commit()
    db.session.delete(case)
    db.session.commit()
    assert _log() == [("case", case.id, "upsert"), ("case", case.id, "upsert"),
                      ("case", case.id, "delete")]


def test_rollback_drops_the_change_row_with_the_change(empty):
    db.session.add(Case(slug="a", title="A"))
    db.session.flush()
    assert len(_log()) == 1
    db.session.rollback()
    assert _log() == []
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_commit_without_net_change_writes_no_row(empty):
    case = Case(slug="a", title="A")
    db.session.add(case)
    db.session.commit()
    title = case.title  # loaded, so setting the same value is no change
    case.title = title
    db.session.commit()
    assert len(_log()) == 1


def test_changing_roles_alone_is_a_change(empty):
    case = Case(slug="a", title="A")
    db.session.add(case)
    db.session.commit()
    case.roles.append(empty)
    db.session.commit()
    assert [op for _kind, _id, op in _log()] == ["upsert", "upsert"]


def test_reflections_are_logged_under_their_own_kind(empty):
    reflection = Reflection(title="R", situation="S", intention="I")
    db.session.add(reflection)
    db.session.commit()
    assert _log() == [("reflection", reflection.id, "upsert")]


def test_each_row_gets_its_own_creation_time(empty):
    first = Case(slug="a", title="A")
    db.session.add(first)
    db.session.commit()
    second = Case(slug="b", title="B")
    db.session.add(second)
    db.session.commit()
    assert first.created_at <= second.created_at
    assert second.created_at.tzinfo is not None  # read back aware, even from SQLite


def test_naive_datetimes_are_refused(empty):
    db.session.add(Case(slug="a", title="A", published_at=datetime(2020, 1, 1)))
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_utc_round_trip(empty):
    moment = datetime(2017, 10, 5, 18, 30, tzinfo=timezone.utc)
    case = Case(slug="a", title="A", published_at=moment)
    db.session.add(case)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).published_at == moment
    assert utcnow().tzinfo is timezone.utc


def test_reflection_roles_join_acted_and_asked_once_each(empty):
    other = Role(id="rechtmatig", label="Rechtmatige overheid", position="boven-links", order=0)
    empty.order = 3
    reflection = Reflection(title="R", roles_acted=[empty, other], roles_asked=[empty])
    assert reflection.role_ids == ["rechtmatig", "netwerkend"]


def test_access_values_describe_an_item_as_strings(empty):
    case = Case(slug="a", title="A", visibility="group", status="published", owner_id=7)
    assert case.access_values() == {"status": {"published"}, "visibility": {"group"},
                                    "owner": {"7"}, "groups": set()}
