"""Where listing photos are kept: a local folder served at `/media/` (embedded default) or S3.

Keys are relative, `/`-separated object names such as `listings/12/34-9f2c1a7b0d3e.jpg`; they carry a
content hash, so what is stored under a key never changes and may be cached for a year. Pick the
backend with `STORAGE_BACKEND` (see `.env.example`); `init_app` binds one to the app and serves the
local folder, `make_storage(settings)` gives the same object to a worker.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, Response, abort, send_from_directory

from chatbot.config import Settings

EXTENSION_KEY = "junggyenara.storage"
# Objects never change under a key (the key holds a content hash), so caches may keep them a year.
MAX_AGE = 365 * 24 * 3600
CACHE_CONTROL = f"public, max-age={MAX_AGE}, immutable"
_KEY = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?")


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative object name, else raise `ValueError`.

    Safe: segments of `A-Z a-z 0-9 . _ -` joined by `/`, none of them `.` or `..` (no traversal, no
    absolute path, no backslash). A trailing `/` marks a prefix.
    """
    if not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"unsafe storage key: {key!r}")
    return key


class Storage(Protocol):
    """What the image service needs from a photo store."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` (bytes) under `key` with this MIME type; raises `ValueError` on an unsafe key."""

    def url(self, key: str) -> str:
        """A URL a KakaoTalk client can load the object from."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix` (ending in `/`); gives how many."""


class LocalStorage:
    """Objects as files below `root`, served by this app at `GET /media/<key>` (see `init_app`).

    URLs are `public_base_url/<key>`; `make_storage` gives `MEDIA_PUBLIC_BASE_URL`, else
    `PUBLIC_BASE_URL/media` (Kakao needs absolute image URLs). The default `/media` is relative.
    """

    def __init__(self, root: str | Path, public_base_url: str = "/media") -> None:
        self.root = Path(root).resolve()
        self.public_base_url = public_base_url.rstrip("/")

    def path(self, key: str) -> Path:
        """The file of `key` below `root`; raises `ValueError` on an unsafe key."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file atomically (temporary file + rename); the MIME type follows the extension."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)

    def url(self, key: str) -> str:
        """`public_base_url/key`; raises `ValueError` on an unsafe key."""
        return f"{self.public_base_url}/{check_key(key)}"

    def delete_prefix(self, prefix: str) -> int:
        """Remove the folder `prefix` (must end in `/`) and everything in it; gives the file count."""
        if not prefix.endswith("/"):
            raise ValueError("a prefix ends with '/'")
        folder = self.path(prefix).resolve()
        if not folder.is_dir():
            return 0
        count = sum(1 for item in folder.rglob("*") if item.is_file())
        shutil.rmtree(folder)
        return count


class S3Storage:
    """Objects in an S3 bucket (or MinIO / moto at `endpoint_url`) under `prefix`.

    URLs are `public_base_url/<prefix><key>` when a public base (CDN or public bucket) is set, else
    presigned GET URLs valid `presign_expires` seconds (SigV4 allows at most 604800). Credentials
    come from boto3's usual chain. boto3 docs: S3.Client.put_object, generate_presigned_url,
    list_objects_v2 (paginator), delete_objects (≤ 1000 keys a call).
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        region: str = "",
        endpoint_url: str = "",
        public_base_url: str = "",
        presign_expires: int = 86400,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.public_base_url = public_base_url.rstrip("/")
        self.presign_expires = presign_expires
        self.client = client or _s3_client(region, endpoint_url)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """`PutObject` with the content type and a one-year immutable Cache-Control."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + check_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )

    def url(self, key: str) -> str:
        """The public URL, else a presigned GET URL (no network call)."""
        full_key = self.prefix + check_key(key)
        if self.public_base_url:
            return f"{self.public_base_url}/{full_key}"
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": full_key}, ExpiresIn=self.presign_expires
        )

    def delete_prefix(self, prefix: str) -> int:
        """List every object under `prefix` and delete them page by page; raises `RuntimeError` if S3
        reports a key it could not delete."""
        if not prefix.endswith("/"):
            raise ValueError("a prefix ends with '/'")
        count = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + check_key(prefix)
        )
        for page in pages:
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if not objects:
                continue
            result = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
            if result.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(result['Errors'])} objects under {prefix}")
            count += len(objects)
        return count


def _s3_client(region: str, endpoint_url: str) -> Any:
    """A boto3 S3 client with SigV4, standard retries and short timeouts (path-style for a custom
    endpoint such as MinIO or moto)."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=30,
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.client("s3", region_name=region or None, endpoint_url=endpoint_url or None, config=config)


def make_storage(settings: Settings) -> Storage:
    """The store `settings` describe (one object per distinct configuration, reused)."""
    return _make_storage(
        settings.storage_backend,
        settings.media_dir,
        _public_base(settings),
        settings.s3_bucket,
        settings.s3_prefix,
        settings.s3_region,
        settings.s3_endpoint_url,
        settings.s3_presign_expires,
    )


@lru_cache(maxsize=8)
def _make_storage(
    backend: str,
    media_dir: str,
    public_base_url: str,
    bucket: str,
    prefix: str,
    region: str,
    endpoint_url: str,
    presign_expires: int,
) -> Storage:
    if backend == "s3":
        return S3Storage(
            bucket,
            prefix=prefix,
            region=region,
            endpoint_url=endpoint_url,
            public_base_url=public_base_url,
            presign_expires=presign_expires,
        )
    return LocalStorage(media_dir, public_base_url)


def _public_base(settings: Settings) -> str:
    """`MEDIA_PUBLIC_BASE_URL`, else (local backend) this server's `PUBLIC_BASE_URL/media`."""
    if settings.media_public_base_url or settings.storage_backend == "s3":
        return settings.media_public_base_url
    return f"{settings.public_base_url}/media"


def storage_for(app: Flask) -> Storage:
    """The `Storage` bound to `app` by `init_app`."""
    return app.extensions[EXTENSION_KEY]


def init_app(app: Flask) -> None:
    """Bind the configured store to `app`; with the local backend, serve it at `GET /media/<key>`.

    The route answers 404 for unsafe keys (`..`, absolute paths) and missing files, sends the MIME
    type of the extension with `nosniff`, and lets caches keep a file a year (keys never change).
    """
    from chatbot import runtime

    storage = make_storage(runtime(app).settings)
    app.extensions[EXTENSION_KEY] = storage
    if not isinstance(storage, LocalStorage):
        return

    @app.get("/media/<path:key>", endpoint="media")
    def media(key: str) -> Response:
        try:
            check_key(key)
        except ValueError:
            abort(404)
        response = send_from_directory(storage.root, key, max_age=MAX_AGE)
        response.cache_control.immutable = True
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
