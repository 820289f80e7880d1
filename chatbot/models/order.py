"""Trades: an order of one listing by one buyer, and its history (DESIGN.md §5 "Order", issue 5).

Status codes are stored in English and shown with `chatbot.services.orders.STATUS_LABELS`; they
change only through `chatbot.services.orders.apply`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chatbot.models.base import Base, UTCDateTime
from chatbot.models.listing import Listing
from chatbot.models.member import Member
from chatbot.timeutil import utcnow


class Order(Base):
    """One trade of `listing` between `buyer` and `seller`.

    - `method`: `face_to_face` (직거래: 예약중 → 구매확정 → 거래완료) or `kakaopay` (결제대기 →
      결제완료 → 배송중 → 구매확정 → 거래완료); `canceled` / `payment_failed` from the early states.
    - `amount`: int KRW, the listing's price when the order was placed (what KakaoPay is asked for).
    - `active_listing_id`: equals `listing_id` while the order is active and is NULL once it is
      finished; its UNIQUE index is the database's guarantee of one active order per listing.
    - `courier`, `tracking_number` (digits only): set by the seller when shipping.
    """

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    method: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    active_listing_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    courier: Mapped[str | None] = mapped_column(String(20))
    tracking_number: Mapped[str | None] = mapped_column(String(14))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purchase_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship()
    buyer: Mapped[Member] = relationship(foreign_keys=[buyer_id])
    seller: Mapped[Member] = relationship(foreign_keys=[seller_id])
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_orders_buyer_id_id", "buyer_id", "id"),
        Index("ix_orders_seller_id_id", "seller_id", "id"),
        Index("ix_orders_listing_id", "listing_id"),
        Index("ix_orders_status_updated_at", "status", "updated_at"),
    )


class OrderEvent(Base):
    """One status change of an order: `from_status` (None when placed) → `to_status`, made by
    `actor` (`buyer`, `seller`, `system` or `admin`; `actor_member_id` when a member) at `at`."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(10))
    actor_member_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")

    __table_args__ = (Index("ix_order_events_order_id_id", "order_id", "id"),)
