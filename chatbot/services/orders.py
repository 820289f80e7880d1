"""Orders: the rules of a trade (issue 5 §1–§3, DESIGN.md §5 "Order").

* `MOVES` and `apply` — the one place that decides which order status change is legal and who may
  make it; the listing follows through `chatbot.services.listings.transition` (reserved while the
  order is active, back on sale when it is cancelled or its payment fails, sold when it completes).
* `place_order` — the only way an order is born; never sells a listing twice: the listing row is
  locked (`SELECT … FOR UPDATE`) and moved 판매중 → 예약중 in the same transaction as the insert, and
  the UNIQUE `orders.active_listing_id` refuses a second active order even to code that skips the lock.
* `act` — a member's move on an order (cancel, ship, confirm), the row locked while it is decided.
* `parse_order_id`, `parse_method`, `parse_courier`, `parse_tracking_number` — what people give.

Amounts are int KRW. Status codes are stored in English and shown with `STATUS_LABELS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from chatbot.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from chatbot.models import Listing, Member, Order, OrderEvent
from chatbot.services import listings as listing_service
from chatbot.services.validation import parse_id
from chatbot.timeutil import utcnow

# --- vocabulary ----------------------------------------------------------------------------------

STATUS_LABELS: dict[str, str] = {
    "pending_payment": "결제대기",
    "paid": "결제완료",
    "shipping": "배송중",
    "reserved": "예약중",
    "purchase_confirmed": "구매확정",
    "completed": "거래완료",
    "canceled": "취소",
    "payment_failed": "결제실패",
}
METHODS: dict[str, str] = {"face_to_face": "직거래", "kakaopay": "카카오페이"}
# The status an order is placed in, by method.
FIRST_STATUS = {"face_to_face": "reserved", "kakaopay": "pending_payment"}
# Finished orders: no longer hold their listing (active_listing_id is NULL).
FINAL_STATUSES = frozenset({"completed", "canceled", "payment_failed"})
# Who makes a move: the two members of the trade, the payment flow / reconciliation, an admin.
ROLES = ("buyer", "seller", "system", "admin")

ALREADY_RESERVED = "이미 예약된 상품입니다."


@dataclass(frozen=True, slots=True)
class Move:
    """One kind of order move: `label` (Korean, for messages and buttons), `targets` (status → new
    status, the states it may start from), `roles` allowed to make it, and `who` (the Korean
    refusal when another role tries)."""

    label: str
    targets: Mapping[str, str]
    roles: frozenset[str]
    who: str


# DESIGN.md §5 + issue 5: 결제대기 → 결제완료 → 배송중 → 구매확정 → 거래완료 (카카오페이);
# 예약중 → 구매확정 → 거래완료 (직거래); 취소 / 결제실패 from the early states. Either party may cancel
# before payment; after payment and before shipping only with a refund (`refund`, made by
# chatbot.services.payments once KakaoPay has refunded). An admin may cancel or refund too.
MOVES: dict[str, Move] = {
    "pay": Move(
        "결제 완료", {"pending_payment": "paid"}, frozenset({"system"}), "결제는 카카오페이가 확인해요."
    ),
    "fail_payment": Move(
        "결제 실패",
        {"pending_payment": "payment_failed"},
        frozenset({"system"}),
        "결제는 카카오페이가 확인해요.",
    ),
    "cancel": Move(
        "취소",
        {"pending_payment": "canceled", "reserved": "canceled"},
        frozenset({"buyer", "seller", "system", "admin"}),
        "거래 당사자만 취소할 수 있어요.",
    ),
    "refund": Move(
        "환불",
        {"paid": "canceled"},
        frozenset({"buyer", "seller", "admin"}),
        "거래 당사자만 환불할 수 있어요.",
    ),
    "ship": Move(
        "송장 입력",
        {"paid": "shipping", "shipping": "shipping"},  # shipping → shipping: correct a typo
        frozenset({"seller"}),
        "판매자만 송장을 입력할 수 있어요.",
    ),
    "confirm_purchase": Move(
        "구매확정",
        {"shipping": "purchase_confirmed", "reserved": "purchase_confirmed"},
        frozenset({"buyer"}),
        "구매자만 구매확정할 수 있어요.",
    ),
    "confirm_sale": Move(
        "판매확정",
        {"purchase_confirmed": "completed"},
        frozenset({"seller"}),
        "판매자만 판매확정할 수 있어요.",
    ),
}
# Clearer refusals than the generic "<상태> 상태에서는 <동작>할 수 없어요." for common mistakes.
_REFUSALS: dict[tuple[str, str], str] = {
    ("cancel", "paid"): "결제가 끝난 거래는 환불로 취소할 수 있어요.",
    ("cancel", "shipping"): "배송이 시작된 거래는 취소할 수 없어요.",
    ("refund", "shipping"): "배송이 시작된 거래는 취소할 수 없어요.",
    ("ship", "pending_payment"): "결제가 끝난 뒤에 송장을 입력할 수 있어요.",
    ("ship", "reserved"): "직거래에는 송장이 필요 없어요.",
    ("confirm_purchase", "paid"): "판매자가 물건을 보낸 뒤에 구매확정할 수 있어요.",
    ("confirm_purchase", "pending_payment"): "결제를 먼저 마쳐 주세요.",
    ("confirm_sale", "reserved"): "구매자가 구매확정한 뒤에 판매확정할 수 있어요.",
    ("confirm_sale", "shipping"): "구매자가 구매확정한 뒤에 판매확정할 수 있어요.",
    ("confirm_sale", "paid"): "구매자가 구매확정한 뒤에 판매확정할 수 있어요.",
}
# What happens to the listing when an order enters a status (statuses not here leave it reserved).
_LISTING_AFTER = {"canceled": "on_sale", "payment_failed": "on_sale", "completed": "sold"}
# Order timestamps set when a status is entered.
_STAMPS = {
    "paid": "paid_at",
    "shipping": "shipped_at",
    "purchase_confirmed": "purchase_confirmed_at",
    "completed": "completed_at",
    "canceled": "canceled_at",
}


# --- the state machine ---------------------------------------------------------------------------


def role_of(order: Order, member: Member | None) -> str | None:
    """`buyer` or `seller` when `member` is a party of `order`, else None."""
    if member is None:
        return None
    if member.id == order.buyer_id:
        return "buyer"
    if member.id == order.seller_id:
        return "seller"
    return None


def check(order: Order, action: str, role: str | None) -> str:
    """The status `action` by `role` would move `order` to, without changing anything.

    Raises `Forbidden` for a role that may not make the move (`Move.who`; None = not a party:
    "내 거래가 아니에요.") and `InvalidTransition` with a Korean message for a move the current
    status does not allow (or an unknown action).
    """
    move = MOVES.get(action)
    if move is None:
        raise InvalidTransition("알 수 없는 동작이에요.")
    if role is None:
        raise Forbidden("내 거래가 아니에요.")
    if role not in move.roles:
        raise Forbidden(move.who)
    target = move.targets.get(order.status)
    if target is None:
        if order.status == "canceled":
            raise InvalidTransition("이미 취소된 거래예요.")
        if order.status in FINAL_STATUSES:
            raise InvalidTransition(f"이미 {STATUS_LABELS[order.status]}된 거래예요.")
        raise InvalidTransition(
            _REFUSALS.get((action, order.status))
            or f"{STATUS_LABELS[order.status]} 상태에서는 {move.label}할 수 없어요."
        )
    return target


def apply(
    session: Session, order: Order, action: str, role: str | None, *, actor_member_id: int | None = None
) -> Order:
    """Make the move `action` on `order` as `role` (see `ROLES`); the only function that changes
    `Order.status`. Returns `order` (not committed: the caller owns the transaction).

    Sets the status's timestamp, records an `OrderEvent`, releases the listing (`active_listing_id`
    = NULL) when the order is finished and moves the listing through
    `chatbot.services.listings.transition`. Raises like `check`; nothing changes then.
    """
    target = check(order, action, role)
    listing_target = _LISTING_AFTER.get(target)
    if listing_target is not None:
        listing_service.transition(order.listing, listing_target)
    now = utcnow()
    session.add(
        OrderEvent(
            order=order,
            from_status=order.status,
            to_status=target,
            action=action,
            actor=role or "system",
            actor_member_id=actor_member_id,
            at=now,
        )
    )
    order.status = target
    if target in _STAMPS:
        setattr(order, _STAMPS[target], now)
    if target in FINAL_STATUSES:
        order.active_listing_id = None
    order.updated_at = now
    return order


def available_actions(order: Order, role: str | None) -> list[str]:
    """The member moves `role` may make on `order` now, in `MOVES` order (for "next action" buttons)."""
    return [
        action
        for action, move in MOVES.items()
        if role in move.roles and order.status in move.targets and role in ("buyer", "seller")
    ]


# --- what people give ----------------------------------------------------------------------------

_METHOD_WORDS = {
    "직거래": "face_to_face",
    "직접": "face_to_face",
    "만나서": "face_to_face",
    "예약": "face_to_face",
    "face_to_face": "face_to_face",
    "카카오페이": "kakaopay",
    "카카오페이결제": "kakaopay",
    "카페": "kakaopay",
    "kakaopay": "kakaopay",
    "택배": "kakaopay",
    "결제": "kakaopay",
}


def _fold(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).casefold()


def parse_method(value: Any) -> str:
    """`face_to_face` (직거래) or `kakaopay` (카카오페이; 택배 trades are paid through it) from what a
    person or our button gives. Raises `InvalidInput` (field `method`) otherwise."""
    method = _METHOD_WORDS.get(_fold(value))
    if method is None:
        raise InvalidInput("직거래와 카카오페이 중에서 골라 주세요.", details={"method": "invalid"})
    return method


def parse_order_id(value: Any) -> int:
    """An order id from clientExtra/params (int or digits, 1..2^31-1); `InvalidInput` otherwise."""
    return parse_id(value, "order_id", "어떤 거래인지 알 수 없어요. '내 거래'에서 다시 골라 주세요.")


# Couriers a seller may name (issue 5 design), name -> words people use for it.
COURIERS: dict[str, tuple[str, ...]] = {
    "우체국택배": ("우체국", "우체국택배", "우편", "epost"),
    "CJ대한통운": ("cj", "cj대한통운", "대한통운", "cj택배"),
    "한진택배": ("한진", "한진택배", "hanjin"),
    "롯데택배": ("롯데", "롯데택배", "롯데글로벌로지스", "lotte"),
    "로젠택배": ("로젠", "로젠택배", "logen"),
    "편의점택배(GS/CU)": (
        "편의점",
        "편의점택배",
        "gs",
        "cu",
        "gs택배",
        "cu택배",
        "gs25",
        "cupost",
        "편의점택배(gs/cu)",
    ),
}
_COURIER_WORDS = {word: name for name, words in COURIERS.items() for word in words}
TRACKING_MIN, TRACKING_MAX = 9, 14


def parse_courier(value: Any) -> str:
    """The courier's name (a key of `COURIERS`) from "CJ", "대한통운", "우체국", "편의점" …;
    raises `InvalidInput` (field `courier`) naming the couriers otherwise."""
    name = _COURIER_WORDS.get(_fold(value))
    if name is None:
        raise InvalidInput(
            "택배사: " + ", ".join(COURIERS) + " 중에서 골라 주세요.", details={"courier": "invalid"}
        )
    return name


def parse_tracking_number(value: Any) -> str:
    """A tracking number as digits only: hyphens and spaces dropped, 9–14 digits left.

    Raises `InvalidInput` (field `tracking_number`) for letters or a wrong length.
    """
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(value or "")))
    if not text.isdigit() or not TRACKING_MIN <= len(text) <= TRACKING_MAX:
        raise InvalidInput(
            f"운송장 번호: 숫자 {TRACKING_MIN}~{TRACKING_MAX}자리로 입력해 주세요. (하이픈은 빼도 돼요)",
            details={"tracking_number": "invalid"},
        )
    return text


# --- use cases -----------------------------------------------------------------------------------


def allowed_methods(listing: Listing) -> list[str]:
    """How `listing` can be bought: `face_to_face` when the seller meets (직거래 / 둘 다), `kakaopay`
    when the seller ships (택배 / 둘 다) and the price is above 0 KRW (KakaoPay cannot take 0)."""
    methods = []
    if listing.trade_method in ("direct", "both"):
        methods.append("face_to_face")
    if listing.trade_method in ("delivery", "both") and listing.price > 0:
        methods.append("kakaopay")
    return methods


def place_order(session: Session, listing_id: int, buyer: Member, method: str) -> Order:
    """Start a trade of `listing_id` by `buyer` with `method` and commit; returns the order
    (예약중 for face_to_face, 결제대기 for kakaopay) with its listing loaded.

    Never sells twice (issue 5 §3): the listing row is locked (`FOR UPDATE`), moved to 예약중 by
    `listings.transition` and the order inserted with `active_listing_id` (UNIQUE) in one
    transaction. Raises `NotFound` (no such listing, deleted, hidden), `Forbidden` (own listing),
    `InvalidInput` (a method the listing does not offer), `Conflict` with "이미 예약된 상품입니다."
    when another order holds the listing, `InvalidTransition` for a listing that is not on sale.
    """
    try:
        listing = session.scalar(
            select(Listing)
            .where(Listing.id == listing_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if listing is None or listing.status in ("deleted", "hidden"):
            raise NotFound("판매글을 찾을 수 없어요. 삭제되었거나 숨겨졌을 수 있어요.")
        if listing.seller_id == buyer.id:
            raise Forbidden("내 판매글은 살 수 없어요.")
        if listing.status in ("reserved", "sold"):
            raise Conflict(taken_message(session, listing, buyer))
        if method not in allowed_methods(listing):
            offered = ", ".join(METHODS[m] for m in allowed_methods(listing)) or "오픈채팅 문의"
            raise InvalidInput(
                f"이 상품은 {offered}(으)로만 살 수 있어요.", details={"method": "not_offered"}
            )
        listing_service.transition(listing, "reserved")
        order = Order(
            listing=listing,
            buyer_id=buyer.id,
            seller_id=listing.seller_id,
            method=method,
            amount=listing.price,
            status=FIRST_STATUS[method],
            active_listing_id=listing.id,
        )
        session.add(order)
        session.add(
            OrderEvent(
                order=order,
                from_status=None,
                to_status=order.status,
                action="place",
                actor="buyer",
                actor_member_id=buyer.id,
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(ALREADY_RESERVED) from None
    except Exception:
        session.rollback()
        raise
    return order


def taken_message(session: Session, listing: Listing, buyer: Member) -> str:
    """Why `buyer` cannot buy `listing` (예약중 or 판매완료), in Korean: "이미 판매된 상품입니다.",
    "이미 내가 예약한 상품이에요. …" (their own active order holds it) or `ALREADY_RESERVED`."""
    if listing.status == "sold":
        return "이미 판매된 상품입니다."
    mine = session.scalar(
        select(Order.id).where(Order.active_listing_id == listing.id, Order.buyer_id == buyer.id)
    )
    if mine is not None:
        return "이미 내가 예약한 상품이에요. '내 거래'에서 확인해 주세요."
    return ALREADY_RESERVED


def _with_details(stmt: Any) -> Any:
    return stmt.options(selectinload(Order.listing), selectinload(Order.buyer), selectinload(Order.seller))


def lock_order(session: Session, order_id: int) -> Order:
    """The order `order_id` with its listing and members, its row locked (`FOR UPDATE`) until the
    transaction ends and its attributes re-read (a copy loaded earlier in the session is refreshed).
    Raises `NotFound`."""
    stmt = _with_details(select(Order).where(Order.id == order_id)).with_for_update()
    order = session.scalar(stmt.execution_options(populate_existing=True))
    if order is None:
        raise NotFound("거래를 찾을 수 없어요.")
    return order


def get_order(session: Session, order_id: int, member: Member | None) -> tuple[Order, str]:
    """The order `order_id` and `member`'s role in it (`buyer`/`seller`). Raises `NotFound`, and
    `Forbidden` ("내 거래가 아니에요.") for anyone else."""
    order = session.scalar(_with_details(select(Order).where(Order.id == order_id)))
    if order is None:
        raise NotFound("거래를 찾을 수 없어요.")
    role = role_of(order, member)
    if role is None:
        raise Forbidden("내 거래가 아니에요.")
    return order, role


def act(session: Session, order_id: int, member: Member, action: str, **fields: Any) -> Order:
    """`member` makes the move `action` on order `order_id` (cancel, ship, confirm_purchase,
    confirm_sale) and it is committed; `fields` (`courier`, `tracking_number`, already parsed) are
    stored with a `ship`. The order row is locked while it is decided.

    Raises `NotFound`, `Forbidden` (not a party, or the wrong party) and `InvalidTransition`;
    nothing changes then. `refund`, `pay` and `fail_payment` belong to chatbot.services.payments.
    """
    if action in ("refund", "pay", "fail_payment"):
        raise InvalidTransition("결제와 환불은 카카오페이 화면에서 진행해요.")
    try:
        order = lock_order(session, order_id)
        apply(session, order, action, role_of(order, member), actor_member_id=member.id)
        if action == "ship":
            order.courier = fields["courier"]
            order.tracking_number = fields["tracking_number"]
        session.commit()
    except Exception:
        session.rollback()
        raise
    return order


def active_order_for_listing(session: Session, listing_id: int) -> Order | None:
    """The active order holding `listing_id`, or None."""
    return session.scalar(_with_details(select(Order).where(Order.active_listing_id == listing_id)))


def member_orders(session: Session, member: Member, *, limit: int = 10) -> list[Order]:
    """`member`'s trades as buyer or seller: active ones first, then the rest, newest first."""
    stmt = (
        _with_details(select(Order).where(or_(Order.buyer_id == member.id, Order.seller_id == member.id)))
        .order_by(Order.active_listing_id.is_(None), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
