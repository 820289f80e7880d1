"""`/notices`: create, read, update, delete the notices the `notices` skill shows."""

from __future__ import annotations

from typing import Any

from admin_api import blueprint
from admin_api.auth import db
from admin_api.routes import watch
from admin_api.schemas import NoticeIn, NoticeOut, NoticePatch, NoticeQuery, Page
from admin_api.spec import endpoint
from chatbot.models import Notice
from chatbot.services import notices as notice_service

TAGS = ("notices",)


def _snapshot(notice: Notice) -> dict[str, Any]:
    return NoticeOut.model_validate(notice).model_dump(mode="json")


@blueprint.get("/notices")
@endpoint(ok=200, model=Page[NoticeOut], tags=TAGS)
def list_notices(query: NoticeQuery) -> Page[NoticeOut]:
    """Notices newest first, all or by `published`."""
    return Page[NoticeOut].of(notice_service.staff_notices(db(), **query.service_args()))


@blueprint.post("/notices")
@endpoint(ok=201, model=NoticeOut, role="operator", tags=TAGS)
def create_notice(json: NoticeIn) -> tuple[NoticeOut, int]:
    """Write a notice (published ones appear in the `notices` skill at once)."""
    session = db()
    watch(session, Notice, "notice.create", "notice", _snapshot)
    notice = notice_service.create_notice(session, json.title, json.body, json.published)
    return NoticeOut.model_validate(notice), 201


@blueprint.get("/notices/<int:notice_id>")
@endpoint(ok=200, model=NoticeOut, errors=(404,), tags=TAGS)
def get_notice(notice_id: int) -> NoticeOut:
    """One notice."""
    return NoticeOut.model_validate(notice_service.get_notice(db(), notice_id))


@blueprint.patch("/notices/<int:notice_id>")
@endpoint(ok=200, model=NoticeOut, role="operator", errors=(404,), tags=TAGS)
def update_notice(notice_id: int, json: NoticePatch) -> NoticeOut:
    """Change a notice's title, body or published flag (omitted fields stay)."""
    session = db()
    watch(session, notice_service.get_notice(session, notice_id), "notice.update", "notice", _snapshot)
    notice = notice_service.update_notice(
        session, notice_id, title=json.title, body=json.body, published=json.published
    )
    return NoticeOut.model_validate(notice)


@blueprint.delete("/notices/<int:notice_id>")
@endpoint(ok=204, role="operator", errors=(404,), tags=TAGS)
def delete_notice(notice_id: int) -> tuple[str, int]:
    """Delete a notice for good (the audit log keeps its last text)."""
    session = db()
    watch(session, notice_service.get_notice(session, notice_id), "notice.delete", "notice", _snapshot)
    notice_service.delete_notice(session, notice_id)
    return "", 204
