"""The `flask` commands an operator or editor uses."""
import shutil

from sqlalchemy import select, text

from app.extensions import db
from app.models import User
from tests.support import FIXTURE_CONTENT, PASSWORD


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_user_create_with_a_password(app):
    result = run(app, "user", "create", "Nieuw@Example.nl", "--name", "Nieuwe Deelnemer",
                 "--role", "editor", "--password", PASSWORD, "--group", "water")
    assert result.exit_code == 0, result.output
    assert "created editor nieuw@example.nl" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@example.nl"))
        assert user.site_role == "editor" and [g.slug for g in user.groups] == ["water"]


def test_user_create_asks_for_the_password_twice_when_not_given(app):
    result = run(app, "user", "create", "vraag@example.nl", "--name", "Vraag",
                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and PASSWORD not in result.output


def test_user_create_explains_what_is_wrong(app):
    result = run(app, "user", "create", "geen-adres", "--name", "X", "--password", "kort")
    assert result.exit_code == 1
    assert "email is not an e-mail address" in result.output
    assert "password is too short" in result.output


def test_content_import_reports_what_changed(bare_app):
    first = run(bare_app, "content", "import", str(FIXTURE_CONTENT))
    assert first.exit_code == 0, first.output
    assert "cases: 4 new" in first.output
    second = run(bare_app, "content", "import", str(FIXTURE_CONTENT))
    assert second.output.startswith("nothing changed")


def test_content_import_leaves_statistics_for_the_query_planner(bare_app):
    """Without them SQLite sorts every published case for the front page's newest six."""
    run(bare_app, "content", "import")
    with bare_app.app_context():
        statistics = ("SELECT DISTINCT tbl FROM sqlite_stat1" if db.engine.name == "sqlite"
                      else "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")
        tables = db.session.execute(text(statistics)).scalars()
        assert {"cases", "reflections"} <= set(tables)


def test_content_import_defaults_to_the_configured_folder(bare_app):
    result = run(bare_app, "content", "import")
    assert "cases: 4 new" in result.output


def test_content_import_lists_problems_and_fails(bare_app, tmp_path):
    broken = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, broken)
    (broken / "cases" / "kapot.md").write_text("geen front matter")
    result = run(bare_app, "content", "import", str(broken))
    assert result.exit_code == 1
    assert "error: cases/kapot.md: does not start with front matter" in result.output
    assert "1 problem(s); nothing was imported" in result.output


def test_search_sync_builds_a_missing_index(bare_app):
    run(bare_app, "content", "import")
    output = run(bare_app, "search", "sync").output
    assert "no usable search index yet: building one" in output
    assert "the index holds 7 document(s)" in output


def test_search_commands(app):
    assert "applied 0 change(s)" in run(app, "search", "sync").output
    rebuilt = run(app, "search", "rebuild")
    assert rebuilt.exit_code == 0 and "rebuilt v-" in rebuilt.output
    status = run(app, "search", "status").output
    assert "index usable:        yes" in status
    assert "documents in index:  7" in status and "backlog:             0" in status
