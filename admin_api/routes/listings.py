"""`/listings`: browse every listing, hide, restore (un-hide), delete — through the listing service."""

from __future__ import annotations

from typing import Any

from flask import current_app

from admin_api import blueprint
from admin_api.auth import db
from admin_api.routes import watch
from admin_api.schemas import ListingOut, ListingQuery, Page
from admin_api.spec import endpoint
from chatbot import runtime
from chatbot.errors import InvalidTransition
from chatbot.models import Listing
from chatbot.services import listings as listing_service
from chatbot.services import photos

TAGS = ("listings",)


def _snapshot(listing: Listing) -> dict[str, Any]:
    return ListingOut.of(listing).model_dump(mode="json")


def _move(listing_id: int, target: str, action: str, *, only_from: str | None = None) -> Listing:
    """Audit and apply `listing_service.change_status` as staff; `only_from` narrows the endpoint
    to listings in that status (restore un-hides, it does not cancel reservations)."""
    session = db()
    listing = listing_service.get_listing(session, listing_id, staff=True)
    if only_from is not None and listing.status != only_from:
        raise InvalidTransition(
            f"{listing_service.STATUS_LABELS[only_from]} 상태의 판매글만 되돌릴 수 있어요.",
            details={"status": listing.status},
        )
    watch(session, listing, f"listing.{action}", "listing", _snapshot)
    return listing_service.change_status(session, listing_id, None, target)


@blueprint.get("/listings")
@endpoint(ok=200, model=Page[ListingOut], tags=TAGS)
def list_listings(query: ListingQuery) -> Page[ListingOut]:
    """Listings newest first, filtered by status, category, seller and keyword."""
    return Page[ListingOut].of(listing_service.staff_listings(db(), **query.service_args()), ListingOut.of)


@blueprint.get("/listings/<int:listing_id>")
@endpoint(ok=200, model=ListingOut, errors=(404,), tags=TAGS)
def get_listing(listing_id: int) -> ListingOut:
    """One listing, hidden ones included (deleted ones are gone: 404)."""
    return ListingOut.of(listing_service.get_listing(db(), listing_id, staff=True))


@blueprint.post("/listings/<int:listing_id>/hide")
@endpoint(ok=200, model=ListingOut, role="operator", errors=(404, 409), tags=TAGS)
def hide_listing(listing_id: int) -> ListingOut:
    """Hide a listing on sale (판매중 → 숨김); 409 from any other status."""
    return ListingOut.of(_move(listing_id, "hidden", "hide"))


@blueprint.post("/listings/<int:listing_id>/restore")
@endpoint(ok=200, model=ListingOut, role="operator", errors=(404, 409), tags=TAGS)
def restore_listing(listing_id: int) -> ListingOut:
    """Put a hidden listing back on sale (숨김 → 판매중); 409 from any other status."""
    return ListingOut.of(_move(listing_id, "on_sale", "restore", only_from="hidden"))


@blueprint.delete("/listings/<int:listing_id>")
@endpoint(ok=204, role="operator", errors=(404, 409), tags=TAGS)
def delete_listing(listing_id: int) -> tuple[str, int]:
    """Delete a listing (soft: it disappears everywhere, the audit log keeps it); the photo worker
    then deletes its stored photos, as after a seller's own deletion."""
    listing = _move(listing_id, "deleted", "delete")
    if listing.photos:
        photos.queue_photo_job(runtime(current_app).redis, listing.id)
    return "", 204
