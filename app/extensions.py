"""One bare instance per Flask extension; `create_app` binds them to the app."""
import logging
import threading
import time

from flask import Flask, current_app, has_app_context
from flask.logging import default_handler
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


def _per_app(name: str) -> property:
    """An attribute Flask-Limiter keeps on the Limiter that AppLimiter keeps per app."""
    return property(lambda self: self._state().get(name),
                    lambda self, value: self._state().__setitem__(name, value))


class AppLimiter(Limiter):
    """A Limiter whose counters, and whose stand-in while their storage is down, belong to
    the app it counts for.

    Flask-Limiter keeps its storage on the Limiter object, so a second app made in the same
    process would count in the storage of whichever app was made last: two apps standing
    for two nodes (as the tests make them) would share memory:// counters that real nodes
    never share. The same goes for "Redis is down, count in memory meanwhile" and for when
    to try Redis again: one app's outage must not switch another app over. So those are
    kept per app, as each node's process keeps them. What stays on the Limiter is set
    alike for every app (the in-memory fallback is always on) or only by tests
    (`RATELIMIT_ENABLED=False` switches limiting off for the whole process).
    """

    _APP_KEY = "casusbank.rate_limits"
    _storage = _per_app("_storage")
    _limiter = _per_app("_limiter")
    _storage_dead = _per_app("_storage_dead")
    _fallback_storage = _per_app("_fallback_storage")
    _fallback_limiter = _per_app("_fallback_limiter")
    # Flask-Limiter's own `self.__check_backend_count` and `self.__last_check_backend`.
    _Limiter__check_backend_count = _per_app("_Limiter__check_backend_count")
    _Limiter__last_check_backend = _per_app("_Limiter__last_check_backend")
    _PER_APP = ("_storage", "_limiter", "_fallback_storage", "_fallback_limiter")
    _binding = threading.local()   # this thread is binding an app (see _state)

    def _state(self) -> dict:
        """The state of the app in context; the Limiter's own while this thread binds an
        app (which may happen inside another app's context) and outside any app."""
        if getattr(self._binding, "active", False) or not has_app_context():
            return self.__dict__
        return current_app.extensions.get(self._APP_KEY, self.__dict__)

    def init_app(self, app: Flask) -> None:
        self._binding.active = True
        try:
            super().init_app(app)
        finally:
            self._binding.active = False
        if self.enabled:
            app.extensions[self._APP_KEY] = {
                **{name: self.__dict__.get(name) for name in self._PER_APP},
                "_storage_dead": False, "_Limiter__check_backend_count": 0,
                "_Limiter__last_check_backend": time.time()}
        _log_to_the_servers_error_log(logging.getLogger("flask-limiter"))


def _log_to_the_servers_error_log(logger: logging.Logger) -> None:
    """Flask-Limiter gives its logger only a NullHandler, which also stops Python's
    last-resort output: its warning that Redis cannot be reached would go nowhere. Flask's
    own handler writes to the request's error stream (gunicorn's error log) or stderr."""
    if default_handler not in logger.handlers:
        logger.addHandler(default_handler)


# Keyed by client address (behind a proxy: see TRUSTED_PROXIES); settings from config,
# counters in RATELIMIT_STORAGE_URI.
limiter = AppLimiter(get_remote_address)
babel = Babel()
