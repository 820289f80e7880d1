"""Admin accounts: creation, password checks, refresh-token rotation (issue 6 §1).

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106 §4's second recommended
option); the JWTs themselves are made and checked in `admin_api.tokens`. Refresh tokens are kept in
the database by `jti` and `family` so rotation and reuse detection survive restarts and a Redis
flush (see `chatbot.models.admin.AdminRefreshToken`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chatbot.errors import Conflict, DomainError, InvalidInput
from chatbot.models import ROLES, Admin, AdminRefreshToken
from chatbot.timeutil import utcnow

PASSWORD_MIN, PASSWORD_MAX = 12, 128  # a cap keeps one login from costing unbounded hashing
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verified when the login names nobody, so an unknown account costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class AuthenticationFailed(DomainError):
    """Unknown account, wrong password or inactive admin (one answer for all three)."""

    code = "invalid_credentials"
    default_message = "아이디 또는 비밀번호가 올바르지 않아요."


class TokenRejected(DomainError):
    """A token that is malformed, expired, revoked, or of an admin who may no longer log in."""

    code = "invalid_token"
    default_message = "인증 토큰이 올바르지 않거나 만료되었어요. 다시 로그인해 주세요."


class TokenReused(TokenRejected):
    """A refresh token presented again after it was rotated: its whole family is now revoked."""

    code = "token_reused"
    default_message = "이미 사용된 리프레시 토큰이에요. 보안을 위해 이 로그인의 모든 토큰을 폐기했어요."

    def __init__(self, family: str) -> None:
        super().__init__()
        self.family = family  # the login whose tokens were revoked (callers revoke its access tokens too)


def hash_password(password: str) -> str:
    """The argon2id PHC string of `password`; raises `InvalidInput` outside 12..128 characters."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            f"비밀번호는 {PASSWORD_MIN}~{PASSWORD_MAX}자여야 해요.", details={"password": "length"}
        )
    return _hasher.hash(password)


def create_admin(session: Session, *, email: str, username: str, password: str, role: str) -> Admin:
    """Create an active admin and commit; returns it.

    Raises `InvalidInput` (details name the field) for a bad email, username (3–40 of a-z 0-9 _ . -),
    password or role (`ROLES`), and `Conflict` when the email or username is taken.
    """
    email, username = email.strip().lower(), username.strip().lower()
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise InvalidInput("이메일 형식이 아니에요.", details={"email": "invalid"})
    if not _USERNAME_RE.match(username):
        raise InvalidInput(
            "아이디는 영문 소문자, 숫자, _ . - 로 3~40자여야 해요.", details={"username": "invalid"}
        )
    if role not in ROLES:
        raise InvalidInput(f"역할은 {', '.join(ROLES)} 중 하나예요.", details={"role": "invalid"})
    admin = Admin(
        email=email, username=username, password_hash=hash_password(password), role=role, active=True
    )
    session.add(admin)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("이미 있는 이메일 또는 아이디예요.") from None
    return admin


def authenticate(session: Session, login: str, password: str) -> Admin:
    """The active admin whose username or email is `login` and whose password is `password`;
    records the login time (and upgrades the hash if argon2's parameters changed) and commits.

    Raises `AuthenticationFailed` otherwise, taking about the same time whether or not the account
    exists.
    """
    login = login.strip().lower()
    admin = session.scalar(select(Admin).where(or_(Admin.username == login, Admin.email == login)))
    too_long = len(password) > PASSWORD_MAX  # never stored, so never right; still pay for one hash
    try:
        _hasher.verify(
            _DUMMY_HASH if admin is None or too_long else admin.password_hash, password[:PASSWORD_MAX]
        )
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed() from None
    if admin is None or too_long or not admin.active:
        raise AuthenticationFailed()
    if _hasher.check_needs_rehash(admin.password_hash):
        admin.password_hash = _hasher.hash(password)
    admin.last_login_at = utcnow()
    session.commit()
    return admin


def active_admin(session: Session, admin_id: int) -> Admin | None:
    """The admin `admin_id` if it exists and is active, else None."""
    admin = session.get(Admin, admin_id)
    return admin if admin is not None and admin.active else None


def store_refresh_token(
    session: Session, admin: Admin, *, jti: str, family: str, expires_at: datetime
) -> AdminRefreshToken:
    """Remember a newly issued refresh token (a new login starts a new `family`) and commit."""
    token = AdminRefreshToken(jti=jti, family=family, admin_id=admin.id, expires_at=expires_at)
    session.add(token)
    session.commit()
    return token


def rotate_refresh_token(session: Session, jti: str, admin_id: int) -> AdminRefreshToken:
    """Spend refresh token `jti` of admin `admin_id` (marked used, committed) and return its row,
    whose `family` the caller continues with a new token (`store_refresh_token`).

    Raises `TokenReused` — after revoking every token of the family, committed — when the token was
    already used or revoked (a stolen copy, RFC 9700 §4.14.2), and `TokenRejected` when it is
    unknown, expired, not the admin's, or the admin is no longer active. The row is locked while
    it is decided, so two concurrent refreshes with one token cannot both succeed.
    """
    row = session.scalar(select(AdminRefreshToken).where(AdminRefreshToken.jti == jti).with_for_update())
    now = utcnow()
    if row is None or row.admin_id != admin_id or row.expires_at <= now:
        session.rollback()
        raise TokenRejected()
    if row.used_at is not None or row.revoked_at is not None:
        revoke_family(session, row.family)
        raise TokenReused(row.family)
    if active_admin(session, admin_id) is None:
        session.rollback()
        raise TokenRejected()
    row.used_at = now
    session.commit()
    return row


def revoke_family(session: Session, family: str) -> int:
    """Revoke every unrevoked refresh token of `family` (logout, reuse) and commit; returns how many."""
    result = session.execute(
        update(AdminRefreshToken)
        .where(AdminRefreshToken.family == family, AdminRefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    return cast(CursorResult[Any], result).rowcount


def family_of(session: Session, jti: str, admin_id: int) -> str | None:
    """The family of refresh token `jti` if it belongs to admin `admin_id`, else None."""
    return session.scalar(
        select(AdminRefreshToken.family).where(
            AdminRefreshToken.jti == jti, AdminRefreshToken.admin_id == admin_id
        )
    )
