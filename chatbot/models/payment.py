"""KakaoPay payments of orders (DESIGN.md §5 "Payment", issue 5 §4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chatbot.models.base import Base, UTCDateTime
from chatbot.models.order import Order
from chatbot.timeutil import utcnow


class Payment(Base):
    """One KakaoPay single-payment attempt (one `ready` call) for an order.

    - `cid`, `tid` (20 chars, never shown to users), `partner_order_id` (= our order id) and
      `partner_user_id` (= the buyer's member id: KakaoPay forbids personal data there), as sent
      to and returned by `ready` (fixtures kakaopay/current/ready_*.json).
    - `amount`: int KRW from our order, never from a URL; `canceled_amount`: KRW refunded.
    - `status`: `READY` → `APPROVED` → `CANCELED`, or `READY` → `FAILED`; changes only through
      `chatbot.services.payments.transition`. `failure` says why a payment failed (`quit`,
      `fail`, `expired`, `superseded`, `approve_error`, `order_closed`).
    - `raw`: KakaoPay's last response, trimmed (no card details), for admins.
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    cid: Mapped[str] = mapped_column(String(10))
    tid: Mapped[str | None] = mapped_column(String(40), unique=True)
    partner_order_id: Mapped[str] = mapped_column(String(100))
    partner_user_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="READY")
    failure: Mapped[str | None] = mapped_column(String(20))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_amount: Mapped[int] = mapped_column(Integer, default=0)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()

    __table_args__ = (
        Index("ix_payments_order_id_id", "order_id", "id"),
        Index("ix_payments_status_created_at", "status", "created_at"),
    )
