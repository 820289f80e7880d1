"""Listing photos: safe download, Pillow processing, the ingest job on MariaDB + moto S3 + RQ."""

from __future__ import annotations

import io
import json
import time
import uuid

import pytest
import requests
from PIL import Image
from rq import SimpleWorker

from chatbot import create_app, runtime
from chatbot.config import Settings
from chatbot.jobs import photo_queue, rq_connection, wait_for_local_jobs
from chatbot.kakao.payload import SkillPayload
from chatbot.models import Listing, ListingPhoto, Member
from chatbot.services.images import (
    MAX_PIXELS,
    ImageError,
    RetryableImageError,
    fetch_image,
    ingest_listing_photos,
    process_image,
    upgrade_url,
)
from chatbot.services.photos import delete_listing_photos, enqueue_listing_photos, host_allowed, photo_url
from chatbot.storage import storage_for
from tests import media_standins
from tests.media_standins import GPS_IFD, MAX_BYTES, jpeg_with_gps, png_bomb, png_with_alpha, s3_keys

image_host = media_standins.image_host
s3_endpoint = media_standins.s3_endpoint
s3_bucket = media_standins.s3_bucket


def host_settings(host: media_standins.ImageHost, **overrides) -> dict:
    """Settings that let the downloader reach the local image host (and only it)."""
    return {
        "image_host_allowlist": ("localhost", "127.0.0.1"),
        "image_allow_private_hosts": True,
        "image_ca_bundle": host.ca_bundle,
        "image_max_bytes": MAX_BYTES,
        "image_fetch_timeout": 5.0,
        **overrides,
    }


@pytest.fixture
def img_settings(image_host) -> Settings:
    return Settings(app_env="test", **host_settings(image_host))


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- URLs and hosts ------------------------------------------------------------------------------


def test_kakao_secureimage_url_is_upgraded_to_https(fixtures_dir):
    raw = json.loads(
        (fixtures_dir / "kakao/requests/req_real_secureimage_param_params_only.json").read_text()
    )
    [url] = SkillPayload.model_validate(raw).secure_images("productImg")
    assert url.startswith("http://secure.kakaocdn.net/dna/")
    upgraded = upgrade_url(url, Settings())
    assert upgraded == "https://" + url.removeprefix("http://")  # same path, query and signature


def test_upgrade_only_for_allowlisted_hosts():
    assert upgrade_url("http://k.kakaocdn.net/a.jpg", Settings()) == "https://k.kakaocdn.net/a.jpg"
    assert upgrade_url("http://evil.example/a.jpg", Settings()) == "http://evil.example/a.jpg"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("secure.kakaocdn.net", True),
        ("k.kakaocdn.net", True),
        ("img1.kakaocdn.net", True),
        ("SECURE.KAKAOCDN.NET.", True),
        ("kakaocdn.net.evil.example", False),
        ("evilkakaocdn.net", False),
        ("kakaocdn.net", False),
        ("", False),
    ],
)
def test_host_allowlist(host, allowed):
    assert host_allowed(host, Settings().image_host_allowlist) is allowed


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://evil.example/a.jpg", "not https"),
        ("ftp://secure.kakaocdn.net/a.jpg", "not https"),
        ("https://evil.example/a.jpg", "host not allowed"),
        ("https://user:pw@secure.kakaocdn.net/a.jpg", "credentials"),
        ("file:///etc/passwd", "not https"),
    ],
)
def test_refused_before_any_connection(url, reason):
    with pytest.raises(ImageError, match=reason):
        fetch_image(url, Settings())


# --- download from the https stand-in ------------------------------------------------------------


def test_fetch_jpeg(image_host, img_settings):
    assert fetch_image(image_host.url("/gps.jpg"), img_settings) == jpeg_with_gps()


def test_fetch_upgrades_http(image_host, img_settings):
    assert fetch_image(image_host.url("/gps.jpg", scheme="http"), img_settings) == jpeg_with_gps()


def test_redirect_on_the_same_host_is_followed(image_host, img_settings):
    assert fetch_image(image_host.url("/redirect-same"), img_settings) == jpeg_with_gps()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/redirect-other", "redirect to another host: 127.0.0.1"),
        ("/redirect-http", "not https"),
        ("/loop", "more than 3 redirects"),
        ("/too-large.jpg", "too large"),
        ("/no-length.jpg", "too large: more than"),
        ("/expired", "HTTP 403"),
    ],
)
def test_fetch_refuses(image_host, img_settings, path, reason):
    with pytest.raises(ImageError, match=reason) as info:
        fetch_image(image_host.url(path), img_settings)
    assert not isinstance(info.value, RetryableImageError)


