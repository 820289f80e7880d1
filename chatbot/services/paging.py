"""Finding rows for the staff (admin API) views: keyset pagination on an integer id, newest first (no
OFFSET: a page costs the same at any depth), and one row by id, read or locked, or `NotFound`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chatbot.errors import NotFound

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows, newest first; `next_before` is the cursor of the next page (the last id
    shown) or None on the last page."""

    items: list[T]
    next_before: int | None


def keyset_page(
    session: Session, stmt: Select[Any], id_column: InstrumentedAttribute[int], before: int | None, limit: int
) -> Page[Any]:
    """Run `stmt` (a `select(Model)` with its filters) for the `limit` rows with `id_column` below
    `before` (None = from the newest), ordered by that id descending. Ids grow with time, so id desc
    is newest first. One extra row is read to know whether a next page exists."""
    if before is not None:
        stmt = stmt.where(id_column < before)
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, getattr(rows[-1], id_column.key) if more and rows else None)


M = TypeVar("M")


def get_or_404(session: Session, model: type[M], ident: int, message: str) -> M:
    """The `model` row with primary key `ident`; raises `NotFound(message)` (Korean) when absent."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row


def lock_or_404(session: Session, model: type[M], ident: int, message: str) -> M:
    """The `model` row `ident` locked (`SELECT … FOR UPDATE`) until the transaction ends, its
    attributes re-read even if the session had loaded it before. When absent, the transaction is
    rolled back and `NotFound(message)` raised."""
    pk = inspect(model).primary_key[0]  # type: ignore[union-attr]
    row = session.scalar(
        select(model).where(pk == ident).with_for_update().execution_options(populate_existing=True)
    )
    if row is None:
        session.rollback()
        raise NotFound(message)
    return row
