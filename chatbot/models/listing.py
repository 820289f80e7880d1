"""Listings of used goods and their photos (DESIGN.md §5 "Listing", issue 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chatbot.models.base import Base, UTCDateTime
from chatbot.models.member import Member
from chatbot.timeutil import utcnow


class Listing(Base):
    """An item a member sells.

    - `price`: int KRW, 0..100,000,000; `category`: a code of `chatbot.services.listings.CATEGORIES`.
    - `trade_method`: `direct` (직거래), `delivery` (택배) or `both` (둘 다).
    - `status`: `on_sale`, `reserved`, `sold`, `hidden`, `deleted` (soft delete); transitions only
      through `chatbot.services.listings.transition`.
    - `view_count`: views already written to the DB; recent views wait in Redis (`flask sync-views`).
    - `search_text`: bigram tokens of title + description (`chatbot.services.search.document_tokens`),
      with a FULLTEXT index on MariaDB only (`ddl_if`: SQLite searches with LIKE).
    """

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    title: Mapped[str] = mapped_column(String(40))
    price: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(1000), default="")
    trade_method: Mapped[str] = mapped_column(String(10), default="direct")
    place: Mapped[str | None] = mapped_column(String(40))
    open_chat_url: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="on_sale")
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    # Deferred: only SQL reads it (the FULLTEXT match); a card never needs its kilobytes of tokens.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    seller: Mapped[Member] = relationship()
    photos: Mapped[list[ListingPhoto]] = relationship(
        back_populates="listing",
        order_by="ListingPhoto.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        Index("ix_listings_category_status_id", "category", "status", "id"),
        # Category pages: category = ? ORDER BY id DESC, whatever statuses are asked for.
        Index("ix_listings_category_id", "category", "id"),
        Index("ix_listings_status_id", "status", "id"),
        Index("ix_listings_seller_id_id", "seller_id", "id"),
        Index(
            "ix_listings_search_text",
            "search_text",
            mysql_prefix="FULLTEXT",
            info={"dialects": ("mysql", "mariadb")},  # read by migrations/env.py (autogenerate)
        ).ddl_if(dialect=("mysql", "mariadb")),  # type: ignore[arg-type]  # a tuple is documented; stub says str
    )


class ListingPhoto(Base):
    """One photo of a listing, as sent through `sys.plugin.secureimage` and then ingested.

    `source_url` is the Kakao secure URL (short-lived); the image job downloads it and sets
    `status` from `pending` to `ready` (with `image_key`, `thumb_key`, `width`, `height` in px) or
    `failed` (`error` says why). `position` orders the photos (0 = cover).
    """

    __tablename__ = "listing_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_url: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    image_key: Mapped[str | None] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="photos")

    __table_args__ = (Index("ix_listing_photos_listing_id_position", "listing_id", "position"),)