def test_private_address_is_refused_by_default(image_host, img_settings):
    strict = img_settings.with_overrides(image_allow_private_hosts=False)
    with pytest.raises(ImageError, match=r"private address refused: 127\.0\.0\.1"):
        fetch_image(image_host.url("/gps.jpg"), strict)
    with pytest.raises(ImageError, match="private address refused"):
        fetch_image(image_host.other_url("/gps.jpg"), strict)


def test_connection_to_a_private_address_is_refused_after_dns(image_host, img_settings, monkeypatch):
    """DNS rebinding: the name looked public when checked, the socket reached 127.0.0.1."""
    from chatbot.services import images

    monkeypatch.setattr(images, "_resolve", lambda host, port: {"93.184.216.34"})
    strict = img_settings.with_overrides(image_allow_private_hosts=False)
    with pytest.raises(ImageError, match=r"private address refused: 127\.0\.0\.1"):
        fetch_image(image_host.url("/gps.jpg"), strict)


def test_unknown_ca_is_refused(image_host, img_settings):
    with pytest.raises(ImageError, match="TLS"):
        fetch_image(image_host.url("/gps.jpg"), img_settings.with_overrides(image_ca_bundle=""))


def test_server_errors_and_timeouts_are_retryable(image_host, img_settings):
    with pytest.raises(RetryableImageError, match="HTTP 503"):
        fetch_image(image_host.url("/unavailable"), img_settings)
    with pytest.raises(RetryableImageError):
        fetch_image(image_host.url("/slow.jpg"), img_settings.with_overrides(image_fetch_timeout=0.5))


def test_content_type_header_is_not_trusted(image_host, img_settings):
    html = fetch_image(image_host.url("/page.html"), img_settings)  # served as image/jpeg
    with pytest.raises(ImageError, match="not an image"):
        process_image(html)
    png = fetch_image(image_host.url("/photo.png"), img_settings)  # served as octet-stream
    assert process_image(png).width == 300


# --- processing ----------------------------------------------------------------------------------


def test_exif_gps_is_stripped_and_orientation_applied():
    source = _open(jpeg_with_gps((600, 300), orientation=6))
    assert source.getexif().get_ifd(GPS_IFD)  # the input really carries GPS
    result = process_image(jpeg_with_gps((600, 300), orientation=6))
    image, thumb = _open(result.image), _open(result.thumb)
    for out in (image, thumb):
        assert out.format == "JPEG"
        assert not out.getexif().get_ifd(GPS_IFD)
        assert len(out.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(out.info)
    assert (result.width, result.height) == image.size == (300, 600)  # rotated upright
    blue, red = image.getpixel((150, 10)), image.getpixel((150, 590))
    assert blue[2] > 150 > blue[0] and red[0] > 150 > red[2]  # the left half (blue) is now on top
    assert thumb.size == (800, 400)
    assert result.content_type == "image/jpeg"


def test_large_photo_is_resized_to_1280_long_side():
    result = process_image(jpeg_with_gps((3000, 2000), orientation=1))
    assert (result.width, result.height) == (1280, 853)
    assert _open(result.thumb).size == (800, 400)


def test_png_alpha_is_flattened_on_white():
    result = process_image(png_with_alpha())
    image = _open(result.image).convert("RGB")
    assert image.getpixel((10, 150)) == pytest.approx((255, 255, 255), abs=3)
    assert image.size == (300, 300)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<!doctype html><p>not a photo", "not an image"),
        (jpeg_with_gps()[:2000], "broken image"),
        (png_bomb(), "too many pixels"),
        (png_bomb(10_000, 6_000), "too many pixels: 10000x6000"),
        (b"", "not an image"),
    ],
)
def test_process_refuses(data, reason):
    with pytest.raises(ImageError, match=reason):
        process_image(data)


def test_pixel_cap_is_below_pillows_own():
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_truncated_file_from_the_host(image_host, img_settings):
    with pytest.raises(ImageError, match="broken image"):
        process_image(fetch_image(image_host.url("/truncated.jpg"), img_settings))
    with pytest.raises(ImageError, match="too many pixels"):
        process_image(fetch_image(image_host.url("/bomb.png"), img_settings))


# --- the job on MariaDB, moto S3 and RQ ----------------------------------------------------------


@pytest.fixture
def settings(settings, image_host, s3_endpoint, s3_bucket):
    """The suite's settings (MariaDB, Redis) storing photos in a fresh moto bucket."""
    return settings.with_overrides(
        storage_backend="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        s3_presign_expires=300,
        **host_settings(image_host),
    )


