"""Issue 5 §3: 50 buyers press 구매하기 on one listing at the same moment, on real MariaDB.

Each buyer is its own thread with its own test client (each request its own DB session and
connection) calling `POST /skills/buy`; a barrier releases them together. Exactly one order is
stored, the listing is 예약중 and held by that order, and the 49 others are told
"이미 예약된 상품입니다".

Released together, the requests still reach the database a few milliseconds apart, and the first
buyer usually commits before the others read the listing: a check-then-write race would then pass
unseen. The `widened` runs make every buyer wait between reading the listing and reserving it, so
all attempts are inside `place_order` at once and only the database (the row lock, the UNIQUE
active order) can keep the listing from being sold twice.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from chatbot.config import Settings
from chatbot.models import Listing, Order
from chatbot.services import listings as listing_service
from tests.conftest import TEST_REDIS_URL, Kakao, texts_of
from tests.trade_helpers import make_listing, make_member

BUYERS = 50


@pytest.fixture
def settings(migrated_database):
    # 50 requests share the dispatcher's 32 handler threads; give the queued ones time to answer.
    return Settings(
        app_env="test", database_url=migrated_database, redis_url=TEST_REDIS_URL, skill_time_budget=4.9
    )


@pytest.fixture(params=[0.0, 0.05], ids=["plain", "widened"])
def race_window(request, monkeypatch) -> float:
    """Seconds each buyer waits after reading the listing, before it is moved to 예약중."""
    if request.param:
        original = listing_service.transition

        def slow_transition(listing, target):
            time.sleep(request.param)
            return original(listing, target)

        monkeypatch.setattr(listing_service, "transition", slow_transition)
    return request.param


@pytest.mark.parametrize("method", ["직거래", "카카오페이"])
def test_fifty_concurrent_buyers_one_winner(app, rt, method, race_window):
    with rt.sessions() as session:
        seller = make_member(session, "seller-0000", "판매자")
        listing_id = make_listing(session, seller).id
        for i in range(BUYERS):
            make_member(session, f"buyer-{i:04d}", f"구매자{i:02d}")

    barrier = threading.Barrier(BUYERS)
    answers: list[str | None] = [None] * BUYERS

    def attempt(i: int) -> None:
        kakao = Kakao(app.test_client())
        barrier.wait()
        answers[i] = texts_of(
            kakao.call(
                "buy", client_extra={"listing_id": listing_id, "method": method}, user_key=f"buyer-{i:04d}"
            )
        )

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(answer is not None for answer in answers)
    losers = [a for a in answers if "이미 예약된 상품입니다" in a]
    winners = [a for a in answers if "이미 예약된" not in a]
    assert len(losers) == BUYERS - 1, winners
    assert len(winners) == 1 and ("예약했어요" in winners[0] or "주문했어요" in winners[0])
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
        order = session.scalar(select(Order))
        listing = session.get(Listing, listing_id)
        assert listing.status == "reserved"
        assert order.active_listing_id == listing_id
        assert order.status == ("reserved" if method == "직거래" else "pending_payment")
