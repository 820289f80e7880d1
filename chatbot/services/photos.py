"""Listing photos as the web side sees them: where they are shown, queued and deleted.

Light on purpose: skills import this module, so it loads neither Pillow nor the download stack
(those live in `chatbot.services.images`, which only the photo worker imports).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chatbot.config import Settings
from chatbot.storage import Storage, make_storage

if TYPE_CHECKING:
    import redis

logger = logging.getLogger("junggyenara.photos")


def host_allowed(host: str, allowlist: tuple[str, ...]) -> bool:
    """True if `host` equals an entry or ends with `.suffix` for an entry `*.suffix` (case-insensitive)."""
    host = host.lower().rstrip(".")
    for entry in allowlist:
        entry = entry.lower()
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def listing_prefix(listing_id: int) -> str:
    """The storage prefix of one listing's photos: `listings/<id>/`."""
    return f"listings/{int(listing_id)}/"


def _as_storage(source: Settings | Storage) -> Storage:
    return make_storage(source) if isinstance(source, Settings) else source


def photo_url(source: Settings | Storage, key: str) -> str:
    """The URL to show the object `key` with (for a card's thumbnail `imageUrl`).

    `source` is the app's `Settings` or a `Storage`. Gives `MEDIA_PUBLIC_BASE_URL/...`, else a
    presigned S3 URL (valid `S3_PRESIGN_EXPIRES` seconds) or this server's `/media/...`. No network.
    """
    return _as_storage(source).url(key)


def delete_listing_photos(source: Settings | Storage, listing_id: int) -> int:
    """Delete every stored object of `listing_id` (`listings/<id>/...`); gives how many were deleted.

    Raises the backend's error (`OSError`, botocore `ClientError`) if the store cannot delete.
    """
    return _as_storage(source).delete_prefix(listing_prefix(listing_id))


def enqueue_listing_photos(redis_client: redis.Redis, listing_id: int) -> Any:
    """Have the photo job bring `listing_id`'s stored photos in line with it, outside the current
    request: its pending photos ingested, or, once the listing is deleted, its stored objects
    deleted (`chatbot.services.images.ingest_listing_photos`). Call it after the change is
    committed (new photo rows, or the deletion). Never waits for the work.

    With a real Redis: an RQ job on queue `images` (run by `flask worker`), returned. With the
    embedded fakeredis: the app's background photo thread (returns `None`). See `chatbot.jobs`.
    """
    from chatbot.jobs import enqueue_photos

    return enqueue_photos(redis_client, listing_id)


def queue_photo_job(redis_client: redis.Redis, listing_id: int) -> None:
    """`enqueue_listing_photos` for a request that has already committed its change (a sale posted,
    a listing deleted) and must answer anyway: a queue it cannot reach is logged, not raised. The
    listing stands as committed; its photos stay pending, or its stray files stay in storage,
    until the next job for it."""
    try:
        enqueue_listing_photos(redis_client, listing_id)
    except Exception:
        logger.exception("photo job not queued listing_id=%s", listing_id)