def make_listing(rt, urls: list[str]) -> int:
    """A member's listing with one pending photo per URL; gives the listing id."""
    with rt.sessions() as session:
        seller = Member(bot_user_key=uuid.uuid4().hex, nickname=uuid.uuid4().hex[:10], phone="010-1234-5678")
        listing = Listing(seller=seller, title="테스트 상품", price=1000, category="etc")
        listing.photos = [ListingPhoto(position=n, source_url=url) for n, url in enumerate(urls)]
        session.add(listing)
        session.commit()
        return listing.id


def photos_of(rt, listing_id: int) -> list[ListingPhoto]:
    with rt.sessions() as session:
        return list(session.get(Listing, listing_id).photos)


def test_ingest_stores_clean_photos_and_marks_failures(app, rt, image_host, s3_endpoint, s3_bucket):
    urls = ["/gps.jpg", "/page.html", "/photo.png", "/redirect-other"]
    listing_id = make_listing(rt, [image_host.url(u, scheme="http") for u in urls])
    with rt.sessions() as session:
        result = ingest_listing_photos(session, storage_for(app), rt.settings, listing_id)
    assert (result.ready, result.failed, result.retry) == (2, 2, 0)

    gps, html, png, redirect = photos_of(rt, listing_id)
    assert [p.status for p in (gps, html, png, redirect)] == ["ready", "failed", "ready", "failed"]
    assert html.error.startswith("not an image") and html.image_key is None
    assert redirect.error == "redirect to another host: 127.0.0.1"
    assert (gps.width, gps.height, png.width, png.height) == (300, 600, 300, 300)

    objects = s3_keys(s3_endpoint, s3_bucket)
    prefix = f"listings/{listing_id}/"
    assert set(objects) == {gps.image_key, gps.thumb_key, png.image_key, png.thumb_key}
    assert all(key.startswith(prefix) and len(key) <= 200 for key in objects)
    assert all(head["ContentType"] == "image/jpeg" for head in objects.values())

    for key in (gps.image_key, png.image_key, gps.thumb_key):
        url = photo_url(rt.settings, key)
        assert "X-Amz-Signature=" in url
        image = _open(requests.get(url, timeout=5).content)
        assert not image.getexif().get_ifd(GPS_IFD) and max(image.size) <= 1280
    assert _open(requests.get(photo_url(rt.settings, gps.thumb_key), timeout=5).content).size == (800, 400)

    with rt.sessions() as session:  # a second run finds nothing pending
        assert ingest_listing_photos(session, storage_for(app), rt.settings, listing_id).ready == 0


def test_deleting_a_listing_deletes_its_objects(app, rt, image_host, s3_endpoint, s3_bucket):
    gone = make_listing(rt, [image_host.url("/gps.jpg"), image_host.url("/photo.png")])
    kept = make_listing(rt, [image_host.url("/gps.jpg")])
    with rt.sessions() as session:
        for listing_id in (gone, kept):
            ingest_listing_photos(session, storage_for(app), rt.settings, listing_id)
    assert delete_listing_photos(rt.settings, gone) == 4
    assert s3_keys(s3_endpoint, s3_bucket, f"listings/{gone}/") == {}
    assert len(s3_keys(s3_endpoint, s3_bucket, f"listings/{kept}/")) == 2


def test_rq_worker_runs_the_job(app, rt, image_host):
    listing_id = make_listing(rt, [image_host.url("/gps.jpg")])
    job = enqueue_listing_photos(rt.redis, listing_id)
    assert job.origin == "images" and job.retries_left == 3
    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert job.return_value() == {"ready": 1, "failed": 0}
    assert [p.status for p in photos_of(rt, listing_id)] == ["ready"]


def test_transient_failure_is_retried_then_marked_failed(app, rt, image_host):
    listing_id = make_listing(rt, [image_host.url("/gps.jpg"), image_host.url("/unavailable")])
    job = enqueue_listing_photos(rt.redis, listing_id)
    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)
    job.refresh()
    assert job.get_status() == "scheduled" and job.retries_left == 2  # RQ tries again in 10 s
    assert [p.status for p in photos_of(rt, listing_id)] == ["ready", "pending"]

    with rt.sessions() as session:  # what the last try does
        ingest_listing_photos(session, storage_for(app), rt.settings, listing_id, final=True)
    ok, failed = photos_of(rt, listing_id)
    assert (ok.status, failed.status, failed.error) == ("ready", "failed", "HTTP 503")


