"""Browse and search pages are rendered once per market version (skills.answers,
chatbot.services.market_version) and are never shown stale: whatever a card shows that changes —
a new listing, a status, a seller's nickname, a bulk update — gives the market a new version."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from chatbot.models import Listing
from chatbot.services import market_version
from tests.market_helpers import BUYER, SELLER, cards, listing_ids, listings, register, sell

DIGITAL = {"category": "digital"}


@pytest.fixture
def queries(rt):
    """The SQL statements the app sends, as a list that grows while the test runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        sent.append(statement)

    event.listen(rt.engine, "before_cursor_execute", record)
    yield sent
    event.remove(rt.engine, "before_cursor_execute", record)


@pytest.fixture
def market(kakao):
    register(kakao)
    register(kakao, BUYER, nickname="구매왕", phone="01098765432")
    sell(kakao, title="첫 번째 노트북")


def test_a_repeated_browse_is_answered_without_the_database(kakao, market, queries):
    first = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    sent_for_first = len(queries)
    again = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    assert again == first
    assert sent_for_first > 0 and len(queries) == sent_for_first


def test_a_new_listing_shows_on_the_next_browse_and_search(kakao, market):
    before = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    found = kakao.call("search", "검색 노트북", user_key=BUYER)
    sell(kakao, title="두 번째 노트북")
    after = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    found_after = kakao.call("search", "검색 노트북", user_key=BUYER)
    assert len(listing_ids(after)) == len(listing_ids(before)) + 1
    assert cards(after)[0]["title"] == "두 번째 노트북"
    assert len(listing_ids(found_after)) == len(listing_ids(found)) + 1


def test_a_hidden_listing_leaves_the_next_browse(kakao, market):
    [item] = listings(kakao.client.application.extensions["junggyenara"])
    assert listing_ids(kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)) == [item.id]
    kakao.call("listing-status", client_extra={"listing_id": item.id, "status": "hidden"}, user_key=SELLER)
    answer = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    assert listing_ids(answer) == []


def test_a_new_nickname_shows_on_the_sellers_cards(kakao, market):
    def nicknames() -> list[str]:
        answer = kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
        return [c["profile"]["nickname"] for c in cards(answer)]

    assert nicknames() == ["판매왕"]
    kakao.call("profile", params={"nickname": "새이름"}, user_key=SELLER)
    assert nicknames() == ["새이름"]


def test_a_bulk_update_of_listings_gives_a_new_version(rt, market):
    version = market_version.current(rt.redis)
    with rt.sessions() as session:
        session.execute(update(Listing).values(title="일괄 수정"))
        session.commit()
    assert market_version.current(rt.redis) != version


def test_reads_and_a_new_member_keep_the_version(rt, kakao, market):
    version = market_version.current(rt.redis)
    kakao.call("listings", client_extra=DIGITAL, user_key=BUYER)
    kakao.call("my-listings", user_key=SELLER)
    register(kakao, "newcomer-key-0003", nickname="새내기", phone="01055556666")
    assert market_version.current(rt.redis) == version


def test_a_flushed_redis_never_brings_back_an_old_version(rt, market):
    seen = {market_version.current(rt.redis)}
    for _ in range(3):
        rt.redis.flushdb()
        seen.add(market_version.current(rt.redis))
    assert len(seen) == 4
