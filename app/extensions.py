"""One bare instance per Flask extension; `create_app` binds them to the app."""
from flask import Flask, current_app, has_app_context
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


class AppLimiter(Limiter):
    """A Limiter whose counters belong to the app it counts for.

    Flask-Limiter keeps one storage on the Limiter object, so a second app made in the same
    process would count in the storage of whichever app was made last: two apps standing
    for two nodes (as the tests make them) would share memory:// counters that real nodes
    never share. Each app keeps its own here, as each node's process does.
    """

    _APP_KEY = "casusbank.rate_limits"

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        if self.enabled:
            app.extensions[self._APP_KEY] = (self._storage, self._limiter)

    def _this_apps(self) -> tuple | None:
        """(storage, strategy) of the app in context; None outside one."""
        return current_app.extensions.get(self._APP_KEY) if has_app_context() else None

    @property
    def storage(self):
        own = self._this_apps()
        return own[0] if own is not None else super().storage

    @property
    def limiter(self):
        own = self._this_apps()
        if own is None or self._storage_dead:  # Flask-Limiter's in-memory fallback, when on
            return super().limiter
        return own[1]


# Keyed by client address (behind a proxy: see TRUSTED_PROXIES); settings from config,
# counters in RATELIMIT_STORAGE_URI.
limiter = AppLimiter(get_remote_address)
babel = Babel()
