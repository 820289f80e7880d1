"""`/orders` and `/payments`: trades with their state history, and a force-cancel that refunds
through KakaoPay — all through `chatbot.services.orders` / `chatbot.services.payments`."""

from __future__ import annotations

from typing import Any

from flask import current_app

from admin_api import blueprint
from admin_api.auth import db
from admin_api.routes import watch
from admin_api.schemas import OrderDetail, OrderEventOut, OrderOut, OrderQuery, Page, PaymentOut, PaymentQuery
from admin_api.spec import endpoint
from chatbot import kakaopay
from chatbot.models import Order
from chatbot.services import payments as payment_service
from chatbot.services import trade_views


def _detail(order_id: int) -> OrderDetail:
    order, payments = trade_views.order_with_history(db(), order_id)
    return OrderDetail(
        **OrderOut.of(order).model_dump(),
        history=[OrderEventOut.model_validate(event) for event in order.events],
        payments=[PaymentOut.model_validate(payment) for payment in payments],
    )


def _snapshot(order: Order) -> dict[str, Any]:
    return OrderOut.of(order).model_dump(mode="json")


@blueprint.get("/orders")
@endpoint(ok=200, model=Page[OrderOut], tags=("orders",))
def list_orders(query: OrderQuery) -> Page[OrderOut]:
    """Orders newest first, filtered by status, method, member (buyer or seller) and listing."""
    return Page[OrderOut].of(trade_views.staff_orders(db(), **query.service_args()), OrderOut.of)


@blueprint.get("/orders/<int:order_id>")
@endpoint(ok=200, model=OrderDetail, errors=(404,), tags=("orders",))
def get_order(order_id: int) -> OrderDetail:
    """One order with its state history and its KakaoPay payments."""
    return _detail(order_id)


@blueprint.post("/orders/<int:order_id>/cancel")
@endpoint(ok=200, model=OrderDetail, role="admin", errors=(404, 409, 503), tags=("orders",))
def cancel_order(order_id: int) -> OrderDetail:
    """Force-cancel an order: a paid one is refunded in full through KakaoPay first; an unpaid one
    is cancelled. The listing goes back on sale. 409 once shipped or finished; 503 when KakaoPay
    did not refund (nothing changed)."""
    session = db()
    order, _payments = trade_views.order_with_history(session, order_id)
    watch(session, order, "order.cancel", "order", _snapshot)
    payment_service.staff_cancel(session, kakaopay.client(current_app), order_id)
    session.expire_all()
    return _detail(order_id)


@blueprint.get("/payments")
@endpoint(ok=200, model=Page[PaymentOut], tags=("payments",))
def list_payments(query: PaymentQuery) -> Page[PaymentOut]:
    """KakaoPay payments newest first, filtered by status and order."""
    return Page[PaymentOut].of(trade_views.staff_payments(db(), **query.service_args()))


@blueprint.get("/payments/<int:payment_id>")
@endpoint(ok=200, model=PaymentOut, errors=(404,), tags=("payments",))
def get_payment(payment_id: int) -> PaymentOut:
    """One KakaoPay payment (without its tid)."""
    return PaymentOut.model_validate(trade_views.get_payment(db(), payment_id))
