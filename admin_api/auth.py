"""Who is calling: `@admin_required(role=...)`, and the login → refresh → logout flow (issue 6 §1).

401 means "we do not know who you are" (no, malformed, expired, revoked token, or an admin who
may no longer log in); 403 means "we know, and your role is too low" (RFC 9110 §15.5.2, §15.5.4).
Authorization reads the admin's role and `active` flag from the database on every request, so a
demotion or deactivation takes effect at once, not when the token expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import redis
from flask import current_app, g, request
from sqlalchemy.orm import Session

from admin_api import tokens
from admin_api.errors import ApiError, unauthorized
from chatbot import runtime
from chatbot.errors import Unavailable
from chatbot.models import ROLES, Admin
from chatbot.services import admins

F = TypeVar("F", bound=Callable[..., Any])
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def db() -> Session:
    """The SQLAlchemy session of this request (opened on first use, closed at teardown)."""
    session = g.get("admin_db")
    if session is None:
        session = g.admin_db = runtime(current_app).sessions()
    return session


def close_db(_exc: BaseException | None = None) -> None:
    """Teardown: close this request's session, rolling back anything uncommitted."""
    session = g.pop("admin_db", None)
    if session is not None:
        session.close()


def current_admin() -> Admin:
    """The admin authenticated by `admin_required` for this request."""
    return cast(Admin, g.admin)


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    if not header:
        raise unauthorized()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("invalid_token", "Authorization 헤더는 'Bearer <토큰>' 형식이어야 해요.")
    return token.strip()


def authenticate() -> Admin:
    """The active admin behind this request's `Authorization: Bearer <access JWT>`.

    Raises `ApiError(401)` / `TokenRejected` (401) for a missing, invalid, expired or revoked
    token or an inactive admin, and `Unavailable` (503) when Redis cannot say whether it was revoked.
    """
    rt = runtime(current_app)
    claims = tokens.decode(rt.settings, _bearer_token(), tokens.ACCESS_TYP)
    try:
        tokens.check_not_revoked(rt.redis, claims)
    except redis.RedisError:
        raise Unavailable("토큰 상태를 확인할 수 없어요. 잠시 후 다시 시도해 주세요.") from None
    admin = admins.active_admin(db(), int(claims["sub"]))
    if admin is None:
        raise unauthorized("invalid_token", "비활성화되었거나 없는 관리자예요.")
    g.admin, g.token_claims = admin, claims
    return admin


def admin_required(role: str = "viewer") -> Callable[[F], F]:
    """Decorate a view so it runs only for an authenticated admin whose role is at least `role`
    (`viewer` < `operator` < `admin`). 401 without valid credentials, 403 when the role is too low.
    The required role is kept on the view as `required_role` (tests and docs read it)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            admin = authenticate()
            if ROLE_RANK.get(admin.role, -1) < ROLE_RANK[role]:
                raise ApiError(
                    403,
                    "forbidden",
                    f"이 작업에는 {role} 이상의 역할이 필요해요.",
                    {"required_role": role, "role": admin.role},
                )
            return view(*args, **kwargs)

        guarded.required_role = role  # type: ignore[attr-defined]
        return cast(F, guarded)

    return decorate


def _token_pair(session: Session, admin: Admin, family: str) -> dict[str, Any]:
    settings = runtime(current_app).settings
    access = tokens.issue(settings, admin, tokens.ACCESS_TYP, family)
    refresh = tokens.issue(settings, admin, tokens.REFRESH_TYP, family)
    admins.store_refresh_token(session, admin, jti=refresh.jti, family=family, expires_at=refresh.expires_at)
    return {
        "access_token": access.token,
        "refresh_token": refresh.token,
        "token_type": "Bearer",
        "expires_in": settings.jwt_access_ttl,
        "refresh_expires_in": settings.jwt_refresh_ttl,
    }


def login(username: str, password: str) -> dict[str, Any]:
    """A new login (a new token family): `{access_token, refresh_token, token_type, expires_in,
    refresh_expires_in}`. Raises `AuthenticationFailed` (401)."""
    session = db()
    admin = admins.authenticate(session, username, password)
    return _token_pair(session, admin, str(uuid.uuid4()))


def refresh(refresh_token: str) -> dict[str, Any]:
    """Rotate `refresh_token` into a new pair of the same family.

    Raises `TokenRejected` (401) for an invalid/expired token, and `TokenReused` (401) when it was
    already rotated — the whole login is then revoked, access tokens included.
    """
    rt = runtime(current_app)
    session = db()
    claims = tokens.decode(rt.settings, refresh_token, tokens.REFRESH_TYP)
    try:
        row = admins.rotate_refresh_token(session, claims["jti"], int(claims["sub"]))
    except admins.TokenReused as exc:
        tokens.revoke_family(rt.settings, rt.redis, exc.family)
        raise
    admin = admins.active_admin(session, row.admin_id)
    assert admin is not None  # rotate_refresh_token checked it under the row lock
    return _token_pair(session, admin, row.family)


def logout() -> None:
    """Revoke the caller's access token, the access tokens of its login, and the login's refresh
    tokens (so neither the pair in hand nor a stolen copy works any more)."""
    rt = runtime(current_app)
    claims = g.token_claims
    tokens.revoke(rt.settings, rt.redis, claims)
    admins.revoke_family(db(), claims["fam"])
