"""Read-only views of orders and payments for the admin API (issue 6 §2).

The rules of a trade stay in `chatbot.services.orders` and `chatbot.services.payments`; this module
only finds rows: lists with filters and cursor paging, and one order with its history and payments.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from chatbot.errors import NotFound
from chatbot.models import Order, Payment
from chatbot.services.paging import Page, get_or_404, keyset_page


def staff_orders(
    session: Session,
    *,
    status: str | None = None,
    method: str | None = None,
    member_id: int | None = None,
    listing_id: int | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page[Order]:
    """Orders newest first, filtered by status, method, a member (as buyer or seller) and listing."""
    stmt = select(Order).options(selectinload(Order.listing))
    if status:
        stmt = stmt.where(Order.status == status)
    if method:
        stmt = stmt.where(Order.method == method)
    if member_id is not None:
        stmt = stmt.where((Order.buyer_id == member_id) | (Order.seller_id == member_id))
    if listing_id is not None:
        stmt = stmt.where(Order.listing_id == listing_id)
    return keyset_page(session, stmt, Order.id, before, limit)


def order_with_history(session: Session, order_id: int) -> tuple[Order, list[Payment]]:
    """Order `order_id` with its listing, members and events (its state history, oldest first),
    and its payments (oldest first). Raises `NotFound`."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.listing),
            selectinload(Order.buyer),
            selectinload(Order.seller),
            selectinload(Order.events),
        )
    )
    if order is None:
        raise NotFound("거래를 찾을 수 없어요.")
    payments = list(session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))
    return order, payments


def staff_payments(
    session: Session,
    *,
    status: str | None = None,
    order_id: int | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page[Payment]:
    """Payments newest first, filtered by status and order."""
    stmt = select(Payment)
    if status:
        stmt = stmt.where(Payment.status == status)
    if order_id is not None:
        stmt = stmt.where(Payment.order_id == order_id)
    return keyset_page(session, stmt, Payment.id, before, limit)


def get_payment(session: Session, payment_id: int) -> Payment:
    """Payment `payment_id`; raises `NotFound`."""
    return get_or_404(session, Payment, payment_id, "결제를 찾을 수 없어요.")
