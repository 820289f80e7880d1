"""Photo storage: the local folder and its `/media/` route, and S3 through moto's server."""

from __future__ import annotations

import pytest
import requests

from chatbot import create_app
from chatbot.config import ConfigError, Settings
from chatbot.storage import LocalStorage, S3Storage, check_key, make_storage, storage_for
from tests import media_standins
from tests.media_standins import s3_keys

# moto's S3 server (session) and a fresh bucket per test
s3_endpoint = media_standins.s3_endpoint
s3_bucket = media_standins.s3_bucket


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/etc/passwd", "listings/../../x", "a//b", "a\\b", "listings/./1", "", "a b"]
)
def test_unsafe_keys_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_safe_keys_pass():
    assert check_key("listings/12/34-abc.jpg") == "listings/12/34-abc.jpg"
    assert check_key("listings/12/") == "listings/12/"


def test_settings_choose_the_backend(tmp_path):
    local = make_storage(Settings(media_dir=str(tmp_path)))
    assert isinstance(local, LocalStorage) and local.root == tmp_path.resolve()
    s3 = make_storage(Settings(storage_backend="s3", s3_bucket="b", s3_region="ap-northeast-2"))
    assert isinstance(s3, S3Storage) and s3.bucket == "b"
    assert make_storage(Settings(media_dir=str(tmp_path))) is local  # one object per configuration
    with pytest.raises(ConfigError):
        Settings().with_overrides(storage_backend="s3")  # no bucket
    with pytest.raises(ConfigError):
        Settings().with_overrides(storage_backend="ftp")


def test_settings_from_env():
    env = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "jgn",
        "S3_PREFIX": "prod/",
        "IMAGE_HOST_ALLOWLIST": "a.example, *.b.example",
        "IMAGE_MAX_BYTES": "1000",
        "IMAGE_FETCH_TIMEOUT": "2.5",
        "MEDIA_PUBLIC_BASE_URL": "https://cdn.example/",
    }
    settings = Settings.from_env(env)
    assert (settings.storage_backend, settings.s3_bucket, settings.s3_prefix) == ("s3", "jgn", "prod/")
    assert settings.image_host_allowlist == ("a.example", "*.b.example")
    assert (settings.image_max_bytes, settings.image_fetch_timeout) == (1000, 2.5)
    assert settings.media_public_base_url == "https://cdn.example"
    assert "*.kakaocdn.net" in Settings.from_env({}).image_host_allowlist
    assert Settings.from_env({}).image_allow_private_hosts is False


# --- local folder + /media/ ----------------------------------------------------------------------


@pytest.fixture
def local_app(tmp_path):
    """An app on SQLite/fakeredis (no DB use) whose photos live in tmp_path/media."""
    return create_app(Settings(app_env="test", database_url="sqlite://", media_dir=str(tmp_path / "media")))


def test_local_put_url_and_route(local_app, tmp_path):
    storage = storage_for(local_app)
    storage.put("listings/7/1-abc.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert (tmp_path / "media/listings/7/1-abc.jpg").read_bytes() == b"\xff\xd8jpeg"
    assert storage.url("listings/7/1-abc.jpg") == "http://127.0.0.1:8000/media/listings/7/1-abc.jpg"

    resp = local_app.test_client().get("/media/listings/7/1-abc.jpg")
    assert resp.status_code == 200 and resp.data == b"\xff\xd8jpeg"
    assert resp.mimetype == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "immutable" in resp.headers["Cache-Control"] and "max-age=31536000" in resp.headers["Cache-Control"]
    )


def test_local_urls_are_absolute(tmp_path):
    server = make_storage(Settings(media_dir=str(tmp_path), public_base_url="https://bot.example"))
    assert server.url("listings/1/a.jpg") == "https://bot.example/media/listings/1/a.jpg"
    cdn = make_storage(Settings(media_dir=str(tmp_path), media_public_base_url="https://cdn.example/m"))
    assert cdn.url("listings/1/a.jpg") == "https://cdn.example/m/listings/1/a.jpg"
    assert LocalStorage(tmp_path).url("listings/1/a.jpg") == "/media/listings/1/a.jpg"


@pytest.mark.parametrize(
    "path",
    [
        "/media/../config.py",
        "/media/%2e%2e/%2e%2e/chatbot/config.py",
        "/media/listings/..%2f..%2fsecret.txt",
        "/media//etc/passwd",
        "/media/listings/7/missing.jpg",
    ],
)
def test_media_route_refuses_traversal_and_missing(local_app, tmp_path, path):
    (tmp_path / "secret.txt").write_text("secret")
    storage_for(local_app).put("listings/7/1-abc.jpg", b"x", "image/jpeg")
    resp = local_app.test_client().get(path, follow_redirects=True)  # werkzeug merges "//" by a 308
    assert resp.status_code == 404
    assert b"secret" not in resp.data


def test_local_put_refuses_unsafe_key(tmp_path):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path / "media").put("../outside.jpg", b"x", "image/jpeg")
    assert not (tmp_path / "outside.jpg").exists()


def test_local_delete_prefix_removes_only_that_listing(tmp_path):
    storage = LocalStorage(tmp_path)
    for key in ("listings/1/a.jpg", "listings/1/a-thumb.jpg", "listings/11/b.jpg"):
        storage.put(key, b"x", "image/jpeg")
    assert storage.delete_prefix("listings/1/") == 2
    assert not (tmp_path / "listings/1").exists()
    assert (tmp_path / "listings/11/b.jpg").exists()
    assert storage.delete_prefix("listings/1/") == 0
    with pytest.raises(ValueError):
        storage.delete_prefix("listings/1")


# --- S3 on moto ----------------------------------------------------------------------------------


def _s3(endpoint: str, bucket: str, **kwargs) -> S3Storage:
    return S3Storage(bucket, region="us-east-1", endpoint_url=endpoint, **kwargs)


def test_s3_put_presigned_url_and_delete(s3_endpoint, s3_bucket):
    storage = _s3(s3_endpoint, s3_bucket, prefix="prod/", presign_expires=600)
    storage.put("listings/5/1-abc.jpg", b"\xff\xd8one", "image/jpeg")
    storage.put("listings/5/1-abc-thumb.jpg", b"\xff\xd8two", "image/jpeg")
    storage.put("listings/50/9-def.jpg", b"\xff\xd8other", "image/jpeg")

    objects = s3_keys(s3_endpoint, s3_bucket)
    assert set(objects) == {
        "prod/listings/5/1-abc.jpg",
        "prod/listings/5/1-abc-thumb.jpg",
        "prod/listings/50/9-def.jpg",
    }
    head = objects["prod/listings/5/1-abc.jpg"]
    assert head["ContentType"] == "image/jpeg"
    assert "immutable" in head["CacheControl"]

    url = storage.url("listings/5/1-abc.jpg")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    fetched = requests.get(url, timeout=5)
    assert fetched.status_code == 200 and fetched.content == b"\xff\xd8one"

    assert storage.delete_prefix("listings/5/") == 2
    assert set(s3_keys(s3_endpoint, s3_bucket)) == {"prod/listings/50/9-def.jpg"}


def test_s3_public_base_url_needs_no_signature(s3_endpoint, s3_bucket):
    storage = _s3(s3_endpoint, s3_bucket, prefix="prod/", public_base_url="https://cdn.example/")
    assert storage.url("listings/5/a.jpg") == "https://cdn.example/prod/listings/5/a.jpg"
