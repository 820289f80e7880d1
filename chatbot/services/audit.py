"""The audit log of admin writes: who, what, before/after, in the same transaction as the change.

A route calls `watch(session, ...)` on the object it is about to change, then the domain service
that changes and commits it. `watch` takes the "before" picture at once; just before that commit
(SQLAlchemy's `before_commit` event) the "after" picture is taken and an `AuditEntry` is added, so
the change and its entry are committed together or not at all. A rollback (the service refused:
`NotFound`, `InvalidTransition`, ...) drops what was watched: refused writes leave no entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from chatbot.models import AuditEntry
from chatbot.services.paging import Page, keyset_page
from chatbot.timeutil import utcnow

Snapshot = Callable[[Any], dict[str, Any]]
_PENDING = "audit_pending"


@dataclass
class _Watch:
    admin_id: int
    action: str
    target_type: str
    obj: Any
    snapshot: Snapshot
    before: dict[str, Any] | None
    request_id: str


def watch(
    session: Session,
    obj: Any,
    *,
    admin_id: int,
    action: str,
    target_type: str,
    snapshot: Snapshot,
    request_id: str = "",
) -> None:
    """Record, at the next commit of `session`, that admin `admin_id` did `action` to `obj`.

    `snapshot(obj)` gives a JSON-able dict of the object (the API's output model); it is taken now
    ("before"; None for a creation) and at commit ("after"; None once `obj` is deleted). For a
    creation pass the model class as `obj`: the new object of that class added to the session (by
    the service that creates it) is the one recorded. The target id is the object's primary key,
    read at commit (after the flush that gives a new object its id).
    """
    before = None if isinstance(obj, type) else snapshot(obj)
    session.info.setdefault(_PENDING, []).append(
        _Watch(admin_id, action, target_type, obj, snapshot, before, request_id)
    )


def _resolve_created(session: Session) -> None:
    """A watch given a model class (a creation) takes the new object of that class in the session."""
    for item in session.info.get(_PENDING, []):
        if isinstance(item.obj, type):
            item.obj = next((o for o in session.new if isinstance(o, item.obj)), item.obj)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _resolve_created(session)


def record(
    session: Session,
    *,
    admin_id: int,
    action: str,
    target_type: str,
    target_id: str = "",
    after: dict[str, Any] | None = None,
    request_id: str = "",
) -> AuditEntry:
    """Write an entry for an admin action that changes no row of ours (e.g. asking for a crawl)
    and commit it."""
    entry = AuditEntry(
        admin_id=admin_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=None,
        after=after,
        at=utcnow(),
        request_id=request_id[:64],
    )
    session.add(entry)
    session.commit()
    return entry


@event.listens_for(Session, "before_commit")
def _write_entries(session: Session) -> None:
    if not session.info.get(_PENDING):
        return
    _resolve_created(session)
    pending: list[_Watch] = session.info.pop(_PENDING)
    session.flush()  # new objects get their ids, deletions are marked
    for item in pending:
        if isinstance(item.obj, type):
            raise RuntimeError(f"audit: no new {item.obj.__name__} to record for {item.action}")
        state = inspect(item.obj)
        gone = state.deleted or state.was_deleted
        session.add(
            AuditEntry(
                admin_id=item.admin_id,
                action=item.action,
                target_type=item.target_type,
                target_id=str(state.identity[0] if state.identity else ""),
                before=item.before,
                after=None if gone else item.snapshot(item.obj),
                at=utcnow(),
                request_id=item.request_id[:64],
            )
        )


@event.listens_for(Session, "after_soft_rollback")
def _drop_entries(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


def entries(
    session: Session,
    *,
    admin_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page[AuditEntry]:
    """Audit entries newest first, filtered by who and on what."""
    stmt = select(AuditEntry)
    if admin_id is not None:
        stmt = stmt.where(AuditEntry.admin_id == admin_id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    return keyset_page(session, stmt, AuditEntry.id, before, limit)
