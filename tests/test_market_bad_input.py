"""Issue 4 acceptance: every skill answers every kind of bad input with a valid Korean SkillResponse
(no apology for an unexpected error), and nothing bad is stored, nothing good is lost.

A member with a listing (and its photo row) and a stranger call every registered skill with each
kind of bad value in every param the skills read, in `action.params` and in `clientExtra`; the
member also sends them about their own listing (`listing_id` valid, the rest bad). The database
must be exactly as before: no row added, changed or removed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chatbot.kakao import validate_skill_response
from chatbot.models import Base, Listing, ListingPhoto
from chatbot.services import listings as service
from skills.dispatch import APOLOGY, TOO_SLOW
from skills.registry import REGISTRY
from tests.conftest import texts_of
from tests.market_helpers import SECURE_URL, SELLER, register, secureimage, sell
from tests.test_skill_endpoint import has_korean

STRANGER = "stranger-key-0003"
# Every param a skill of the catalogue reads (README "Skills"), plus our paging/return keys.
PARAMS = (
    "title",
    "price",
    "category",
    "description",
    "trade_method",
    "place",
    "open_chat_url",
    "images",
    "listing_id",
    "status",
    "query",
    "nickname",
    "phone",
    "method",
    "order_id",
    "courier",
    "tracking_number",
    "board",
    "keyword",
    "page",
    "before",
    "next",
)
FOREIGN_IMAGE = secureimage("https://evil.example/cat.jpg", "http://169.254.169.254/latest/meta-data")
BAD_VALUES = {
    "wrong type: int": 123,
    "wrong type: float": 4.5,
    "wrong type: bool": True,
    "wrong type: null": None,
    "wrong type: list": ["a", 1],
    "wrong type: object": {"amount": "x", "nested": {"a": [1]}},
    "empty": "",
    "10,000 characters": "가" * 10_000,
    "negative": "-5000",
    "negative number": -5000,
    "SQL": "'; DROP TABLE listings; -- 1 OR 1=1",
    "HTML": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "unknown category": "자동차",
    "image on a foreign host": FOREIGN_IMAGE,
}


def snapshot(rt) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with rt.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def market(kakao, rt):
    """A member (SELLER) with one listing holding one pending photo; gives its id."""
    register(kakao, SELLER, nickname="판매왕")
    sell(kakao, SELLER, images=secureimage(SECURE_URL))
    with rt.sessions() as session:
        [listing] = session.scalars(select(Listing)).all()
        assert session.scalars(select(ListingPhoto.listing_id)).all() == [listing.id]
        return listing.id


def post(kakao, skill: str, user_key: str, params: dict, client_extra: dict) -> dict:
    body = kakao.payload(user_key=user_key)
    body["action"]["params"] = params
    body["action"]["detailParams"] = {}
    body["action"]["clientExtra"] = client_extra
    resp = kakao.client.post(f"/skills/{skill}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    answer = resp.get_json()
    validate_skill_response(answer, strict=True)
    return answer


@pytest.mark.parametrize("skill", sorted(REGISTRY))
def test_every_kind_of_bad_input_gets_a_korean_answer_and_changes_nothing(kakao, rt, market, skill):
    listing_id = market
    before = snapshot(rt)
    calls = [("missing params", STRANGER, {}, {}), ("missing params", SELLER, {}, {})]
    for kind, value in BAD_VALUES.items():
        bad = dict.fromkeys(PARAMS, value)
        calls += [
            (kind, STRANGER, bad, {}),
            (kind, SELLER, bad, {}),
            (kind, SELLER, {}, bad),
            (kind, SELLER, {}, {**bad, "listing_id": listing_id}),  # own listing, everything else bad
        ]
    for kind, user_key, params, client_extra in calls:
        answer = post(kakao, skill, user_key, params, client_extra)
        text = texts_of(answer)
        where = f"{skill} / {kind} / {user_key} / {'clientExtra' if client_extra else 'params'}"
        assert has_korean(text), where
        assert APOLOGY not in text and TOO_SLOW not in text, where  # refused, not crashed
    assert snapshot(rt) == before


def test_the_good_listing_is_still_shown_after_the_bad_input(kakao, rt, market):
    """Nothing good is lost: after a storm of bad input the listing reads as it was posted."""
    for value in BAD_VALUES.values():
        post(kakao, "sell", SELLER, dict.fromkeys(PARAMS, value), {})
    detail = kakao.call("listing", client_extra={"listing_id": market}, user_key=STRANGER)
    text = texts_of(detail)
    assert "아이폰 13 미니 팝니다" in text and "420,000원" in text and "판매왕" in text
    with rt.sessions() as session:
        assert [item.id for item in service.browse(session, "digital").items] == [market]
