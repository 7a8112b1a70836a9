"""Commands the launcher runs against the auth schema (not routes)."""

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.auth.service import ensure_admin as ensure_admin_user
from services.auth.service import make_hasher
from services.auth.settings import PasswordHashing


def ensure_admin(database_url: str, email: str, password: str) -> bool:
    """Create the first admin once; True when it was created now."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            return ensure_admin_user(session, make_hasher(PasswordHashing()), email, password)
    finally:
        engine.dispose()
