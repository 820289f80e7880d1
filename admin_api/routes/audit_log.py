"""`/audit`: the log of every admin write (who, what, before/after), for admins only."""

from __future__ import annotations

from admin_api import blueprint
from admin_api.auth import db
from admin_api.schemas import AuditOut, AuditQuery, Page
from admin_api.spec import endpoint
from chatbot.services import audit


@blueprint.get("/audit")
@endpoint(ok=200, model=Page[AuditOut], role="admin", tags=("audit",))
def list_audit(query: AuditQuery) -> Page[AuditOut]:
    """Audit entries newest first, filtered by admin and target."""
    return Page[AuditOut].of(audit.entries(db(), **query.service_args()))
