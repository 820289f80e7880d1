"""Members: nickname and phone rules, `register` (with the way back), `profile` (see and edit)."""

from __future__ import annotations

import pytest

from chatbot.errors import InvalidInput
from chatbot.services import members as service
from tests.conftest import texts_of
from tests.market_helpers import SELLER, call_with_contexts, contexts_of, members, quick_reply, register


@pytest.mark.parametrize(
    "typed",
    [
        "01012345678",
        "010-1234-5678",
        "010 1234 5678",
        "010.1234.5678",
        "+82 10-1234-5678",
        "+821012345678",
        "+82 010 1234 5678",
        "821012345678",
        "(010) 1234-5678",
        "０１０１２３４５６７８",
    ],
)
def test_phone_forms_people_type_are_normalized(typed):
    assert service.normalize_phone(typed) == "010-1234-5678"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0101234567",
        "010123456789",
        "011-123-4567",
        "02-123-4567",
        "abc",
        "010-1234-567a",
        "+1 010 1234 5678",
        None,
    ],
)
def test_other_phone_numbers_are_refused_with_a_field_reason(bad):
    with pytest.raises(InvalidInput) as exc:
        service.normalize_phone(bad)
    assert exc.value.user_message.startswith("휴대폰 번호:")
    assert "phone" in exc.value.details


@pytest.mark.parametrize("good", ["판매왕", "ab", "a" * 12, "Hello_123", "의자장인"])
def test_good_nicknames(good):
    assert service.check_nickname(f"  {good} ") == good


@pytest.mark.parametrize(
    "bad,reason",
    [
        ("", "입력"),
        ("a", "2~12자"),
        ("가" * 13, "2~12자"),
        ("x" * 10_000, "2~12자"),
        ("<b>hi</b>", "한글, 영문"),
        ("'; DROP--", "한글, 영문"),
        ("닉 네임", "한글, 영문"),
        ("관리자", "운영자"),
        ("SuperAdmin", "운영자"),
        ("ㅋㅋㅋ", "한글, 영문"),
    ],
)
def test_bad_nicknames(bad, reason):
    with pytest.raises(InvalidInput) as exc:
        service.check_nickname(bad)
    assert reason in exc.value.user_message and exc.value.user_message.startswith("닉네임:")


def test_mask_phone():
    assert service.mask_phone("010-1234-5678") == "010-****-5678"


def test_register_stores_the_member_with_kakao_keys(kakao, rt):
    answer = register(kakao, nickname="판매왕", phone="010 9876 5432")
    assert "환영" in texts_of(answer)
    [member] = members(rt)
    assert (member.bot_user_key, member.nickname, member.phone) == (SELLER, "판매왕", "010-9876-5432")
    assert member.plusfriend_user_key == "AnonPfKey0A1" and member.status == "active"
    again = register(kakao, nickname="다른이름")
    assert "이미 가입" in texts_of(again) and len(members(rt)) == 1


@pytest.mark.parametrize(
    "params,field,reason",
    [
        ({}, "닉네임", "입력해 주세요"),
        ({"nickname": "판매왕"}, "휴대폰 번호", "입력해 주세요"),
        ({"nickname": "x" * 10_000, "phone": "01012345678"}, "닉네임", "2~12자"),
        ({"nickname": "<script>", "phone": "01012345678"}, "닉네임", "한글, 영문"),
        ({"nickname": "a'; DROP TABLE members; --", "phone": "01012345678"}, "닉네임", "2~12자"),
        ({"nickname": "판매왕", "phone": "02-123-4567"}, "휴대폰 번호", "010-1234-5678"),
        ({"nickname": "판매왕", "phone": "<b>010</b>"}, "휴대폰 번호", "010-1234-5678"),
    ],
)
def test_bad_sign_ups_name_the_field_and_store_nothing(kakao, rt, params, field, reason):
    answer = kakao.call("register", params=params, user_key=SELLER)
    text = texts_of(answer)
    assert f"{field}: " in text and reason in text
    assert members(rt) == []


def test_a_taken_nickname_is_refused_case_insensitively(kakao, rt):
    register(kakao, "someone-else", nickname="Seller")
    answer = register(kakao, SELLER, nickname="seller")
    assert "닉네임: 이미 누가" in texts_of(answer)
    assert len(members(rt)) == 1


def test_a_rejected_phone_keeps_the_nickname_for_the_next_turn(kakao, rt):
    first = kakao.call(
        "register",
        params={"nickname": "기억해줘", "phone": "12345"},
        client_extra={"next": "sell"},
        user_key=SELLER,
    )
    assert "휴대폰 번호:" in texts_of(first) and "닉네임:" not in texts_of(first)
    second = call_with_contexts(
        kakao, "register", contexts=contexts_of(first), params={"phone": "01055556666"}, user_key=SELLER
    )
    assert "환영" in texts_of(second)
    assert quick_reply(second, "판매 계속하기") is not None  # `next` survived too
    assert [(m.nickname, m.phone) for m in members(rt)] == [("기억해줘", "010-5555-6666")]


def test_profile_of_a_non_member_leads_to_register_and_back(kakao):
    answer = kakao.call("profile", user_key=SELLER)
    assert quick_reply(answer, "회원가입")["extra"] == {"next": "profile"}


def test_profile_shows_and_edits(kakao, rt):
    register(kakao, nickname="판매왕", phone="01012345678")
    shown = texts_of(kakao.call("profile", user_key=SELLER))
    assert "판매왕" in shown and "010-****-5678" in shown and "010-1234-5678" not in shown
    edited = kakao.call("profile", params={"nickname": "새이름"}, user_key=SELLER)
    assert "바꿨어요" in texts_of(edited) and "새이름" in texts_of(edited)
    refused = kakao.call("profile", params={"phone": "999"}, user_key=SELLER)
    assert "휴대폰 번호:" in texts_of(refused)
    [member] = members(rt)
    assert (member.nickname, member.phone) == ("새이름", "010-1234-5678")


def test_a_real_payload_with_app_user_id_stores_both_kakao_keys(client, rt, fixtures_dir):
    import json

    from chatbot.kakao import validate_skill_response

    body = json.loads(
        (fixtures_dir / "kakao/requests/req_real_callbackurl_accountid_talkuserid.json").read_text()
    )
    body["action"]["params"] = {"nickname": "앱유저", "phone": "010-2222-3333"}
    body["action"]["detailParams"] = {}
    body["action"]["clientExtra"] = {}
    resp = client.post("/skills/register", json=body)
    assert resp.status_code == 200
    validate_skill_response(resp.get_json(), strict=True)
    [member] = members(rt)
    user = body["userRequest"]["user"]
    assert (member.bot_user_key, member.plusfriend_user_key, member.app_user_id) == (
        user["id"],
        "AnonPfKey0B2",
        "1234567",
    )


def test_profile_refuses_a_nickname_someone_else_has(kakao, rt):
    register(kakao, "someone-else", nickname="먼저온사람", phone="01011112222")
    register(kakao, SELLER, nickname="판매왕", phone="01012345678")
    refused = kakao.call("profile", params={"nickname": "먼저온사람"}, user_key=SELLER)
    assert "닉네임: 이미 누가" in texts_of(refused)
    assert sorted(m.nickname for m in members(rt)) == ["먼저온사람", "판매왕"]
