"""Account services and the `flask user` commands: changes, their audit entries, and the
rule that the site keeps an active admin."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.people import sessions
from app.services.people import users as user_service
from app.services.people.accounts import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    change_password,
    create_user,
    find_user,
)
from app.services.validation import ValidationFailed
from tests.support import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def log(app, action=None) -> list[AuditEntry]:
    """The audit entries, oldest first, read in a fresh session (so only what was committed)."""
    with app.app_context():
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        entries = list(db.session.scalars(statement))
        db.session.expunge_all()
        return entries


def account(app, email) -> User:
    with app.app_context():
        user = find_user(email)
        groups = [group.slug for group in user.groups]
        db.session.expunge_all()
    user.group_slugs = groups
    return user


@pytest.fixture
def admin(app, users):
    with app.app_context():
        return create_user("beheer@example.nl", "Beheerder", PASSWORD, "admin").id


# --- the commands ---------------------------------------------------------------------------

def test_user_create_is_audited_as_the_command_line(app):
    result = run(app, "user", "create", "nieuw@example.nl", "--name", "Nieuw",
                 "--password", PASSWORD, "--group", "water")
    assert result.exit_code == 0, result.output
    [entry] = log(app, "user_created")
    assert (entry.actor_id, entry.actor_email) == (None, "cli")
    assert entry.target_label == "nieuw@example.nl" and entry.detail == "participant; water"


def test_user_list_shows_every_account_as_a_table(app, users, admin):
    with app.app_context():
        authenticate("lid@example.nl", PASSWORD)
    result = run(app, "user", "list")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == ["EMAIL", "NAME", "ROLE", "ACTIVE", "GROUPS", "LAST", "SIGN-IN"]
    assert len(rows) == 4
    member = next(row for row in rows if row.startswith("lid@example.nl"))
    assert "Lid Water" in member and "participant" in member and "water" in member
    assert " yes " in member and "never" not in member
    outsider = next(row for row in rows if row.startswith("buiten@example.nl"))
    assert outsider.rstrip().endswith("never")
    # columns line up: every row has its role where the header has ROLE
    column = header.index("ROLE")
    assert all(row[column:].split()[0] in {"participant", "editor", "admin"} for row in rows)


def test_user_list_narrows_to_a_role(app, users, admin):
    result = run(app, "user", "list", "--role", "editor")
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == [
        "redactie@example.nl"]


def test_set_role_changes_the_role_and_writes_the_log(app, users):
    result = run(app, "user", "set-role", "LID@example.nl", "editor")
    assert result.exit_code == 0, result.output
    assert "lid@example.nl: role_changed" in result.output
    assert account(app, "lid@example.nl").site_role == "editor"
    [entry] = log(app, "role_changed")
    assert (entry.actor_id, entry.actor_email) == (None, "cli")
    assert entry.target == f"user:{users['member']}" and entry.detail == "participant → editor"


def test_set_role_to_the_same_role_changes_nothing(app, users):
    result = run(app, "user", "set-role", "lid@example.nl", "participant")
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert log(app, "role_changed") == []


def test_set_role_refuses_an_unknown_role(app, users):
    result = run(app, "user", "set-role", "lid@example.nl", "koning")
    assert result.exit_code == 2 and "koning" in result.output


@pytest.mark.parametrize("command", [["set-role", "x@example.nl", "editor"],
                                     ["deactivate", "x@example.nl"],
                                     ["activate", "x@example.nl"],
                                     ["set-groups", "x@example.nl", "--group", "water"]])
def test_an_unknown_address_is_a_clear_error(app, users, command):
    result = run(app, "user", *command)
    assert result.exit_code == 1
    assert "no account with e-mail address 'x@example.nl'" in result.output


def test_deactivate_and_activate(app, users):
    result = run(app, "user", "deactivate", "lid@example.nl")
    assert result.exit_code == 0 and "user_deactivated" in result.output
    assert account(app, "lid@example.nl").active is False
    with app.app_context():
        assert authenticate("lid@example.nl", PASSWORD) is None
    assert run(app, "user", "activate", "lid@example.nl").exit_code == 0
    assert account(app, "lid@example.nl").active is True
    actions = [(e.action, e.actor_email, e.detail) for e in log(app)
               if e.action in ("user_deactivated", "user_activated")]
    assert actions == [("user_deactivated", "cli", "active → inactive"),
                       ("user_activated", "cli", "inactive → active")]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app, users, admin):
    for command in (["set-role", "beheer@example.nl", "editor"],
                    ["deactivate", "beheer@example.nl"]):
        result = run(app, "user", *command)
        assert result.exit_code == 1
        assert ("refused: beheer@example.nl is the last active admin; make another account"
                " admin first") in result.output
    user = account(app, "beheer@example.nl")
    assert (user.site_role, user.active) == ("admin", True)
    assert log(app, "role_changed") == [] and log(app, "user_deactivated") == []


def test_an_admin_may_step_down_once_there_is_another(app, users, admin):
    assert run(app, "user", "set-role", "redactie@example.nl", "admin").exit_code == 0
    result = run(app, "user", "set-role", "beheer@example.nl", "participant")
    assert result.exit_code == 0, result.output
    # and now the other one is the last
    assert run(app, "user", "deactivate", "redactie@example.nl").exit_code == 1


def test_an_inactive_admin_does_not_count_as_the_admin_to_keep(app, users, admin):
    assert run(app, "user", "set-role", "redactie@example.nl", "admin").exit_code == 0
    assert run(app, "user", "deactivate", "redactie@example.nl").exit_code == 0
    assert run(app, "user", "deactivate", "beheer@example.nl").exit_code == 1
    # demoting the inactive one is fine: it was not keeping the site managed
    assert run(app, "user", "set-role", "redactie@example.nl", "editor").exit_code == 0


def test_set_groups(app, users):
    result = run(app, "user", "set-groups", "buiten@example.nl", "--group", "water")
    assert result.exit_code == 0, result.output
    assert account(app, "buiten@example.nl").group_slugs == ["water"]
    [entry] = log(app, "membership_changed")
    assert (entry.actor_email, entry.detail) == ("cli", "- → water")
    assert run(app, "user", "set-groups", "buiten@example.nl", "--none").exit_code == 0
    assert account(app, "buiten@example.nl").group_slugs == []


@pytest.mark.parametrize("arguments, code, says", [
    ([], 2, "give either --group SLUG (repeatable) or --none"),
    (["--group", "water", "--none"], 2, "give either --group SLUG (repeatable) or --none"),
    (["--group", "bestaat-niet"], 1, "groups has an unknown value: bestaat-niet"),
])
def test_set_groups_needs_a_clear_wish(app, users, arguments, code, says):
    result = run(app, "user", "set-groups", "lid@example.nl", *arguments)
    assert result.exit_code == code and says in result.output
    assert account(app, "lid@example.nl").group_slugs == ["water"]


# --- the services ---------------------------------------------------------------------------

def test_an_update_is_all_or_nothing(ctx, users):
    member = db.session.get(User, users["member"])
    with pytest.raises(ValidationFailed) as failure:
        user_service.update(None, member, name="Andere Naam", site_role="editor",
                     group_slugs=["bestaat-niet"])
    assert list(failure.value.errors) == ["groups"]
    db.session.expire_all()
    assert (member.name, member.site_role) == ("Lid Water", "participant")
    assert db.session.scalars(select(AuditEntry.action)).all() == ["user_created"] * 3


def test_an_update_writes_one_entry_per_change_by_the_actor(ctx, users):
    editor = db.session.get(User, users["editor"])
    member = db.session.get(User, users["member"])
    done = user_service.update(editor, member, name="Lid Water-Zuivering", site_role="editor",
                        active=False, group_slugs=[])
    assert done == ["user_changed", "role_changed", "user_deactivated", "membership_changed"]
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[3:]
    assert [(e.action, e.actor_id, e.actor_email) for e in entries] == [
        (action, editor.id, "redactie@example.nl") for action in done]
    assert entries[0].detail == "Lid Water → Lid Water-Zuivering"


def test_list_users_filters_by_role_and_searches_name_and_address(ctx, users):
    assert [u.email for u in user_service.list_users(role="editor")] == [
        "redactie@example.nl"]
    assert [u.email for u in user_service.list_users(search="WATER")] == ["lid@example.nl"]
    assert [u.email for u in user_service.list_users(search="buiten@")] == [
        "buiten@example.nl"]
    assert user_service.list_users(search="%") == []
    assert user_service.list_users(page=1).total == 3


def test_a_deactivated_account_loses_its_session_for_good(ctx, users):
    member = db.session.get(User, users["member"])
    token = sessions.start(member)
    assert sessions.session_user(member.get_id(), token) is member
    user_service.deactivate(None, member, actor_email="cli")
    assert sessions.session_user(member.get_id(), token) is None
    user_service.activate(None, member, actor_email="cli")
    assert sessions.session_user(member.get_id(), token) is None  # nothing comes back


def test_sign_ins_are_logged_and_failures_are_committed(app, users):
    with app.app_context():
        assert authenticate("lid@example.nl", PASSWORD) is not None
        assert authenticate("  LID@example.nl ", "wrong password") is None
        assert authenticate("niemand@example.nl", "wrong password") is None
        db.session.rollback()        # a failure must not wait for a commit that never comes
    entries = [entry for entry in log(app) if entry.action.startswith("sign_in")]
    assert [(e.action, e.actor_id, e.actor_email, e.target) for e in entries] == [
        ("sign_in", users["member"], "lid@example.nl", f"user:{users['member']}"),
        ("sign_in_failed", None, "lid@example.nl", f"user:{users['member']}"),
        ("sign_in_failed", None, "niemand@example.nl", ""),
    ]


def test_a_failed_sign_in_logs_at_most_254_characters_of_the_address(ctx):
    authenticate("x" * 300 + "@EXAMPLE.NL", "wrong password")
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert entry.actor_email == "x" * 254


@pytest.mark.parametrize("current, new, repeat, field", [
    ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "current_password"),
    (PASSWORD, "kort", "kort", "new_password"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "new_password_repeat"),
])
def test_changing_a_password_checks_it(ctx, users, current, new, repeat, field):
    member = db.session.get(User, users["member"])
    with pytest.raises(ValidationFailed) as failure:
        change_password(member, current, new, repeat)
    assert list(failure.value.errors) == [field]
    assert authenticate("lid@example.nl", PASSWORD) is not None


def test_changing_a_password(ctx, users):
    assert len(NEW_PASSWORD) >= MIN_PASSWORD_LENGTH
    member = db.session.get(User, users["member"])
    change_password(member, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert authenticate("lid@example.nl", PASSWORD) is None
    assert authenticate("lid@example.nl", NEW_PASSWORD) is member
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "password_changed")).all()
    assert (entry.actor_id, entry.target) == (member.id, f"user:{member.id}")
