"""Settings come from the environment, with safe defaults and no secret in the code."""
import stat
from pathlib import Path

from flask import Flask

from app.config import PROJECT_DIR, configure, settings_from_environment
from tests.support import app_from, close_app


def test_defaults_keep_everything_inside_the_project(tmp_path):
    settings = settings_from_environment({}, str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'casusbank.sqlite'}"
    assert settings["SEARCH_INDEX_DIR"] == str(PROJECT_DIR / "search_index")
    assert settings["CONTENT_DIR"] == str(PROJECT_DIR / "content")
    assert settings["SERVE_BIND"] == "127.0.0.1:5000" and settings["SERVE_WORKERS"] == 2
    assert settings["SECRET_KEY"] is None and settings["SESSION_COOKIE_SECURE"] is False


def test_every_setting_can_come_from_the_environment(tmp_path):
    settings = settings_from_environment({
        "DATABASE_URL": "postgresql+psycopg://db/casusbank",
        "SEARCH_INDEX_DIR": "/srv/index",
        "CONTENT_DIR": "elders",
        "SECRET_KEY": "s3cret",
        "MAX_REQUEST_BYTES": "5000",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256",
        "SESSION_COOKIE_SECURE": "1",
        "INDEXER_POLL_SECONDS": "2",
        "INDEXER_BATCH_SIZE": "50",
        "SERVE_BIND": "0.0.0.0:8000",
        "SERVE_WORKERS": "4",
        "TRUSTED_HOSTS": "casusbank.example.nl, .rijksoverheid.example",
    }, str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/casusbank"
    assert settings["SEARCH_INDEX_DIR"] == "/srv/index"
    assert settings["CONTENT_DIR"] == str(PROJECT_DIR / "elders")
    assert (settings["SECRET_KEY"], settings["MAX_CONTENT_LENGTH"]) == ("s3cret", 5000)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert (settings["INDEXER_POLL_SECONDS"], settings["INDEXER_BATCH_SIZE"]) == (2.0, 50)
    assert (settings["SERVE_BIND"], settings["SERVE_WORKERS"]) == ("0.0.0.0:8000", 4)
    assert settings["TRUSTED_HOSTS"] == ["casusbank.example.nl", ".rijksoverheid.example"]


def test_a_request_for_another_host_is_refused(tmp_path, empty_library):
    """A forged Host header would otherwise end up in absolute links and feed ids."""
    app = app_from(empty_library, tmp_path, TRUSTED_HOSTS=["casusbank.example.nl"])
    try:
        client = app.test_client()
        assert client.get("/privacy", base_url="http://casusbank.example.nl").status_code == 200
        refused = client.get("/privacy", base_url="http://elders.example")
        assert refused.status_code == 400
    finally:
        close_app(app)


def test_without_a_secret_key_one_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = Flask("first", instance_path=str(tmp_path / "instance"))
    configure(first)
    second = Flask("second", instance_path=str(tmp_path / "instance"))
    configure(second)
    key_file = Path(first.instance_path) / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(key_file.parent.iterdir()) == [key_file]   # no draft left behind


def test_overrides_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = Flask("x", instance_path=str(tmp_path))
    configure(app, {"SECRET_KEY": "from-test"})
    assert app.config["SECRET_KEY"] == "from-test"
