"""One bare instance per Flask extension; `create_app` binds them to the app."""
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
# Keyed by client address (behind a proxy: see TRUSTED_PROXIES); settings from config.
limiter = Limiter(get_remote_address)
babel = Babel()
