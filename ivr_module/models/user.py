"""Staff accounts of the admin dashboard: a username, a hashed password and one role."""

import enum
import secrets
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import Base, utcnow

MIN_PASSWORD_LENGTH = 10


def new_session_token() -> str:
    """A fresh random token naming the sessions of one user (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


class Role(enum.StrEnum):
    """What a staff member may do: admin everything; call-centre and support read."""

    ADMIN = "admin"
    CALLCENTRE = "callcentre"
    SUPPORT = "support"


class User(Base):
    """A person who logs in to the admin dashboard."""

    __tablename__ = "ivr_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'callcentre', 'support')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]
    # What a session cookie holds instead of the id (admin/staff.py): a new
    # token ends every session of the user at once (logout, password change).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # The admin's language for this person (ivr_module/i18n.py); None: IVR_DEFAULT_LOCALE.
    locale: Mapped[Optional[str]] = mapped_column(String(8))

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password; end the user's sessions."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Make every session cookie of this user worthless (the caller commits)."""
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds one of these roles."""
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def __str__(self) -> str:
        return self.username
