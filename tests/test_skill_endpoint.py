"""The skill endpoint contract: every answer is a Korean SkillResponse, whatever arrives."""

from __future__ import annotations

import json
import time

import pytest

from chatbot.errors import Forbidden
from chatbot.kakao import validate_skill_response
from skills.registry import REGISTRY
from tests.conftest import FIXTURES_DIR, texts_of

REQUEST_FIXTURES = sorted(p for p in (FIXTURES_DIR / "kakao" / "requests").glob("req_*.json"))
HANGUL = set(range(0xAC00, 0xD7A4))


def has_korean(text: str) -> bool:
    return any(ord(ch) in HANGUL for ch in text)


# DESIGN.md §4: every skill Open Builder is set up with.
CATALOGUE = {
    "welcome",
    "hotdeals",
    "register",
    "profile",
    "sell",
    "listings",
    "listing",
    "search",
    "my-listings",
    "listing-status",
    "buy",
    "reserve",
    "cancel-reservation",
    "my-orders",
    "tracking",
    "confirm-purchase",
    "confirm-sale",
    "notices",
}


def test_every_skill_of_the_catalogue_is_registered():
    assert set(REGISTRY) >= CATALOGUE


@pytest.mark.parametrize("skill", sorted(REGISTRY))
@pytest.mark.parametrize("fixture", REQUEST_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_payload_gets_a_valid_korean_answer(client, skill, fixture):
    resp = client.post(f"/skills/{skill}", data=fixture.read_bytes(), content_type="application/json")
    assert resp.status_code == 200
    body = resp.get_json()
    validate_skill_response(body, strict=True)
    assert body["version"] == "2.0"
    assert has_korean(texts_of(body))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json at all",
        b'{"userRequest": {"user": {"id": "abc"',  # truncated
        b"[1, 2, 3]",
        b'"a string"',
        b'{"userRequest": {}}',
        b"<html><body>hi</body></html>",
        b"\xff\xfe\x00garbage",
    ],
)
@pytest.mark.parametrize("skill", sorted(REGISTRY))
def test_a_body_that_is_not_a_skillpayload_gets_400_with_a_skillresponse(client, skill, raw):
    resp = client.post(f"/skills/{skill}", data=raw, content_type="application/json")
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    validate_skill_response(body, strict=True)
    assert has_korean(texts_of(body))


def test_truncated_fixture_payload_gets_400(client):
    raw = (FIXTURES_DIR / "kakao/requests/req_real_plain_utterance_test_block.json").read_bytes()
    resp = client.post("/skills/hotdeals", data=raw[: len(raw) // 2], content_type="application/json")
    assert resp.status_code == 400
    validate_skill_response(resp.get_json(), strict=True)


def test_unknown_skill_is_404_json_listing_the_skills(client):
    resp = client.post("/skills/nope", json={})
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["error"]["code"] == "unknown_skill"
    assert "welcome" in body["error"]["details"]["skills"]


def test_wrong_method_and_unknown_path_answer_json_not_html(client):
    for resp in (client.get("/skills/welcome"), client.get("/no/such/page"), client.delete("/healthz")):
        assert resp.mimetype == "application/json", resp.get_data(as_text=True)
        assert "<html" not in resp.get_data(as_text=True).lower()
    body = client.get("/skills/welcome").get_json()
    validate_skill_response(body, strict=True)


def test_skill_list_and_health(client):
    assert {"welcome", "hotdeals"} <= set(client.get("/skills").get_json()["skills"])
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_reports_a_dead_redis(settings, migrated_database):
    from chatbot import create_app

    app = create_app(settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["redis"].startswith("error")


def test_welcome_shows_the_main_menu(kakao):
    body = kakao.call("welcome", "안녕")
    labels = [q["label"] for q in body["template"]["quickReplies"]]
    assert labels == ["핫딜", "중고거래", "판매하기", "내 정보"]
    assert "중계나라" in texts_of(body)


def test_configured_block_ids_turn_menu_items_into_block_quickreplies(settings, redis_client):
    from chatbot import create_app
    from tests.conftest import Kakao

    app = create_app(settings.with_overrides(kakao_block_ids={"hotdeals": "blk-hotdeals"}))
    body = Kakao(app.test_client()).call("welcome")
    hot = body["template"]["quickReplies"][0]
    assert hot["action"] == "block" and hot["blockId"] == "blk-hotdeals"
    assert body["template"]["quickReplies"][1]["action"] == "message"


class TestSkillToken:
    @pytest.fixture
    def guarded(self, settings, redis_client):
        from chatbot import create_app
        from tests.conftest import Kakao

        return Kakao(create_app(settings.with_overrides(skill_token="s3cret-token")).test_client())

    def test_missing_or_wrong_token_is_refused_with_a_skillresponse(self, guarded):
        for headers in (None, {"X-Skill-Token": "wrong"}, {"X-Skill-Token": ""}):
            body = guarded.call("welcome", expect_status=401, headers=headers)
            assert "허용되지 않은" in texts_of(body)

    def test_right_token_passes(self, guarded):
        body = guarded.call("welcome", headers={"X-Skill-Token": "s3cret-token"})
        assert "중계나라" in texts_of(body)


def test_bot_id_allow_list_accepts_dev_and_live_channel_ids(settings, redis_client):
    from chatbot import create_app
    from tests.conftest import Kakao

    # The fixture's bot id ends in "!" (development channel); the operating channel sends it bare.
    kakao = Kakao(
        create_app(settings.with_overrides(kakao_bot_ids=("65262a2d31101d1cb1106082",))).test_client()
    )
    kakao.call("welcome")
    other = Kakao(create_app(settings.with_overrides(kakao_bot_ids=("someone-else",))).test_client())
    other.call("welcome", expect_status=403)


def test_a_failing_skill_apologises_in_korean_and_logs_the_request_id(kakao, monkeypatch, caplog):
    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(REGISTRY, "broken", broken)
    resp = kakao.client.post("/skills/broken", json=kakao.payload("hi"))
    assert resp.status_code == 200
    body = resp.get_json()
    validate_skill_response(body, strict=True)
    request_id = resp.headers["X-Request-Id"]
    assert "죄송해요" in texts_of(body) and request_id[:8] in texts_of(body)
    assert "boom" not in json.dumps(body, ensure_ascii=False)
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_domain_error_is_told_to_the_user(kakao, monkeypatch):
    def refuse(ctx):
        raise Forbidden("판매자만 할 수 있어요.")

    monkeypatch.setitem(REGISTRY, "refuse", refuse)
    assert "판매자만 할 수 있어요." in texts_of(kakao.call("refuse"))


def test_a_skill_past_its_budget_answers_retry_later(settings, redis_client, monkeypatch):
    from chatbot import create_app
    from tests.conftest import Kakao

    def slow(ctx):
        time.sleep(1.5)
        return {}

    monkeypatch.setitem(REGISTRY, "slow", slow)
    kakao = Kakao(create_app(settings.with_overrides(skill_time_budget=0.3)).test_client())
    body = kakao.call("slow")
    assert "잠시 후 다시 시도해 주세요" in texts_of(body)


def test_request_id_is_echoed(client):
    resp = client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert resp.headers["X-Request-Id"] == "abc123"
