"""Admin API authentication and authorization (issue 6 §1, acceptance): every route with and
without a token, expired / tampered / `alg: none` / wrong-audience tokens, refresh rotation and reuse,
logout revocation, each role against each route, login throttling, the CLI and production config."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from admin_api import tokens
from chatbot.config import ConfigError, Settings
from chatbot.models import AdminRefreshToken
from chatbot.timeutil import utcnow
from tests.admin_helpers import (
    API,
    PASSWORD,
    ROLE_NAMES,
    access_token,
    assert_error,
    bearer,
    login,
    make_admins,
)


@pytest.fixture
def admins(rt):
    """One admin per role: `viewer`, `operator`, `admin`."""
    return make_admins(rt)


ROLE_RANK = {role: rank for rank, role in enumerate(ROLE_NAMES)}


def protected_routes(app) -> list[tuple[str, str, str]]:
    """(method, url, required role) of every protected admin route, path ids set to 999999."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        if not rule.rule.startswith(API) or role is None:
            continue
        url = re.sub(r"<[^>]+>", "999999", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, role))
    return found


def call(client, method: str, url: str, headers: dict | None = None):
    body = {} if method in ("POST", "PATCH") else None
    return client.open(url, method=method, json=body, headers=headers)


def test_every_admin_route_is_listed_and_protected(app):
    routes = protected_routes(app)
    urls = {url for _, url, _ in routes}
    for expected in ("/listings", "/members", "/deals", "/notices", "/audit", "/auth/me", "/auth/logout"):
        assert f"{API}{expected}" in urls
    public = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        and getattr(app.view_functions[rule.endpoint], "required_role", None) is None
    }
    assert public == {f"{API}/auth/login", f"{API}/auth/refresh", f"{API}/openapi.json", f"{API}/docs"}


def test_every_route_without_a_token_is_401(client, app):
    for method, url, _role in protected_routes(app):
        error = assert_error(call(client, method, url), 401, "unauthorized")
        assert error["message"]
    resp = client.get(f"{API}/listings")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "bearer not-a-jwt"]
)
def test_malformed_authorization_header_is_401(client, header):
    error = assert_error(client.get(f"{API}/listings", headers={"Authorization": header}), 401)
    assert error["code"] in ("invalid_token", "unauthorized")


def test_each_role_against_each_route(client, app, rt, admins):
    """A role below the route's gets 403 (not 401: we know who they are); enough role gets through
    auth (whatever the handler then says about the fake id 999999 or the empty body)."""
    routes = protected_routes(app)
    assert {role for _, _, role in routes} == set(ROLE_NAMES)
    for role, admin in admins.items():
        for method, url, required in routes:
            resp = call(client, method, url, bearer(access_token(rt, admin)))
            if ROLE_RANK[role] < ROLE_RANK[required]:
                error = assert_error(resp, 403, "forbidden")
                assert error["details"] == {"required_role": required, "role": role}
            else:
                assert resp.status_code not in (401, 403), (role, method, url, resp.get_json())


