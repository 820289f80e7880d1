"""Admin accounts of the admin API and their refresh tokens (issue 6 §1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.models.base import Base, UTCDateTime
from chatbot.timeutil import utcnow

ROLES = ("viewer", "operator", "admin")  # weakest first: a role may do what those before it may


class Admin(Base):
    """A person who may use `/admin/api/v1`.

    - `email`, `username`: unique; login takes either.
    - `password_hash`: an argon2id PHC string (`chatbot.services.admins.hash_password`), never the
      password.
    - `role`: one of `ROLES`; `active`: False = may not log in, and live tokens stop working.
    - `last_login_at`: set by a successful login.
    """

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminRefreshToken(Base):
    """One refresh token ever issued, by its JWT id (`jti`), for rotation and reuse detection.

    Tokens of one login share a `family`. Refreshing marks the presented token `used_at` and issues
    the next of the family; presenting a used or revoked token again is reuse, and revokes the whole
    family (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). Logout sets `revoked_at`.
    """

    __tablename__ = "admin_refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(36), unique=True)
    family: Mapped[str] = mapped_column(String(36))
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_admin_refresh_tokens_family", "family"),
        Index("ix_admin_refresh_tokens_admin_id", "admin_id"),
    )