def test_embedded_mode_never_blocks_the_caller(settings, app, image_host):
    embedded = create_app(settings.with_overrides(redis_url=None))  # fakeredis: the photo thread
    ert = runtime(embedded)
    listing_id = make_listing(ert, [image_host.url("/slow.jpg")])  # takes 1.5 s to answer
    with embedded.app_context():
        started = time.monotonic()
        assert enqueue_listing_photos(ert.redis, listing_id) is None
        assert time.monotonic() - started < 0.5
    assert [p.status for p in photos_of(ert, listing_id)] == ["pending"]
    wait_for_local_jobs()
    assert [p.status for p in photos_of(ert, listing_id)] == ["ready"]
    ert.engine.dispose()


def test_flask_worker_command_processes_the_queue(app, rt, runner, image_host):
    listing_id = make_listing(rt, [image_host.url("/photo.png")])
    enqueue_listing_photos(rt.redis, listing_id)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert [p.status for p in photos_of(rt, listing_id)] == ["ready"]


def test_listing_deleted_during_the_job_leaves_no_objects(
    app, rt, image_host, s3_endpoint, s3_bucket, monkeypatch
):
    from chatbot.services import images

    listing_id = make_listing(rt, [image_host.url("/gps.jpg")])

    def fetch_then_delete(url, settings):
        with rt.sessions() as other:  # the seller deletes the listing while we download
            other.delete(other.get(Listing, listing_id))
            other.commit()
        return jpeg_with_gps()

    monkeypatch.setattr(images, "fetch_image", fetch_then_delete)
    with rt.sessions() as session:
        ingest_listing_photos(session, storage_for(app), rt.settings, listing_id)
    assert s3_keys(s3_endpoint, s3_bucket) == {}


def soft_delete(rt, listing_id: int) -> None:
    """What the seller's 삭제 does to the row (`listing-status`): status `deleted`, committed."""
    from chatbot.services import listings as listing_service

    with rt.sessions() as other:
        listing = other.get(Listing, listing_id)
        listing_service.change_status(other, listing_id, listing.seller, "deleted")


def test_a_job_for_a_listing_deleted_before_it_ran_stores_nothing(
    app, rt, image_host, s3_endpoint, s3_bucket
):
    listing_id = make_listing(rt, [image_host.url("/gps.jpg"), image_host.url("/photo.png")])
    enqueue_listing_photos(rt.redis, listing_id)  # the sell skill queued it
    soft_delete(rt, listing_id)  # the seller deleted the listing before the worker got to it
    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)
    assert s3_keys(s3_endpoint, s3_bucket) == {}
    assert [p.status for p in photos_of(rt, listing_id)] == ["pending", "pending"]  # never fetched


def test_a_listing_soft_deleted_during_the_job_leaves_no_objects(
    app, rt, image_host, s3_endpoint, s3_bucket, monkeypatch
):
    from chatbot.services import images

    listing_id = make_listing(rt, [image_host.url("/gps.jpg"), image_host.url("/photo.png")])
    real_fetch, fetched = images.fetch_image, []

    def fetch_then_delete(url, settings):
        fetched.append(url)
        data = real_fetch(url, settings)
        if len(fetched) == 1:
            soft_delete(rt, listing_id)
            delete_listing_photos(rt.settings, listing_id)  # finds nothing yet: the first photo is not stored
        return data

    monkeypatch.setattr(images, "fetch_image", fetch_then_delete)
    with rt.sessions() as session:
        ingest_listing_photos(session, storage_for(app), rt.settings, listing_id)
    assert len(fetched) == 1  # the second photo is not fetched for a deleted listing
    assert s3_keys(s3_endpoint, s3_bucket) == {}


def test_a_listing_deleted_through_the_admin_api_loses_its_photos_too(
    app, rt, client, image_host, s3_endpoint, s3_bucket
):
    from tests.admin_helpers import API, access_token, bearer, make_admins

    listing_id = make_listing(rt, [image_host.url("/gps.jpg")])
    with rt.sessions() as session:
        ingest_listing_photos(session, storage_for(app), rt.settings, listing_id)
    assert len(s3_keys(s3_endpoint, s3_bucket, f"listings/{listing_id}/")) == 2
    operator = bearer(access_token(rt, make_admins(rt)["operator"]))
    assert client.delete(f"{API}/listings/{listing_id}", headers=operator).status_code == 204
    with app.app_context():
        SimpleWorker([photo_queue(rt.redis)], connection=rq_connection(rt.redis)).work(burst=True)
    assert s3_keys(s3_endpoint, s3_bucket, f"listings/{listing_id}/") == {}