def test_login_then_use_then_me(client, admins):
    resp = login(client, "ADMIN@example.com")  # email works too, case-insensitively
    assert resp.status_code == 200
    pair = resp.get_json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    me = client.get(f"{API}/auth/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["username"] == "admin" and me.get_json()["last_login_at"]
    header = jwt.get_unverified_header(pair["access_token"])
    assert header == {"alg": "HS256", "typ": "at+jwt"}
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert {"iss", "aud", "sub", "jti", "fam", "iat", "exp"} <= set(claims)


@pytest.mark.parametrize(
    ("username", "password"),
    [("admin", "wrong password here"), ("nobody", PASSWORD), ("admin", "x" * 128)],
)
def test_bad_login_is_401_without_saying_which_part(client, admins, username, password):
    error = assert_error(login(client, username, password), 401, "invalid_credentials")
    assert "password" not in error["message"]


def test_inactive_admin_cannot_log_in_and_live_tokens_stop(client, rt, admins):
    token = login(client).get_json()["access_token"]
    with rt.sessions() as session:
        session.merge(admins["admin"]).active = False
        session.commit()
    assert_error(login(client), 401, "invalid_credentials")
    assert_error(client.get(f"{API}/auth/me", headers=bearer(token)), 401, "invalid_token")


def test_login_body_is_validated_with_field_details(client):
    error = assert_error(client.post(f"{API}/auth/login", json={"username": "admin"}), 422, "invalid_input")
    assert "password" in error["details"]
    error = assert_error(client.post(f"{API}/auth/login", json={"username": 1, "password": "x", "x": 1}), 422)
    assert {"username", "x"} <= set(error["details"])
    assert_error(client.post(f"{API}/auth/login", data="username=admin", content_type="text/plain"), 415)
    assert_error(client.post(f"{API}/auth/login", json=["admin"]), 422, "invalid_input")


# --- forged and broken tokens ---------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(rt, admin, **changes) -> dict:
    now = int(utcnow().timestamp())
    claims = {
        "iss": rt.settings.jwt_issuer,
        "aud": rt.settings.jwt_audience,
        "sub": str(admin.id),
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
        "fam": str(uuid.uuid4()),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(rt, claims: dict, *, key: str | None = None, typ: str = "at+jwt") -> str:
    return jwt.encode(claims, key or rt.settings.jwt_secret, algorithm="HS256", headers={"typ": typ})


def test_a_well_formed_forged_token_signed_by_us_passes(client, rt, admins):
    """The control for the cases below: the helpers make tokens the server accepts."""
    resp = client.get(f"{API}/auth/me", headers=bearer(_sign(rt, _claims(rt, admins["viewer"]))))
    assert resp.status_code == 200


def test_expired_token_is_401_token_expired(client, rt, admins):
    old = access_token(rt, admins["admin"], now=utcnow() - timedelta(hours=1))
    assert_error(client.get(f"{API}/auth/me", headers=bearer(old)), 401, "token_expired")
    assert (
        'error="invalid_token"'
        in client.get(f"{API}/auth/me", headers=bearer(old)).headers["WWW-Authenticate"]
    )


def test_tampered_signature_and_payload_are_401(client, rt, admins):
    token = access_token(rt, admins["viewer"])
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_error(
        client.get(f"{API}/auth/me", headers=bearer(f"{head}.{payload}.{flipped}")), 401, "invalid_token"
    )
    # A viewer promoting themself in the payload breaks the signature.
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = f"{head}.{_b64({**claims, 'role': 'admin', 'sub': str(admins['admin'].id)})}.{signature}"
    assert_error(client.get(f"{API}/audit", headers=bearer(forged)), 401, "invalid_token")


def test_alg_none_is_401(client, rt, admins):
    claims = _claims(rt, admins["admin"])
    for alg in ("none", "None", "NONE"):
        unsigned = f"{_b64({'alg': alg, 'typ': 'at+jwt'})}.{_b64(claims)}."
        assert_error(client.get(f"{API}/auth/me", headers=bearer(unsigned)), 401, "invalid_token")


def test_other_algorithm_is_401(client, rt, admins):
    key = rt.settings.jwt_secret * 2  # long enough for HS512; the server pins HS256 whatever the key
    token = jwt.encode(_claims(rt, admins["admin"]), key, algorithm="HS512", headers={"typ": "at+jwt"})
    assert_error(client.get(f"{API}/auth/me", headers=bearer(token)), 401, "invalid_token")


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"aud": None},
        {"iss": "https://evil.example"},
        {"iss": None},
        {"exp": None},
        {"iat": None},
        {"jti": None},
        {"sub": None},
        {"sub": "admin"},
        {"iat": int(utcnow().timestamp()) + 3600},  # issued in the future
    ],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_wrong_or_missing_claims_are_401(client, rt, admins, changes):
    token = _sign(rt, _claims(rt, admins["admin"], **changes))
    assert_error(client.get(f"{API}/auth/me", headers=bearer(token)), 401, "invalid_token")


def test_other_key_and_refresh_token_as_access_are_401(client, rt, admins):
    other_key = _sign(rt, _claims(rt, admins["admin"]), key="another-secret-that-is-long-enough-0123456789")
    assert_error(client.get(f"{API}/auth/me", headers=bearer(other_key)), 401, "invalid_token")
    refresh = login(client).get_json()["refresh_token"]
    assert_error(client.get(f"{API}/auth/me", headers=bearer(refresh)), 401, "invalid_token")
    access = login(client).get_json()["access_token"]
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": access}), 401, "invalid_token")


# --- refresh rotation, reuse, logout --------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_whole_login(client, rt, admins):
    first = login(client).get_json()
    second = client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(f"{API}/auth/me", headers=bearer(second["access_token"])).status_code == 200

    # The first refresh token again: a stolen copy. Everything of this login dies.
    assert_error(
        client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}),
        401,
        "token_reused",
    )
    assert_error(
        client.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]}),
        401,
        "token_reused",
    )
    assert_error(client.get(f"{API}/auth/me", headers=bearer(second["access_token"])), 401, "token_revoked")
    assert_error(client.get(f"{API}/auth/me", headers=bearer(first["access_token"])), 401, "token_revoked")
    with rt.sessions() as session:
        rows = list(session.scalars(select(AdminRefreshToken)))
    assert len(rows) == 2 and all(row.revoked_at is not None for row in rows)

    # Another login of the same admin is unaffected.
    assert (
        client.get(f"{API}/auth/me", headers=bearer(login(client).get_json()["access_token"])).status_code
        == 200
    )


def test_refresh_chain_keeps_working(client, admins):
    pair = login(client).get_json()
    for _ in range(3):
        resp = client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert resp.status_code == 200
        pair = resp.get_json()
    assert client.get(f"{API}/auth/me", headers=bearer(pair["access_token"])).status_code == 200


