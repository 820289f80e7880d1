"""`/deals`: every crawled deal, hide one from the snapshot (or show it again), ask for a crawl."""

from __future__ import annotations

from typing import Any

from flask import current_app

from admin_api import blueprint
from admin_api.auth import current_admin, db
from admin_api.routes import watch
from admin_api.schemas import CrawlRequestOut, DealOut, DealQuery, Page
from admin_api.spec import endpoint
from chatbot import runtime
from chatbot.models import Deal
from chatbot.services import audit
from chatbot.services import deals as deal_service
from chatbot.web import request_id

TAGS = ("deals",)


def _snapshot(deal: Deal) -> dict[str, Any]:
    return DealOut.model_validate(deal).model_dump(mode="json")


def _set_hidden(deal_id: int, hidden: bool) -> DealOut:
    session, rt = db(), runtime(current_app)
    deal = deal_service.get_deal(session, deal_id)
    watch(session, deal, "deal.hide" if hidden else "deal.unhide", "deal", _snapshot)
    deal = deal_service.set_hidden(session, rt.redis, deal_id, hidden, rt.settings.snapshot_ttl)
    return DealOut.model_validate(deal)


@blueprint.get("/deals")
@endpoint(ok=200, model=Page[DealOut], tags=TAGS)
def list_deals(query: DealQuery) -> Page[DealOut]:
    """Deals newest first, filtered by board, hidden flag and title keyword."""
    return Page[DealOut].of(deal_service.staff_deals(db(), **query.service_args()))


@blueprint.get("/deals/<int:deal_id>")
@endpoint(ok=200, model=DealOut, errors=(404,), tags=TAGS)
def get_deal(deal_id: int) -> DealOut:
    """One deal."""
    return DealOut.model_validate(deal_service.get_deal(db(), deal_id))


@blueprint.post("/deals/<int:deal_id>/hide")
@endpoint(ok=200, model=DealOut, role="operator", errors=(404, 409), tags=TAGS)
def hide_deal(deal_id: int) -> DealOut:
    """Hide a deal: the snapshot is republished at once, so `hotdeals` stops offering it."""
    return _set_hidden(deal_id, True)


@blueprint.post("/deals/<int:deal_id>/unhide")
@endpoint(ok=200, model=DealOut, role="operator", errors=(404, 409), tags=TAGS)
def unhide_deal(deal_id: int) -> DealOut:
    """Show a hidden deal again (if its board still lists it)."""
    return _set_hidden(deal_id, False)


@blueprint.post("/deals/crawl")
@endpoint(ok=202, model=CrawlRequestOut, role="operator", tags=TAGS)
def request_crawl() -> tuple[CrawlRequestOut, int]:
    """Ask the crawler (`flask crawl --loop`) for a pass now; boards are still read at most once a minute."""
    queued = deal_service.request_crawl(runtime(current_app).redis)
    out = CrawlRequestOut(status="queued" if queued else "already_queued")
    audit.record(
        db(),
        admin_id=current_admin().id,
        action="deal.crawl",
        target_type="crawl",
        after=out.model_dump(),
        request_id=request_id(),
    )
    return out, 202
