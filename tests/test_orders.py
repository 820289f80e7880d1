"""The order state machine (issue 5 §2): every legal move by the right party, every illegal move
and wrong party refused in Korean with nothing changed, the listing following the order, and the
database's one-active-order-per-listing guarantee."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chatbot.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from chatbot.models import Listing, Order, OrderEvent
from chatbot.services import listings as listing_service
from chatbot.services import orders as service
from tests.trade_helpers import fresh, make_listing, make_parties

# (action, from status, to status, role) for every legal move of the table.
LEGAL = [
    (action, source, target, role)
    for action, move in service.MOVES.items()
    for source, target in move.targets.items()
    for role in sorted(move.roles)
]


@pytest.fixture
def trade(rt):
    """A seller, a buyer, a stranger and a listing on sale (직거래·택배)."""
    with rt.sessions() as session:
        seller, buyer, stranger = make_parties(session)
        return seller, buyer, stranger, make_listing(session, seller).id


def _place(rt, trade, method="kakaopay") -> int:
    _, buyer, _, listing_id = trade
    with rt.sessions() as session:
        return service.place_order(session, listing_id, buyer, method).id


def _force(rt, order_id: int, status: str) -> None:
    """Put an order in `status` directly (the listing as that status implies), for table tests."""
    with rt.sessions() as session:
        order = session.get(Order, order_id)
        order.status = status
        listing = session.get(Listing, order.listing_id)
        listing.status = {"completed": "sold", "canceled": "on_sale", "payment_failed": "on_sale"}.get(
            status, "reserved"
        )
        order.active_listing_id = None if status in service.FINAL_STATUSES else order.listing_id
        session.commit()


def test_the_table_is_the_design():
    # kakaopay: 결제대기 → 결제완료 → 배송중 → 구매확정 → 거래완료; 직거래: 예약중 → 구매확정 → 거래완료.
    path = {m.targets.get(s) for m in service.MOVES.values() for s in ("pending_payment",)}
    assert {"paid", "payment_failed", "canceled"} <= path
    assert service.MOVES["ship"].targets["paid"] == "shipping"
    assert service.MOVES["confirm_purchase"].targets == {
        "shipping": "purchase_confirmed",
        "reserved": "purchase_confirmed",
    }
    assert service.MOVES["confirm_sale"].targets == {"purchase_confirmed": "completed"}
    assert set(service.MOVES["cancel"].targets) == {"pending_payment", "reserved"}
    assert service.MOVES["refund"].targets == {"paid": "canceled"}
    assert service.MOVES["ship"].roles == {"seller"}
    assert service.MOVES["confirm_purchase"].roles == {"buyer"}
    assert service.MOVES["confirm_sale"].roles == {"seller"}
    assert set(service.STATUS_LABELS.values()) == {
        "결제대기",
        "결제완료",
        "배송중",
        "예약중",
        "구매확정",
        "거래완료",
        "취소",
        "결제실패",
    }


@pytest.mark.parametrize("action,source,target,role", LEGAL)
def test_every_legal_move(rt, trade, action, source, target, role):
    method = "face_to_face" if source == "reserved" else "kakaopay"
    order_id = _place(rt, trade, method)
    _force(rt, order_id, source)
    with rt.sessions() as session:
        order = service.lock_order(session, order_id)
        service.apply(session, order, action, role)
        session.commit()
    order = fresh(rt, Order, order_id)
    assert order.status == target
    listing = fresh(rt, Listing, order.listing_id)
    expected_listing = {"completed": "sold", "canceled": "on_sale", "payment_failed": "on_sale"}.get(
        target, "reserved"
    )
    assert listing.status == expected_listing
    assert (order.active_listing_id is None) == (target in service.FINAL_STATUSES)
    with rt.sessions() as session:
        last = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id.desc())
        ).first()
        assert (last.from_status, last.to_status, last.action, last.actor) == (source, target, action, role)


ILLEGAL_STATES = [
    (action, status)
    for action, status in itertools.product(service.MOVES, service.STATUS_LABELS)
    if status not in service.MOVES[action].targets
]


@pytest.mark.parametrize("action,status", ILLEGAL_STATES)
def test_every_illegal_move_is_refused_in_korean_and_changes_nothing(rt, trade, action, status):
    method = "face_to_face" if status in ("reserved",) else "kakaopay"
    order_id = _place(rt, trade, method)
    _force(rt, order_id, status)
    role = sorted(service.MOVES[action].roles)[0]
    with rt.sessions() as session:
        order = service.lock_order(session, order_id)
        with pytest.raises(InvalidTransition) as refused:
            service.apply(session, order, action, role)
        session.rollback()
    assert any("가" <= ch <= "힣" for ch in refused.value.user_message)
    assert fresh(rt, Order, order_id).status == status


@pytest.mark.parametrize(
    "action,source",
    [(a, s) for a, m in service.MOVES.items() for s in m.targets if a not in ("pay", "fail_payment")],
)
def test_the_wrong_party_is_refused(rt, trade, action, source):
    seller, buyer, stranger, _ = trade
    order_id = _place(rt, trade, "face_to_face" if source == "reserved" else "kakaopay")
    _force(rt, order_id, source)
    allowed = service.MOVES[action].roles
    for member, role in ((seller, "seller"), (buyer, "buyer"), (stranger, None)):
        if role in allowed:
            continue
        with rt.sessions() as session:
            order = service.lock_order(session, order_id)
            with pytest.raises(Forbidden) as refused:
                service.apply(session, order, action, service.role_of(order, member))
            session.rollback()
        assert refused.value.user_message
    assert fresh(rt, Order, order_id).status == source


def test_act_checks_the_member_and_stores_tracking(rt, trade):
    seller, buyer, stranger, _ = trade
    order_id = _place(rt, trade)
    _force(rt, order_id, "paid")
    fields = {"courier": "CJ대한통운", "tracking_number": "123456789012"}
    for member, error in ((buyer, "판매자만"), (stranger, "내 거래가 아니에요")):
        with rt.sessions() as session, pytest.raises(Forbidden, match=error):
            service.act(session, order_id, member, "ship", **fields)
    with rt.sessions() as session:
        service.act(session, order_id, seller, "ship", **fields)
    order = fresh(rt, Order, order_id)
    assert (order.status, order.courier, order.tracking_number) == ("shipping", "CJ대한통운", "123456789012")
    assert order.shipped_at is not None
    with rt.sessions() as session, pytest.raises(InvalidTransition, match="배송이 시작된"):
        service.act(session, order_id, buyer, "cancel")
    with rt.sessions() as session, pytest.raises(InvalidTransition, match="카카오페이"):
        service.act(session, order_id, buyer, "refund")
    with rt.sessions() as session, pytest.raises(NotFound):
        service.act(session, 999_999, buyer, "cancel")


def test_place_order_rules(rt, trade):
    seller, buyer, stranger, listing_id = trade
    with rt.sessions() as session:
        with pytest.raises(Forbidden, match="내 판매글"):
            service.place_order(session, listing_id, seller, "face_to_face")
        with pytest.raises(NotFound):
            service.place_order(session, 999_999, buyer, "face_to_face")
        free = make_listing(session, seller, price=0, trade_method="delivery", title="나눔")
        with pytest.raises(InvalidInput, match="오픈채팅"):
            service.place_order(session, free.id, buyer, "kakaopay")
        direct = make_listing(session, seller, trade_method="direct", title="직거래만")
        with pytest.raises(InvalidInput, match="직거래"):
            service.place_order(session, direct.id, buyer, "kakaopay")
        order = service.place_order(session, listing_id, buyer, "kakaopay")
        assert (order.status, order.amount, order.active_listing_id) == ("pending_payment", 30000, listing_id)
        with pytest.raises(Conflict, match="이미 내가 예약한"):
            service.place_order(session, listing_id, buyer, "kakaopay")
        with pytest.raises(Conflict, match="이미 예약된 상품입니다"):
            service.place_order(session, listing_id, stranger, "face_to_face")
    assert fresh(rt, Listing, listing_id).status == "reserved"


def test_the_database_refuses_a_second_active_order(rt, trade):
    """Even code that skips the lock cannot store two active orders of one listing."""
    seller, _, stranger, listing_id = trade
    _place(rt, trade)
    with rt.sessions() as session:
        session.add(
            Order(
                listing_id=listing_id,
                buyer_id=stranger.id,
                seller_id=seller.id,
                method="face_to_face",
                amount=1,
                status="reserved",
                active_listing_id=listing_id,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1


def test_a_finished_order_frees_the_listing_for_the_next_buyer(rt, trade):
    seller, _, stranger, listing_id = trade
    first = _place(rt, trade, "face_to_face")
    with rt.sessions() as session:
        service.act(session, first, seller, "cancel")
    assert fresh(rt, Listing, listing_id).status == "on_sale"
    with rt.sessions() as session:
        second = service.place_order(session, listing_id, stranger, "face_to_face")
    assert second.active_listing_id == listing_id
    assert fresh(rt, Order, first).active_listing_id is None


def test_a_reserved_listing_is_moved_only_by_its_trade(rt, trade):
    seller, _, _, listing_id = trade
    _place(rt, trade, "face_to_face")
    for target in ("on_sale", "deleted"):
        with rt.sessions() as session, pytest.raises(InvalidTransition, match="거래 중인"):
            listing_service.change_status(session, listing_id, seller, target)
    assert fresh(rt, Listing, listing_id).status == "reserved"


@pytest.mark.parametrize(
    "typed,courier",
    [
        ("CJ", "CJ대한통운"),
        ("대한통운", "CJ대한통운"),
        ("우체국", "우체국택배"),
        ("GS", "편의점택배(GS/CU)"),
        ("cu", "편의점택배(GS/CU)"),
        ("한진택배", "한진택배"),
        ("롯데", "롯데택배"),
        ("로젠 택배", "로젠택배"),
    ],
)
def test_couriers(typed, courier):
    assert service.parse_courier(typed) == courier


@pytest.mark.parametrize("typed", ["", None, "DHL", "페덱스", "<b>CJ</b>"])
def test_unknown_couriers(typed):
    with pytest.raises(InvalidInput, match="택배사"):
        service.parse_courier(typed)


@pytest.mark.parametrize(
    "typed,number",
    [
        ("1234-5678-9012", "123456789012"),
        ("123456789", "123456789"),
        ("12345678901234", "12345678901234"),
        (" 6070 1234 5678 ", "607012345678"),
        ("６０７０１２３４５", "607012345"),
    ],
)
def test_tracking_numbers(typed, number):
    assert service.parse_tracking_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["", "12345678", "123456789012345", "1234abcd5678", "-", None, "１２３.４５６７８９"]
)
def test_bad_tracking_numbers(typed):
    with pytest.raises(InvalidInput, match="운송장"):
        service.parse_tracking_number(typed)


@pytest.mark.parametrize(
    "typed,method",
    [
        ("직거래", "face_to_face"),
        ("카카오페이", "kakaopay"),
        ("카카오 페이", "kakaopay"),
        ("kakaopay", "kakaopay"),
    ],
)
def test_methods(typed, method):
    assert service.parse_method(typed) == method


@pytest.mark.parametrize("typed", ["", None, "현금", "계좌이체"])
def test_unknown_methods(typed):
    with pytest.raises(InvalidInput):
        service.parse_method(typed)
