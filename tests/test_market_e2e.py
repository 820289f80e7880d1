"""Issue 4 acceptance, end to end through /skills with two botUserKeys: register → sell → browse →
search → another user cannot hide or delete → the owner hides, relists, deletes."""

from __future__ import annotations

from tests.conftest import texts_of
from tests.market_helpers import (
    BUYER,
    SELLER,
    call_with_contexts,
    contexts_of,
    listing_ids,
    listings,
    quick_reply,
    register,
)


def test_register_sell_browse_search_and_owner_only_status(kakao, rt):
    # A newcomer tries to sell: led to register, and back.
    first = kakao.call("sell", params={"title": "원목 의자 팝니다", "price": "1.2만"}, user_key=SELLER)
    to_register = quick_reply(first, "회원가입")
    assert to_register["extra"] == {"next": "sell"}
    kept = contexts_of(first)
    assert kept[0]["params"]["title"] == "원목 의자 팝니다"

    welcome = kakao.call(
        "register",
        client_extra=to_register["extra"],
        user_key=SELLER,
        params={"nickname": "의자장인", "phone": "+82 10-1234-5678"},
    )
    assert "환영" in texts_of(welcome)
    back = quick_reply(welcome, "판매 계속하기")
    assert back is not None

    # Back in sell with the rest: the title and price given before are not asked again.
    posted = call_with_contexts(
        kakao,
        "sell",
        back["messageText"],
        contexts=kept,
        user_key=SELLER,
        params={
            "category": "가구/인테리어",
            "trade_method": "직거래",
            "place": "부천역",
            "description": "튼튼한 원목 의자예요. 흠집 조금.",
        },
    )
    assert "올렸어요" in texts_of(posted)
    [listing] = listings(rt)
    assert (listing.title, listing.price, listing.category) == ("원목 의자 팝니다", 12000, "furniture")

    # Browse the category: it is there; search finds it by a two-syllable Korean word.
    browse = kakao.call("listings", client_extra={"category": "furniture"}, user_key=BUYER)
    assert listing_ids(browse) == [listing.id]
    found = kakao.call("search", "검색 의자", user_key=BUYER)
    assert listing_ids(found) == [listing.id]
    detail = kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=BUYER)
    assert "의자장인" in texts_of(detail) and "12,000원" in texts_of(detail)

    # Another user (even a member) cannot hide or delete it.
    register(kakao, BUYER, nickname="구매자")
    for status in ("숨김", "삭제"):
        refused = kakao.call(
            "listing-status", client_extra={"listing_id": listing.id, "status": status}, user_key=BUYER
        )
        assert "내가 올린 판매글만" in texts_of(refused)
        assert listings(rt)[0].status == "on_sale"

    # The owner hides it: gone from browse and search; relists; deletes.
    kakao.call("listing-status", client_extra={"listing_id": listing.id, "status": "hidden"}, user_key=SELLER)
    assert listings(rt)[0].status == "hidden"
    assert listing_ids(kakao.call("listings", client_extra={"category": "furniture"})) == []
    assert listing_ids(kakao.call("search", params={"query": "의자"})) == []
    kakao.call("listing-status", client_extra={"listing_id": listing.id, "status": "판매중"}, user_key=SELLER)
    assert listings(rt)[0].status == "on_sale"
    assert listing_ids(kakao.call("search", params={"query": "원목 의자"})) == [listing.id]
    gone = kakao.call(
        "listing-status", client_extra={"listing_id": listing.id, "status": "삭제"}, user_key=SELLER
    )
    assert "삭제" in texts_of(gone)
    assert listings(rt)[0].status == "deleted"
    assert "찾을 수 없어요" in texts_of(kakao.call("listing", client_extra={"listing_id": listing.id}))
