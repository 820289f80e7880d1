"""`/members`: list, detail, suspend and unsuspend — through the member service."""

from __future__ import annotations

from typing import Any

from flask import current_app

from admin_api import blueprint
from admin_api.auth import db
from admin_api.routes import watch
from admin_api.schemas import MemberDetail, MemberOut, MemberQuery, Page
from admin_api.spec import endpoint
from chatbot import runtime
from chatbot.models import Member
from chatbot.services import members as member_service

TAGS = ("members",)


def _snapshot(member: Member) -> dict[str, Any]:
    return MemberOut.of(member).model_dump(mode="json")


def _set_status(member_id: int, status: str, action: str) -> MemberOut:
    session = db()
    watch(session, member_service.get_member(session, member_id), f"member.{action}", "member", _snapshot)
    cache = runtime(current_app).redis
    return MemberOut.of(member_service.set_status(session, cache, member_id, status))


@blueprint.get("/members")
@endpoint(ok=200, model=Page[MemberOut], tags=TAGS)
def list_members(query: MemberQuery) -> Page[MemberOut]:
    """Members newest first, filtered by status and nickname."""
    return Page[MemberOut].of(member_service.staff_members(db(), **query.service_args()), MemberOut.of)


@blueprint.get("/members/<int:member_id>")
@endpoint(ok=200, model=MemberDetail, errors=(404,), tags=TAGS)
def get_member(member_id: int) -> MemberDetail:
    """One member with the number of their listings in each status."""
    session = db()
    member = member_service.get_member(session, member_id)
    counts = member_service.listing_counts(session, member)
    return MemberDetail(**MemberOut.of(member).model_dump(), listing_counts=counts)


@blueprint.post("/members/<int:member_id>/suspend")
@endpoint(ok=200, model=MemberOut, role="operator", errors=(404, 409), tags=TAGS)
def suspend_member(member_id: int) -> MemberOut:
    """Suspend a member: every skill then answers them a Korean notice instead of working."""
    return _set_status(member_id, "suspended", "suspend")


@blueprint.post("/members/<int:member_id>/unsuspend")
@endpoint(ok=200, model=MemberOut, role="operator", errors=(404, 409), tags=TAGS)
def unsuspend_member(member_id: int) -> MemberOut:
    """Lift a suspension."""
    return _set_status(member_id, "active", "unsuspend")
