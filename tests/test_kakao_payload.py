"""SkillPayload parsing (chatbot.kakao.payload) against every saved request in fixtures/kakao/requests.

Source of the shapes: GB-FMT §SkillPayload
(https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format) and INDEX.md.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from chatbot.kakao import Action, SkillPayload, SkillPayloadError, decode_secure_urls, parse_skill_payload
from chatbot.kakao.payload import MAX_PAYLOAD_BYTES
from tests.conftest import FIXTURES_DIR

REQUESTS_DIR = FIXTURES_DIR / "kakao" / "requests"
REQUEST_FILES = sorted(REQUESTS_DIR.glob("req_*.json"))
FRAGMENT_FILES = sorted(REQUESTS_DIR.glob("fragment_*.json"))

KEY_0A1 = "0eaec86df3259c59f09ce36a488c91bdae685ef6140291b835499e2d1114cef8bc"
SECURE_URL = (
    "http://secure.kakaocdn.net/dna/eAWeuk/K6beei5MQR/XXX/img_org.jpg?credential=AnonCredential000000000000000000"
    "&expires=1702641400&allow_ip=&allow_referer=&signature=AnonSignature00000000000000%3D"
)
S3_URL = "https://pointman-file-repository.s3.ap-northeast-2.amazonaws.com/image/%EC%98%A8%EB%8F%842.png"


def _load(name: str) -> dict[str, Any]:
    return json.loads((REQUESTS_DIR / name).read_text(encoding="utf-8"))


def _parse(name: str) -> SkillPayload:
    return parse_skill_payload((REQUESTS_DIR / name).read_bytes())


def _minimal(**action: Any) -> dict[str, Any]:
    """The smallest payload we accept, plus an `action`."""
    return {"userRequest": {"user": {"id": "u1"}, "utterance": "hi"}, "action": action}


def _hangul(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


def test_fixture_dirs_are_populated(fixtures_dir: Path) -> None:
    assert REQUEST_FILES, f"no req_*.json under {REQUESTS_DIR}"
    assert FRAGMENT_FILES, f"no fragment_*.json under {REQUESTS_DIR}"


# --- every fixture ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REQUEST_FILES, ids=lambda p: p.name)
def test_every_request_fixture_parses(path: Path) -> None:
    raw = path.read_bytes()
    data = json.loads(raw)
    payload = parse_skill_payload(raw)
    assert payload.user_key == data["userRequest"]["user"]["id"]
    assert 0 < len(payload.user_key) <= 70
    assert payload.utterance == data["userRequest"].get("utterance", "").strip()
    assert isinstance(payload.client_extra, dict)
    # str and already-decoded dict bodies give the same model.
    assert parse_skill_payload(raw.decode("utf-8")) == payload
    assert parse_skill_payload(data) == payload


@pytest.mark.parametrize("path", FRAGMENT_FILES, ids=lambda p: p.name)
def test_every_fragment_parses_as_action(path: Path) -> None:
    action = Action.model_validate(json.loads(path.read_text(encoding="utf-8"))["action"])
    assert action.params
    assert set(action.detail_params) == set(action.params)


EXPECTED = {
    # file: (user_key, utterance, lang, plusfriendUserKey, appUserId, is_builder_test, bot_id, block_id)
    "req_real_plain_utterance_test_block.json": (
        KEY_0A1, "테스트", "ko", "AnonPfKey0A1", None, False,
        "65262a2d31101d1cb1106082!", "657bc60c11c58311fd9c9fa4",
    ),
    "req_real_clientextra_from_block_button.json": (
        KEY_0A1, "판매중", "ko", "AnonPfKey0A1", None, False,
        "65262a2d31101d1cb1106082!", "657aba23eca3c21b078678c3",
    ),
    "req_real_callbackurl_accountid_talkuserid.json": (
        "7c1d2e9a0b3f45a6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f",
        "aaa", "ko", "AnonPfKey0B2", "1234567", False,
        "5ae9b76d7409b11ec845b746!", "5d300e788192ac000132b8a4",
    ),
    "req_real_sys_text_detailparams_builderbottest.json": (
        "id", "2021 검색", "kr", None, None, True, "id", "id",
    ),
    "req_skilltest_lang_null_accountid.json": (
        "945412", "Hi, Please recommend the place to drink near east-kareum", None, None, None, True,
        "your_bot_id", "es2mb937ado5bmj04dkzmogn",
    ),
    "req_official_v1_skill_dev_guide_snake_case.json": (
        "620678", "스킬", "kr", "BlGTEYoiNoSh", "708203191", False, "5a548e36aea1a43fa851ecd9",
        "5a56ec0008cc1461d75291f6",
    ),
    "req_official_group_chatbot_chat_botgroupkey.json": (
        "a19b8cd3404d56ff71890edcb9b0be8b6466fd0c6bae2c9b177f3fa12cf21dd9ae", "오늘 날씨 어때?", None, None,
        "1801267359", False, "667e5382f2b2f84cb555091c!", "670398cbef21cb53dd079dd9",
    ),
    "req_official_knowledge_plus_intent_extra.json": (
        "<사용자 botUserKey>", "<사용자 발화>", "ko", None, None, True, "<봇 id>", "<블록 id>",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_identity_and_utterance(name: str) -> None:
    user_key, utterance, lang, pf_key, app_user_id, builder_test, bot_id, block_id = EXPECTED[name]
    payload = _parse(name)
    assert payload.user_key == user_key
    assert payload.utterance == utterance
    assert payload.user_request.lang == lang
    assert payload.plusfriend_user_key == pf_key
    assert payload.app_user_id == app_user_id
    assert payload.is_builder_test is builder_test
    assert payload.bot_id == bot_id
    assert payload.block_id == block_id


def test_real_user_properties_camel_and_snake_and_is_friend() -> None:
    props = _parse("req_real_clientextra_from_block_button.json").user_request.user.properties
    assert props.bot_user_key == KEY_0A1
    assert props.is_friend is False  # GB-FMT says only true is sent; real traffic sends false
    assert _parse("req_real_plain_utterance_test_block.json").user_request.user.properties.is_friend is True
    assert _parse("req_skilltest_lang_null_accountid.json").user_request.user.properties.is_friend is None


def test_snake_case_only_properties() -> None:
    payload = parse_skill_payload(
        {
            "userRequest": {
                "user": {"id": "k", "properties": {"bot_user_key": "k", "plusfriend_user_key": "PF"}}
            }
        }
    )
    assert payload.plusfriend_user_key == "PF"
    assert payload.user_request.user.properties.bot_user_key == "k"
    assert (
        parse_skill_payload(
            {"userRequest": {"user": {"id": "k", "properties": {"app_user_id": 7}}}}
        ).app_user_id
        == "7"
    )


def test_extra_user_properties_are_kept() -> None:
    props = _parse("req_real_callbackurl_accountid_talkuserid.json").user_request.user.properties
    assert props.model_extra is not None
    assert props.model_extra["accountId"] == "1000001"
    assert props.model_extra["talkUserId"] == "2000002"


def test_client_extra_product_id_from_block_button() -> None:
    payload = _parse("req_real_clientextra_from_block_button.json")
    assert payload.client_extra == {"productId": "5942"}
    assert payload.param("productId") == "5942"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("req_real_plain_utterance_test_block.json", {}),
        ("req_official_userrequest_plusfriendkey_clientextra_null.json", None),
        ("req_official_v1_skill_dev_guide_snake_case.json", "null"),
        ("req_official_group_chatbot_chat_botgroupkey.json", "absent"),
    ],
)
def test_client_extra_variants_are_always_a_dict(name: str, raw: Any) -> None:
    action = _load(name)["action"]
    assert action.get("clientExtra", "absent") == raw
    assert _parse(name).client_extra == {}


def test_client_extra_json_in_a_string_and_junk() -> None:
    assert parse_skill_payload(_minimal(clientExtra='{"listing_id": 7}')).client_extra == {"listing_id": 7}
    assert parse_skill_payload(_minimal(clientExtra="garbage")).client_extra == {}
    assert parse_skill_payload(_minimal(clientExtra=[1, 2])).client_extra == {}


def test_lang_variants() -> None:
    assert _parse("req_real_plain_utterance_test_block.json").user_request.lang == "ko"
    assert _parse("req_official_v1_skill_dev_guide_snake_case.json").user_request.lang == "kr"
    assert _parse("req_skilltest_custom_entity_detailparams.json").user_request.lang is None
    assert "lang" not in _load("req_official_group_chatbot_chat_botgroupkey.json")["userRequest"]
    assert _parse("req_official_group_chatbot_chat_botgroupkey.json").user_request.lang is None


# --- params ---------------------------------------------------------------------------------------


def test_params_from_real_listing_form() -> None:
    payload = _parse("req_real_secureimage_param_params_only.json")
    assert payload.param("productName") == "상품이름"
    assert payload.param("productPrice") == "100000"
    assert payload.param("kakaoOpenChatUrl") == "https://open.kakao.com/o/sAnonChT"
    assert payload.param("tradingLocation") == "부천시"
    assert payload.param("missing") is None
    assert payload.param("missing", "기본") == "기본"


def test_phone_param_is_plain_text() -> None:
    assert _parse("req_real_param_phone_number_text.json").param("customerPhone") == "01000001111"


def test_param_falls_back_to_detail_params() -> None:
    payload = _parse("req_real_callbackurl_accountid_talkuserid.json")
    assert payload.param("skillIntentCode") == "testIntent"
    assert payload.param("intent_code") == "test_intent"  # only in detailParams
    assert payload.action.detail_params["intent_code"].origin == "test_intent"


def test_custom_entity_param() -> None:
    payload = _parse("req_skilltest_custom_entity_detailparams.json")
    assert payload.param("cocktail_name") == "맨해튼"
    assert payload.action.detail_params["cocktail_name"].value == "맨해튼"


def test_param_order_client_extra_then_params_then_detail_params() -> None:
    body = _minimal(
        clientExtra={"listing_id": 42, "empty": ""},
        params={"listing_id": "7", "q": "의자", "empty": "params"},
        detailParams={"listing_id": {"value": "8"}, "q": {"value": "책상"}, "only": {"value": "d"}},
    )
    payload = parse_skill_payload(body)
    assert payload.param("listing_id") == 42  # raw value from our own extra
    assert payload.param("q") == "의자"
    assert payload.param("only") == "d"
    assert payload.param("empty") == "params"  # "" counts as absent


def test_non_string_param_values_become_strings() -> None:
    payload = parse_skill_payload(_minimal(params={"n": 3, "obj": {"a": 1}}))
    assert payload.param("n") == "3"
    assert json.loads(payload.param("obj")) == {"a": 1}


def test_json_in_string_params_from_official_fragment() -> None:
    action = _load("fragment_official_action_sys_date_location_number.json")["action"]
    payload = parse_skill_payload({"userRequest": {"user": {"id": "u"}}, "action": action})
    assert payload.param("sys_location") == "강남"
    assert payload.param_json("sys_number") == {"amount": 1, "unit": None}
    sys_date = payload.param_json("sys_date")
    assert sys_date["date"] == "2023-03-31"
    assert sys_date["dateTag"] == "Friday"
    assert payload.action.detail_params["sys_date"].origin == "금요일"
    assert payload.param_json("sys_location") == "강남"
    assert payload.param_json("nothing") is None


def test_team_chat_payload() -> None:
    payload = _parse("req_official_group_chatbot_chat_botgroupkey.json")
    assert payload.user_request.chat is not None
    assert payload.user_request.chat.type == "botGroupKey"
    assert payload.user_request.block is None
    assert payload.param("sys_date") == "sys.date"  # GROUP-QS: the literal, not JSON (INDEX contradiction 10)
    assert payload.param_json("sys_date") == "sys.date"


def test_callback_url_and_flow_trigger() -> None:
    payload = _parse("req_real_callbackurl_accountid_talkuserid.json")
    assert payload.callback_url is not None
    assert payload.callback_url.startswith(
        "https://bot-api.kakao.com/v1/bots/5ae9b76d7409b11ec845b746!/callback/"
    )
    flow = _parse("req_real_flow_trigger_quickreply_button_message.json").flow
    assert flow is not None and flow.trigger is not None and flow.trigger.referrer_block is not None
    assert flow.trigger.type == "QUICKREPLY_BUTTON_MESSAGE"
    assert flow.trigger.referrer_block.name == "폴백 블록"


def test_knowledge_intent_extra_is_kept_raw() -> None:
    payload = _parse("req_official_knowledge_plus_intent_extra.json")
    assert payload.intent.name == "지식+"
    assert len(payload.intent.extra["knowledge"]["matchedKnowledges"]) == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"surface": "BuilderBotTest"}, True),
        ({"ignoreMe": "true"}, True),
        ({"surface": "Kakaotalk.plusfriend"}, False),
        ({}, False),
    ],
)
def test_is_builder_test(params: dict[str, str], expected: bool) -> None:
    body = {"userRequest": {"user": {"id": "u"}, "params": params}}
    assert parse_skill_payload(body).is_builder_test is expected


# --- contexts and secure images --------------------------------------------------------------------


def test_contexts_lifespan_ttl_resolved_value() -> None:
    payload = _parse("req_real_contexts_lifespan_ttl_resolvedvalue.json")
    ctx = payload.context("product")
    assert ctx is not None
    assert (ctx.lifespan, ctx.ttl) == (1, 600)
    assert ctx.params["productName"].resolved_value == "상품이름"
    assert ctx.params["productImg"].value == f"List({S3_URL})"
    assert payload.context("nope") is None


def test_context_lifespan_camel_and_plain_string_params() -> None:
    body = {
        "userRequest": {"user": {"id": "u"}},
        "contexts": [{"name": "c", "lifeSpan": 3, "params": {"k": "v"}}],
    }
    ctx = parse_skill_payload(body).contexts[0]
    assert ctx.lifespan == 3
    assert ctx.params["k"].value == ctx.params["k"].resolved_value == "v"


def test_secure_images_from_params_json_string() -> None:
    assert _parse("req_real_secureimage_param_params_only.json").secure_images("productImg") == [SECURE_URL]


def test_secure_images_from_contexts_only() -> None:
    data = _load("req_real_contexts_lifespan_ttl_resolvedvalue.json")
    assert _parse("req_real_contexts_lifespan_ttl_resolvedvalue.json").secure_images("productImg") == [S3_URL]
    del data["action"]["params"]["productImg"]
    payload = parse_skill_payload(data)
    assert payload.param("productImg") is None
    assert payload.secure_images("productImg") == [S3_URL]
    assert payload.secure_images("productName") == []
    assert payload.secure_images("absent") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"List({S3_URL})", [S3_URL]),
        ("List(https://a.example/1.jpg, https://a.example/2.jpg)", ["https://a.example/1.jpg", "https://a.example/2.jpg"]),
        ("List(https://a.example/1.jpg?x=1,2, https://a.example/2.jpg)", ["https://a.example/1.jpg?x=1,2", "https://a.example/2.jpg"]),
        (
            json.dumps({"privacyAgreement": "Y", "imageQuantity": "2", "secureUrls": "List(https://a/1, https://a/2)"}),
            ["https://a/1", "https://a/2"],
        ),
        ({"secureUrls": "List(https://a/1)"}, ["https://a/1"]),
        ('["https://a/1", "https://a/2"]', ["https://a/1", "https://a/2"]),
        ("https://a/only.jpg", ["https://a/only.jpg"]),
        ("List()", []),
        ('{"privacyAgreement": "N"}', []),
        ("{broken", []),
        ("그림", []),
        (None, []),
        (5, []),
    ],
)  # fmt: skip
def test_decode_secure_urls(value: Any, expected: list[str]) -> None:
    assert decode_secure_urls(value) == expected


# --- leniency ---------------------------------------------------------------------------------------


def test_unknown_keys_are_ignored_everywhere() -> None:
    data = _load("req_real_plain_utterance_test_block.json")
    data["brandNew"] = {"x": 1}
    data["userRequest"]["newThing"] = [1, 2]
    data["userRequest"]["user"]["newKey"] = True
    data["action"]["future"] = None
    assert parse_skill_payload(data).user_key == KEY_0A1


def test_nulls_where_objects_are_expected() -> None:
    body = {
        "intent": None,
        "bot": None,
        "action": {"params": None, "detailParams": None, "clientExtra": None},
        "contexts": None,
        "userRequest": {"user": {"id": 620678, "properties": None}, "utterance": None, "params": None},
    }
    payload = parse_skill_payload(body)
    assert payload.user_key == "620678"  # numbers are taken as strings
    assert payload.utterance == ""
    assert payload.bot_id == ""
    assert payload.contexts == []
    assert payload.param("x") is None


def test_user_key_at_70_chars_is_accepted() -> None:
    assert parse_skill_payload({"userRequest": {"user": {"id": "a" * 70}}}).user_key == "a" * 70


# --- bad bodies -------------------------------------------------------------------------------------


def _truncated() -> bytes:
    return (REQUESTS_DIR / "req_real_plain_utterance_test_block.json").read_bytes()[:-40]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        ("", "empty body"),
        (b"   ", "not valid JSON"),
        (b"not json", "not valid JSON"),
        (b"\xff\xfe{", "not valid JSON"),
        (b'{"userRequest": {"user": {"id": "u"}', "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'[{"userRequest": {"user": {"id": "u"}}}]', "not a JSON object"),
        (b"null", "not a JSON object"),
        (b'"text"', "not a JSON object"),
        (b"42", "not a JSON object"),
        (b"{}", "missing userRequest"),
        (b'{"userRequest": null}', "userRequest"),
        (b'{"userRequest": {}}', "userRequest.user"),
        (b'{"userRequest": {"user": {}}}', "userRequest.user.id"),
        (b'{"userRequest": {"user": {"id": null}}}', "userRequest.user.id"),
        (b'{"userRequest": {"user": {"id": ""}}}', "userRequest.user.id"),
        (b'{"userRequest": {"user": {"id": "' + b"a" * 71 + b'"}}}', "userRequest.user.id"),
        (b'{"userRequest": {"user": "u"}}', "userRequest.user"),
        (b'{"userRequest": {"user": {"id": "u"}}, "action": {"params": []}}', "action.params"),
        ([1, 2], "not a JSON object"),
        ({}, "missing userRequest"),
    ],
)
def test_bad_bodies_raise_skill_payload_error(body: Any, reason: str) -> None:
    with pytest.raises(SkillPayloadError) as info:
        parse_skill_payload(body)
    err = info.value
    assert isinstance(err, ValueError)
    assert reason in err.reason
    assert err.reason.isascii()
    assert _hangul(err.user_message)


def test_truncated_fixture_is_refused() -> None:
    with pytest.raises(SkillPayloadError, match="not valid JSON"):
        parse_skill_payload(_truncated())


def test_ten_megabytes_of_junk_fail_fast() -> None:
    junk = b"\x00junk" * (10 * 1024 * 1024 // 5)
    started = time.perf_counter()
    with pytest.raises(SkillPayloadError, match="larger than"):
        parse_skill_payload(junk)
    assert time.perf_counter() - started < 0.05


def test_junk_just_under_the_size_cap_fails_fast() -> None:
    junk = b"x" * (MAX_PAYLOAD_BYTES - 1)
    started = time.perf_counter()
    with pytest.raises(SkillPayloadError, match="not valid JSON"):
        parse_skill_payload(junk)
    assert time.perf_counter() - started < 0.05


def test_parsing_is_fast_enough_for_every_request() -> None:
    raw = (REQUESTS_DIR / "req_real_contexts_lifespan_ttl_resolvedvalue.json").read_bytes()
    parse_skill_payload(raw)
    started = time.perf_counter()
    for _ in range(1000):
        parse_skill_payload(raw)
    # ~20 µs each on a laptop; the bound only catches an accidental order-of-magnitude regression.
    assert time.perf_counter() - started < 1.0


def test_parse_does_not_mutate_a_dict_body() -> None:
    data = _load("req_official_v1_skill_dev_guide_snake_case.json")
    before = copy.deepcopy(data)
    parse_skill_payload(data)
    assert data == before
