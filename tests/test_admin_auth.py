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

# Who may call what, written out (README "Roles"): viewer reads, operator also changes listings,
# members, deals and notices, admin also reads the audit log and force-cancels orders; None = public.
# `test_the_access_policy_is_exactly_the_registered_routes` fails for a route registered without a
# line here, or with another role than its line says, so no route can be added without deciding it.
POLICY: dict[tuple[str, str], str | None] = {
    ("POST", "/auth/login"): None,
    ("POST", "/auth/refresh"): None,
    ("GET", "/openapi.json"): None,
    ("GET", "/docs"): None,
    ("POST", "/auth/logout"): "viewer",
    ("GET", "/auth/me"): "viewer",
    ("GET", "/listings"): "viewer",
    ("GET", "/listings/<int:listing_id>"): "viewer",
    ("POST", "/listings/<int:listing_id>/hide"): "operator",
    ("POST", "/listings/<int:listing_id>/restore"): "operator",
    ("DELETE", "/listings/<int:listing_id>"): "operator",
    ("GET", "/members"): "viewer",
    ("GET", "/members/<int:member_id>"): "viewer",
    ("POST", "/members/<int:member_id>/suspend"): "operator",
    ("POST", "/members/<int:member_id>/unsuspend"): "operator",
    ("GET", "/deals"): "viewer",
    ("GET", "/deals/<int:deal_id>"): "viewer",
    ("POST", "/deals/<int:deal_id>/hide"): "operator",
    ("POST", "/deals/<int:deal_id>/unhide"): "operator",
    ("POST", "/deals/crawl"): "operator",
    ("GET", "/notices"): "viewer",
    ("POST", "/notices"): "operator",
    ("GET", "/notices/<int:notice_id>"): "viewer",
    ("PATCH", "/notices/<int:notice_id>"): "operator",
    ("DELETE", "/notices/<int:notice_id>"): "operator",
    ("GET", "/orders"): "viewer",
    ("GET", "/orders/<int:order_id>"): "viewer",
    ("POST", "/orders/<int:order_id>/cancel"): "admin",
    ("GET", "/payments"): "viewer",
    ("GET", "/payments/<int:payment_id>"): "viewer",
    ("GET", "/audit"): "admin",
}


def registered_routes(app) -> dict[tuple[str, str], str | None]:
    """(method, rule below /admin/api/v1) -> the role its view requires (None: public), for every
    admin API route the app has."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        role = getattr(app.view_functions[rule.endpoint], "required_role", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method, rule.rule.removeprefix(API))] = role
    return found


def protected_routes(app) -> list[tuple[str, str, str]]:
    """(method, url, role the POLICY requires) of every protected admin route, path ids set to
    999999 (checked against the app's registered routes by the policy test)."""
    found = []
    for (method, rule), _role in sorted(registered_routes(app).items()):
        role = POLICY.get((method, rule), "unlisted")
        if role is None:
            continue
        found.append((method, API + re.sub(r"<[^>]+>", "999999", rule), role))
    return found


def test_the_access_policy_is_exactly_the_registered_routes(app):
    registered = registered_routes(app)
    assert set(registered) - set(POLICY) == set(), "a route without a line in POLICY"
    assert set(POLICY) - set(registered) == set(), "a POLICY line without its route"
    wrong = {route: (role, POLICY[route]) for route, role in registered.items() if role != POLICY[route]}
    assert wrong == {}, "(route): (role in the code, role in POLICY)"


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
                if resp.status_code >= 400:  # e.g. 404 for the id 999999: still the one shape
                    assert_error(resp, resp.status_code)


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


def _bad_token(kind: str, client, rt, admin) -> str:
    """A token of the admin role that must not get in, broken in the way `kind` names."""
    if kind == "expired":
        return access_token(rt, admin, now=utcnow() - timedelta(hours=1))
    if kind == "tampered_signature":
        head, payload, signature = access_token(rt, admin).split(".")
        return f"{head}.{payload}.{signature[:-2] + ('AA' if signature[-2:] != 'AA' else 'BB')}"
    if kind == "alg_none":
        return f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(_claims(rt, admin))}."
    if kind == "wrong_audience":
        return _sign(rt, _claims(rt, admin, aud="someone-else"))
    if kind == "refresh_token":
        return login(client).get_json()["refresh_token"]
    assert kind == "revoked_by_logout"
    token = login(client).get_json()["access_token"]
    assert client.post(f"{API}/auth/logout", headers=bearer(token)).status_code == 204
    return token


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("expired", "token_expired"),
        ("tampered_signature", "invalid_token"),
        ("alg_none", "invalid_token"),
        ("wrong_audience", "invalid_token"),
        ("refresh_token", "invalid_token"),
        ("revoked_by_logout", "token_revoked"),
    ],
)
def test_a_bad_token_is_401_on_every_route(client, app, rt, admins, kind, code):
    """Each way a token can be bad, against every protected route (the admin's role would pass
    them all): 401 with the reason's code and a bearer challenge, never 403 or the handler."""
    token = _bad_token(kind, client, rt, admins["admin"])
    for method, url, _role in protected_routes(app):
        resp = call(client, method, url, bearer(token))
        assert_error(resp, 401, code)
        assert resp.headers["WWW-Authenticate"].startswith("Bearer "), (method, url)


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


def test_failed_logins_are_throttled_per_account(client, rt, admins):
    for _ in range(5):
        assert_error(login(client, "operator", "wrong password!!"), 401)
    # Counted in Redis, so every gunicorn worker (and instance) sees the same count.
    keys = list(rt.redis.scan_iter("LIMITS:*"))
    assert any("/operator/" in key and "admin-login-account" in key for key in keys), keys
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