def test_refresh_with_garbage_or_expired_token_is_401(client, rt, admins):
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": "garbage"}), 401, "invalid_token")
    old = tokens.issue(
        rt.settings, admins["admin"], tokens.REFRESH_TYP, "fam", now=utcnow() - timedelta(days=30)
    )
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": old.token}), 401, "token_expired")
    unknown = tokens.issue(rt.settings, admins["admin"], tokens.REFRESH_TYP, "fam")  # signed, never stored
    assert_error(
        client.post(f"{API}/auth/refresh", json={"refresh_token": unknown.token}), 401, "invalid_token"
    )


def test_logout_revokes_access_and_refresh_tokens(client, rt, admins):
    pair = login(client).get_json()
    refreshed = client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}).get_json()
    assert client.post(f"{API}/auth/logout", headers=bearer(refreshed["access_token"])).status_code == 204
    assert_error(
        client.get(f"{API}/auth/me", headers=bearer(refreshed["access_token"])), 401, "token_revoked"
    )
    # The login's earlier access token (still within its 15 minutes) is dead too, and so is refresh.
    assert_error(client.get(f"{API}/auth/me", headers=bearer(pair["access_token"])), 401, "token_revoked")
    assert_error(client.post(f"{API}/auth/refresh", json={"refresh_token": refreshed["refresh_token"]}), 401)
    # The blacklist entry lives as long as the token would have, not forever.
    jti = jwt.decode(refreshed["access_token"], options={"verify_signature": False})["jti"]
    assert 0 < rt.redis.ttl(tokens.REVOKED_JTI.format(jti)) <= 900 + tokens.LEEWAY


def test_demoted_admin_gets_403_at_once(client, rt, admins):
    token = login(client).get_json()["access_token"]
    assert client.get(f"{API}/audit", headers=bearer(token)).status_code == 200
    with rt.sessions() as session:
        session.merge(admins["admin"]).role = "viewer"
        session.commit()
    assert_error(client.get(f"{API}/audit", headers=bearer(token)), 403, "forbidden")


# --- login throttling -------------------------------------------------------------------------------


def test_failed_logins_are_throttled_per_account(client, admins):
    for _ in range(5):
        assert_error(login(client, "operator", "wrong password!!"), 401)
    resp = login(client, "operator", PASSWORD)  # even the right password waits now
    assert_error(resp, 429, "too_many_requests")
    assert int(resp.headers["Retry-After"]) > 0
    assert login(client, "viewer", PASSWORD).status_code == 200  # other accounts are not locked


def test_successful_logins_do_not_lock_the_account(client, admins):
    for _ in range(8):
        assert login(client, "viewer", PASSWORD).status_code == 200


def test_logins_are_throttled_per_ip(client, admins):
    statuses = [login(client, f"nobody{i}", "wrong password!!").status_code for i in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429


# --- accounts and configuration ---------------------------------------------------------------------


def test_flask_admin_create(runner, rt, client):
    result = runner.invoke(
        args=["admin", "create", "--email", "Boss@Example.com", "--username", "boss", "--role", "operator"],
        env={"ADMIN_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "boss (operator)" in result.output
    assert login(client, "boss@example.com").status_code == 200
    again = runner.invoke(
        args=["admin", "create", "--email", "b2@example.com", "--username", "boss"],
        env={"ADMIN_PASSWORD": PASSWORD},
    )
    assert again.exit_code != 0 and "이미" in again.output
    short = runner.invoke(
        args=["admin", "create", "--email", "c@example.com", "--username", "carol"],
        env={"ADMIN_PASSWORD": "short"},
    )
    assert short.exit_code != 0


def test_passwords_are_stored_as_argon2id(rt, admins):
    assert admins["admin"].password_hash.startswith("$argon2id$")
    assert PASSWORD not in admins["admin"].password_hash


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "SKILL_TOKEN": "skill-token",
    "REDIS_URL": "redis://127.0.0.1:6379/6",
    "DATABASE_URL": "mysql+pymysql://u:p@db/junggyenara",
    "KAKAOPAY_SECRET_KEY": "DEVSECRET-kakaopay-test-value",
}


@pytest.mark.parametrize(
    "secret",
    [
        None,  # the embedded development default
        "",
        "change-me",
        "short-but-random-Xq9",
        "a" * 64,  # long, but no entropy
        "changeme-changeme-changeme-changeme-1234",
        PRODUCTION["SECRET_KEY"],  # the Flask secret reused
    ],
)
def test_production_refuses_weak_jwt_secret(secret):
    env = dict(PRODUCTION)
    if secret is not None:
        env["JWT_SECRET"] = secret
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        Settings.from_env(env)


def test_production_accepts_a_strong_jwt_secret():
    settings = Settings.from_env({**PRODUCTION, "JWT_SECRET": "vT3k9Qm2xR7pL0sN4bY8cW1eZ6hJ5gU-aF_dK"})
    assert settings.jwt_access_ttl == 900
    assert settings.rate_limit_storage == "redis://127.0.0.1:6379/6"
