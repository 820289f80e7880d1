"""JWTs of the admin API: short-lived access tokens and rotating refresh tokens (issue 6 §1).

Rules, from RFC 7519 (JWT) and RFC 8725 (JWT Best Current Practices):

* one algorithm, pinned: HS256 with `Settings.jwt_secret` (≥ 32 bytes in production, RFC 7518
  §3.2). The verifier passes `algorithms=["HS256"]`, so `alg: none` and algorithm swaps are refused
  (RFC 8725 §2.1, §3.1);
* `exp`, `iat`, `iss`, `aud`, `sub`, `jti` (and our `fam`) are required and checked (RFC 7519
  §4.1; RFC 8725 §3.8, §3.9), with 5 s of clock leeway;
* explicit typing (RFC 8725 §3.11): the header `typ` is `at+jwt` for access tokens (RFC 9068 §2.1)
  and `rt+jwt` for refresh tokens, so one kind can never be used as the other;
* revocation: logout puts the access token's `jti` — and its login's `fam`ily — in Redis until the
  token would have expired anyway; refresh tokens are tracked in the database
  (`chatbot.services.admins`), where rotation and reuse detection happen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import redis

from chatbot.config import Settings
from chatbot.models import Admin
from chatbot.services.admins import TokenRejected
from chatbot.timeutil import utcnow

ALGORITHM = "HS256"
ACCESS_TYP = "at+jwt"
REFRESH_TYP = "rt+jwt"
LEEWAY = 5  # seconds of clock skew tolerated on exp/iat
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "fam"]
REVOKED_JTI = "admin:jwt:revoked:{}"
REVOKED_FAMILY = "admin:jwt:revoked-family:{}"


class TokenExpired(TokenRejected):
    """The token's `exp` has passed."""

    code = "token_expired"
    default_message = "인증 토큰이 만료되었어요. 토큰을 갱신하거나 다시 로그인해 주세요."


class TokenRevoked(TokenRejected):
    """The token was revoked by a logout."""

    code = "token_revoked"
    default_message = "로그아웃된 토큰이에요. 다시 로그인해 주세요."


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and what the server keeps of it: `jti`, login `family`, `expires_at` (UTC)."""

    token: str
    jti: str
    family: str
    expires_at: datetime


def issue(
    settings: Settings, admin: Admin, typ: str, family: str, now: datetime | None = None
) -> IssuedToken:
    """Sign a token of kind `typ` (`ACCESS_TYP` or `REFRESH_TYP`) for `admin` in login `family`.

    Access tokens live `jwt_access_ttl` seconds and carry the admin's `role` and `username` for
    display only (authorization reads the database); refresh tokens live `jwt_refresh_ttl`.
    """
    now = now or utcnow()
    ttl = settings.jwt_access_ttl if typ == ACCESS_TYP else settings.jwt_refresh_ttl
    jti = str(uuid.uuid4())
    expires_at = now + timedelta(seconds=ttl)
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(admin.id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": jti,
        "fam": family,
    }
    if typ == ACCESS_TYP:
        claims.update(role=admin.role, username=admin.username)
    token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM, headers={"typ": typ})
    return IssuedToken(token, jti, family, expires_at)


def decode(settings: Settings, token: str, typ: str) -> dict[str, Any]:
    """The verified claims of `token`, which must be a `typ` token of ours.

    Raises `TokenExpired` past `exp`, and `TokenRejected` for anything else: bad signature, another
    algorithm (`none` included), wrong `iss`/`aud`/`typ`, a missing claim, `iat` in the future.
    """
    try:
        decoded = jwt.decode_complete(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "verify_signature": True},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired() from None
    except jwt.InvalidTokenError:
        raise TokenRejected() from None
    claims = decoded["payload"]
    if decoded["header"].get("typ") != typ or not str(claims.get("sub", "")).isdigit():
        raise TokenRejected()
    return claims


def revoke(settings: Settings, cache: redis.Redis, claims: dict[str, Any]) -> None:
    """Revoke the access token of `claims` until its `exp`, and every access token of its login
    family for one access lifetime (no token of the family can outlive that: its refresh tokens
    are revoked in the database at the same time)."""
    ttl = max(1, int(claims["exp"]) - int(utcnow().timestamp()) + LEEWAY)
    with cache.pipeline(transaction=True) as pipe:
        pipe.set(REVOKED_JTI.format(claims["jti"]), "1", ex=ttl)
        if claims.get("fam"):
            pipe.set(REVOKED_FAMILY.format(claims["fam"]), "1", ex=settings.jwt_access_ttl + LEEWAY)
        pipe.execute()


def revoke_family(settings: Settings, cache: redis.Redis, family: str) -> None:
    """Revoke every access token of login `family` (refresh-token reuse: the login is compromised)."""
    cache.set(REVOKED_FAMILY.format(family), "1", ex=settings.jwt_access_ttl + LEEWAY)


def check_not_revoked(cache: redis.Redis, claims: dict[str, Any]) -> None:
    """Raise `TokenRevoked` if logout revoked this token or its family (one Redis round trip)."""
    keys = [REVOKED_JTI.format(claims["jti"])]
    if claims.get("fam"):
        keys.append(REVOKED_FAMILY.format(claims["fam"]))
    if cache.exists(*keys):
        raise TokenRevoked()
