"""`/auth`: log in, refresh, log out, who am I."""

from __future__ import annotations

from flask import request
from flask_limiter.util import get_remote_address

from admin_api import auth, blueprint, limiter
from admin_api.schemas import AdminOut, LoginIn, RefreshIn, TokenPair
from admin_api.spec import endpoint

# Per client IP every attempt counts; per account only failed ones (a locked-out attacker cannot lock
# the real admin out for long, and the real admin is not slowed down by their own logins).
LOGIN_LIMIT_PER_IP = "30 per minute"
LOGIN_LIMIT_PER_ACCOUNT = "5 per minute"


def _login_account() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return str(name).strip().lower()[:254] if isinstance(name, str) and name.strip() else "-"


@blueprint.post("/auth/login")
@limiter.limit(LOGIN_LIMIT_PER_IP, key_func=get_remote_address, scope="admin-login-ip")
@limiter.limit(
    LOGIN_LIMIT_PER_ACCOUNT,
    key_func=_login_account,
    scope="admin-login-account",
    deduct_when=lambda response: response.status_code == 401,
)
@endpoint(ok=200, model=TokenPair, role=None, errors=(401, 429), tags=("auth",))
def login(json: LoginIn) -> TokenPair:
    """Log in with username (or email) and password.

    Gives a 15-minute access token and a single-use refresh token. Throttled per IP and, for failed
    attempts, per account (429 with Retry-After).
    """
    return TokenPair(**auth.login(json.username, json.password))


@blueprint.post("/auth/refresh")
@endpoint(ok=200, model=TokenPair, role=None, errors=(401,), tags=("auth",))
def refresh(json: RefreshIn) -> TokenPair:
    """Trade a refresh token for a new pair (rotation).

    Each refresh token works once: presenting it again (`token_reused`) revokes the whole login.
    """
    return TokenPair(**auth.refresh(json.refresh_token))


@blueprint.post("/auth/logout")
@endpoint(ok=204, role="viewer", tags=("auth",))
def logout() -> tuple[str, int]:
    """Log out: revoke this access token, the login's other access tokens and its refresh tokens."""
    auth.logout()
    return "", 204


@blueprint.get("/auth/me")
@endpoint(ok=200, model=AdminOut, role="viewer", tags=("auth",))
def me() -> AdminOut:
    """The admin behind the token (role, last login)."""
    return AdminOut.model_validate(auth.current_admin())
