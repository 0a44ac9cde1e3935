"""Flask extensions, created here and initialised in ``create_app``."""

from typing import cast

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import CursorResult

from rcm_exchange.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rows_changed(statement) -> int:
    """Run an UPDATE or DELETE in the session and return how many rows it changed.

    ``Session.execute`` is typed as returning a ``Result``; for these statements it is
    a ``CursorResult``, the one that counts rows.
    """
    return cast(CursorResult, db.session.execute(statement)).rowcount
