"""Hot-deal history: every deal ever seen, and every crawl of every board."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.models.base import Base, UTCDateTime
from chatbot.timeutil import utcnow


class Crawl(Base):
    """One read of one board's list page, live or from a saved file.

    `status` is `ok` (parsed; its deals form the board's snapshot), `not_modified` (HTTP 304) or
    `failed` (`error` says why). `origin` is `live` or `file`.
    """

    __tablename__ = "crawls"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    # The board's Korean name at crawl time ("뽐뿌"), so a snapshot rebuilt from the DB can show it.
    display_name: Mapped[str] = mapped_column(String(40), default="")
    origin: Mapped[str] = mapped_column(String(10), default="live")
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deals_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_crawls_source_status_id", "source", "status", "id"),)


class Deal(Base):
    """A deal post as last seen on its board (source, post id), unique also by canonical URL.

    Prices are KRW. `last_crawl_id` and `list_rank` place the deal on its board's latest list:
    the snapshot is the deals whose `last_crawl_id` is that board's latest `ok` crawl.
    """

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    price: Mapped[int | None] = mapped_column(Integer)
    price_text: Mapped[str | None] = mapped_column(String(40))
    shipping: Mapped[str | None] = mapped_column(String(40))
    shop: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(40))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comments: Mapped[int] = mapped_column(Integer, default=0)
    votes: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int | None] = mapped_column(Integer)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_crawl_id: Mapped[int | None] = mapped_column(ForeignKey("crawls.id"))
    list_rank: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("source", "post_id"),
        UniqueConstraint("url"),
        Index("ix_deals_last_crawl_id_list_rank", "last_crawl_id", "list_rank"),
    )
