"""Issue 4 acceptance, the photo leg, end to end: a seller posts a listing with 3 photos through
`/skills/sell` (a `sys.plugin.secureimage` param shaped like Kakao's), the RQ worker stores clean
copies on S3 (moto's server), the detail card shows them and the browse and search cards their
thumbnail, another user cannot delete it, and the owner's deletion removes them (by the worker)."""

from __future__ import annotations

import io
import json

import pytest
import requests
from PIL import Image
from rq import SimpleWorker

from chatbot.jobs import photo_queue, rq_connection
from tests import media_standins
from tests.conftest import Kakao, texts_of
from tests.market_helpers import BUYER, SELLER, cards, listing_ids, listings, register, sell
from tests.media_standins import GPS_IFD, MAX_BYTES, s3_keys

image_host = media_standins.image_host
s3_endpoint = media_standins.s3_endpoint
s3_bucket = media_standins.s3_bucket

PHOTOS = ("/gps.jpg", "/photo.png", "/gps.jpg")


@pytest.fixture
def settings(settings, image_host, s3_endpoint, s3_bucket):
    """MariaDB and Redis as usual; photos from the local https image host into a moto bucket."""
    return settings.with_overrides(
        storage_backend="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        image_host_allowlist=("127.0.0.1", "localhost"),
        image_allow_private_hosts=True,
        image_ca_bundle=image_host.ca_bundle,
        image_max_bytes=MAX_BYTES,
    )


def secureimage(urls: list[str]) -> str:
    """The param value Open Builder sends for `sys.plugin.secureimage` (INDEX.md, secureimage notes)."""
    return json.dumps(
        {
            "privacyAgreement": "Y",
            "imageQuantity": str(len(urls)),
            "secureUrls": f"List({', '.join(urls)})",
            "expire": "2026-12-31T00:00:00+0000",
        }
    )


def test_sell_with_three_photos_lands_on_s3_and_in_the_card(
    app, rt, kakao: Kakao, image_host, s3_endpoint, s3_bucket
):
    register(kakao, SELLER)
    # Kakao's CDN sends http URLs; allowlisted hosts are upgraded to https by the downloader.
    urls = [image_host.url(path, scheme="http") for path in PHOTOS]
    posted = sell(kakao, SELLER, images=secureimage(urls))
    assert "올렸어요" in texts_of(posted)
    [listing] = listings(rt)
    assert s3_keys(s3_endpoint, s3_bucket) == {}  # nothing was fetched inside the skill's request

    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)

    keys = s3_keys(s3_endpoint, s3_bucket, f"listings/{listing.id}/")
    assert len(keys) == 6  # a resized copy and a thumbnail per photo
    detail = kakao.call("listing", client_extra={"listing_id": listing.id}, user_key="someone-browsing")
    shown = [c["thumbnail"]["imageUrl"] for c in cards(detail, "basicCard")] or [
        t["imageUrl"] for c in cards(detail) for t in c.get("thumbnails", [])
    ]
    assert len(shown) == len(PHOTOS)
    assert all(s3_endpoint in url and f"/listings/{listing.id}/" in url for url in shown)
    for url in shown:
        image = Image.open(io.BytesIO(requests.get(url, timeout=5).content))
        assert not image.getexif().get_ifd(GPS_IFD)  # no GPS left in what buyers see

    # Browsing the category and searching show the listing with its S3 thumbnail as the cover.
    for answer in (
        kakao.call("listings", client_extra={"category": "digital"}, user_key=BUYER),
        kakao.call("search", "검색 아이폰", user_key=BUYER),
    ):
        [card] = cards(answer)
        assert listing_ids(answer) == [listing.id]
        cover = card["thumbnails"][0]["imageUrl"]
        assert s3_endpoint in cover and f"/listings/{listing.id}/" in cover
        assert Image.open(io.BytesIO(requests.get(cover, timeout=5).content)).size == (800, 400)

    # Someone else cannot delete it; the photos stay.
    register(kakao, BUYER, nickname="구경꾼")
    refused = kakao.call(
        "listing-status", client_extra={"listing_id": listing.id, "status": "삭제"}, user_key=BUYER
    )
    assert "내가 올린 판매글만" in texts_of(refused)
    assert len(s3_keys(s3_endpoint, s3_bucket, f"listings/{listing.id}/")) == 6

    # The owner hides it (gone from browse, photos kept) and relists it (back with its cover).
    for status, shown_ids in (("숨김", []), ("판매중", [listing.id])):
        kakao.call(
            "listing-status", client_extra={"listing_id": listing.id, "status": status}, user_key=SELLER
        )
        browse = kakao.call("listings", client_extra={"category": "digital"}, user_key=BUYER)
        assert listing_ids(browse) == shown_ids
        assert len(s3_keys(s3_endpoint, s3_bucket, f"listings/{listing.id}/")) == 6
    assert f"/listings/{listing.id}/" in cards(browse)[0]["thumbnails"][0]["imageUrl"]

    # The owner deletes it: the answer does not wait on S3; the photo worker removes the objects.
    deleted = kakao.call(
        "listing-status", client_extra={"listing_id": listing.id, "status": "삭제"}, user_key=SELLER
    )
    assert "삭제" in texts_of(deleted)
    assert photo_queue(rt.redis).count == 1
    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)
    assert s3_keys(s3_endpoint, s3_bucket, f"listings/{listing.id}/") == {}
