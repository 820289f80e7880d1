"""One structured log line per request (request id, skill, member hash, status, ms), JSON in the
image, and never a phone number, token or pg_token in any line."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from chatbot.logs import JsonFormatter, TextFormatter, configure_logging, redact
from tests.conftest import texts_of

PHONE = "010-2345-6789"


def lines_for(caplog, request_id: str) -> list[logging.LogRecord]:
    """The per-request records (`log_request`) of one request."""
    return [r for r in caplog.records if (getattr(r, "fields", None) or {}).get("request_id") == request_id]


def test_a_skill_request_writes_one_json_line_without_the_phone_number(kakao, caplog):
    caplog.set_level(logging.INFO)
    resp = kakao.client.post(
        "/skills/register",
        json=kakao.payload(params={"nickname": "로그확인", "phone": PHONE}, user_key="log-test-user"),
    )
    assert resp.status_code == 200 and "환영" in texts_of(resp.get_json())
    request_id = resp.headers["X-Request-Id"]

    [record] = lines_for(caplog, request_id)
    line = json.loads(JsonFormatter().format(record))
    assert line["skill"] == "register" and line["status"] == 200 and line["outcome"] == "ok"
    assert line["request_id"] == request_id and isinstance(line["ms"], float)
    assert len(line["member"]) == 12 and line["member"] != "log-test-user"
    assert line["level"] == "info" and line["ts"].endswith("Z")
    # Nothing the request logged, in either format, holds the phone number in any form.
    for rec in caplog.records:
        for text in (JsonFormatter().format(rec), TextFormatter().format(rec)):
            assert PHONE not in text and PHONE.replace("-", "") not in text


def test_other_routes_get_one_line_each_and_probes_none(client, caplog):
    caplog.set_level(logging.INFO)
    resp = client.get("/skills")
    [record] = lines_for(caplog, resp.headers["X-Request-Id"])
    assert record.fields == {  # type: ignore[attr-defined]
        "route": "/skills",
        "method": "GET",
        "status": 200,
        "ms": record.fields["ms"],  # type: ignore[attr-defined]
        "request_id": resp.headers["X-Request-Id"],
    }
    probe = client.get("/healthz")
    assert lines_for(caplog, probe.headers["X-Request-Id"]) == []


def test_an_unknown_skill_is_logged_once_by_the_web_layer(client, caplog):
    caplog.set_level(logging.INFO)
    resp = client.post("/skills/nope", json={})
    assert resp.status_code == 404
    [record] = lines_for(caplog, resp.headers["X-Request-Id"])
    assert record.fields["route"] == "/skills/<name>"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text,secret",
    [
        ("phone=010-1234-5678", "1234-5678"),
        ("phone 01012345678 typed", "01012345678"),
        ("tel +82 10-1234-5678", "1234-5678"),
        ("GET /pay/approve?order_id=3&pg_token=abc123def", "abc123def"),
        ('{"pg_token": "abc123def"}', "abc123def"),
        ("X-Skill-Token: s3cr3t-token", "s3cr3t-token"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl leaked", "eyJzdWIiOiIxIn0"),
    ],
)
def test_redact_masks_secrets(text, secret):
    assert secret not in redact(text)


def test_redact_leaves_ids_and_prices_alone():
    text = "listing_id=1234567890123 price=15000 request_id=0a1b2c3d4e5f"
    assert redact(text) == text


def test_a_traceback_is_redacted_too():
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError" in line["exc"] and PHONE not in line["exc"]


def test_configure_logging_adds_one_handler_and_switches_format():
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    try:
        configure_logging("text")
        configure_logging("json")
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, JsonFormatter)
    finally:
        root.handlers = saved


def test_admin_request_lines_hold_no_password_or_token(client, rt, caplog):
    from tests.admin_helpers import PASSWORD, bearer, login, make_admins

    make_admins(rt)
    caplog.set_level(logging.INFO)
    signed_in = login(client)
    token = signed_in.get_json()["access_token"]
    me = client.get("/admin/api/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200

    [login_line] = lines_for(caplog, signed_in.headers["X-Request-Id"])
    [me_line] = lines_for(caplog, me.headers["X-Request-Id"])
    assert login_line.fields["route"] == "/admin/api/v1/auth/login"  # type: ignore[attr-defined]
    assert me_line.fields["status"] == 200  # type: ignore[attr-defined]
    for rec in caplog.records:
        text = JsonFormatter().format(rec)
        assert PASSWORD not in text and token not in text and token.split(".")[1] not in text
