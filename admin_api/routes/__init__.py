"""The admin API's routes, one module per resource; importing this package registers them all."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from admin_api.auth import current_admin
from chatbot.services import audit
from chatbot.web import request_id


def watch(session: Session, obj: Any, action: str, target_type: str, snapshot: Any) -> None:
    """Audit the write about to happen to `obj` (a model class for a creation) in `session` as the
    current admin, in this request (see `chatbot.services.audit.watch`); `snapshot(obj)` is the
    resource as the API shows it."""
    audit.watch(
        session,
        obj,
        admin_id=current_admin().id,
        action=action,
        target_type=target_type,
        snapshot=snapshot,
        request_id=request_id(),
    )


from admin_api.routes import audit_log, auth, deals, docs, listings, members, notices, orders  # noqa: E402, F401
