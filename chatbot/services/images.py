"""Listing photos: download from Kakao's CDN safely, clean and resize with Pillow, store, show, delete.

A seller's photos arrive as `sys.plugin.secureimage` URLs (`SkillPayload.secure_images`). The `sell`
skill saves one pending `ListingPhoto` per URL and calls `enqueue_listing_photos`; a worker (or, with
the embedded defaults, a background thread — see `chatbot.jobs`) runs `ingest_listing_photos`, which
fetches, checks, re-encodes and stores each photo under `listings/<listing id>/`. Nothing here runs
inside a skill's request: what skills call (`photo_url`, `enqueue_listing_photos`,
`delete_listing_photos`) is in `chatbot.services.photos`, so web workers never load Pillow.

Download rules (`fetch_image`): https only — the real secureimage URLs are `http://secure.kakaocdn.net/…`
(2023 payload in ../shared/fixtures/kakao), so `http` is upgraded to `https` for allowlisted hosts,
which serve the same path over TLS; the host must match `IMAGE_HOST_ALLOWLIST` (exact name or
`*.suffix`); every address it resolves to, and the address actually connected to, must be public
(no loopback, private, link-local, reserved, multicast); at most 3 redirects, each to https on the
same host; at most `IMAGE_MAX_BYTES` bytes (Content-Length and bytes read); `IMAGE_FETCH_TIMEOUT`
seconds in total. What the file is, is decided by decoding it, never by its Content-Type.

Output (`process_image`): EXIF orientation applied, then every piece of metadata dropped (EXIF with
GPS, XMP, comments; colours converted to sRGB so the ICC profile can go too), re-encoded as
progressive JPEG (every KakaoTalk client shows JPEG): a copy ≤ 1280 px on its long side and an
800×400 (2:1) centre-cropped thumbnail. 2:1 because it fits every card we send: GB-FMT §Thumbnail
shows a 2:1 area unless `fixedRatio` is set, itemCard carousels take 2:1 only, and §Carousel wants
one ratio for all cards of a carousel.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import logging
import socket
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection
from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chatbot.config import Settings
from chatbot.services.photos import delete_listing_photos, host_allowed, listing_prefix
from chatbot.storage import Storage

if TYPE_CHECKING:
    from chatbot.models import ListingPhoto

logger = logging.getLogger("junggyenara.images")

MAX_REDIRECTS = 3
MAX_PIXELS = 50_000_000  # decoded size cap (decompression bombs); Pillow itself only warns at 89 M
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
LONG_SIDE = 1280  # pixels, the resized copy's longest side
THUMB_SIZE = (800, 400)  # pixels, 2:1 (GB-FMT §Thumbnail, §ItemCard, §Carousel)
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"
ERROR_MAX = 200  # ListingPhoto.error is String(200)
_CHUNK = 64 * 1024
_SRGB = ImageCms.createProfile("sRGB")


class ImageError(Exception):
    """A photo that cannot be used; `str(exc)` is a short English reason (kept in `ListingPhoto.error`)."""


class RetryableImageError(ImageError):
    """A failure that may pass on a later try: timeout, connection or DNS error, HTTP 429/5xx, storage."""


@dataclass(frozen=True)
class ProcessedImage:
    """A cleaned photo: `image` (JPEG bytes, `width`×`height` pixels, long side ≤ 1280) and `thumb`
    (JPEG bytes, 800×400 pixels)."""

    image: bytes
    width: int
    height: int
    thumb: bytes
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True)
class IngestResult:
    """What one `ingest_listing_photos` run did: photos made `ready`, marked `failed`, and left
    `pending` for a retry (counts)."""

    ready: int = 0
    failed: int = 0
    retry: int = 0


# --- download ------------------------------------------------------------------------------------


def upgrade_url(url: str, settings: Settings) -> str:
    """`url` with `http` turned into `https` when its host is allowlisted (Kakao sends http URLs)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() == "http" and host_allowed(parts.hostname or "", settings.image_host_allowlist):
        return urlunsplit(parts._replace(scheme="https"))
    return url.strip()


def fetch_image(url: str, settings: Settings) -> bytes:
    """Download the photo at `url` under the rules in this module's docstring; gives its bytes.

    Raises `ImageError` when a rule refuses it, `RetryableImageError` on a timeout, a network error
    or HTTP 429/5xx.
    """
    url = upgrade_url(url, settings)
    origin = (urlsplit(url).hostname or "").lower()
    deadline = time.monotonic() + settings.image_fetch_timeout
    with _http_session(settings) as http:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, origin, settings)
            with _get(http, url, deadline) as resp:
                if resp.is_redirect:
                    url = urljoin(url, resp.headers["Location"])
                    continue
                _check_status(resp)
                return _read_capped(resp, settings.image_max_bytes, deadline)
    raise ImageError(f"more than {MAX_REDIRECTS} redirects")


def check_url(url: str, origin: str, settings: Settings) -> None:
    """Refuse (`ImageError`) a URL that is not https, carries credentials, leaves host `origin`, is
    not allowlisted, or resolves to a non-public address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https":
        raise ImageError(f"not https: {parts.scheme or 'no scheme'}")
    if parts.username or parts.password:
        raise ImageError("credentials in URL")
    if host != origin:
        raise ImageError(f"redirect to another host: {host}")
    if not host_allowed(host, settings.image_host_allowlist):
        raise ImageError(f"host not allowed: {host}")
    for address in _resolve(host, parts.port or 443):
        _check_address(address, settings.image_allow_private_hosts)


def _resolve(host: str, port: int) -> set[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise RetryableImageError(f"cannot resolve {host}") from exc
    return {str(info[4][0]) for info in infos}  # sockaddr[0] is the address text (IPv4 and IPv6)


def _check_address(address: str, allow_private: bool) -> None:
    """Refuse an address that is not globally routable (SSRF), unless tests allow private hosts."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if (not ip.is_global or ip.is_multicast) and not allow_private:
        raise ImageError(f"private address refused: {ip}")


class _PublicOnlyConnection(urllib3.connection.HTTPSConnection):
    """An https connection that checks the address its socket reached before TLS starts, so a DNS
    answer that changed after `check_url` (rebinding) cannot lead to a private address."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        try:
            _check_address(sock.getpeername()[0], allow_private=False)
        except ImageError:
            sock.close()
            raise
        return sock


class _PublicOnlyPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PublicOnlyConnection


class _PublicOnlyAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"https": _PublicOnlyPool}


def _http_session(settings: Settings) -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # no proxies or .netrc from the environment
    if not settings.image_allow_private_hosts:
        http.mount("https://", _PublicOnlyAdapter())
    http.verify = settings.image_ca_bundle or True
    http.headers.update({"User-Agent": settings.crawler_user_agent, "Accept": "image/*"})
    return http


def _get(http: requests.Session, url: str, deadline: float) -> requests.Response:
    remaining = max(deadline - time.monotonic(), 0.1)
    try:
        return http.get(url, stream=True, allow_redirects=False, timeout=(remaining, remaining))
    except requests.exceptions.SSLError as exc:
        raise ImageError("TLS verification failed") from exc
    except requests.RequestException as exc:
        raise RetryableImageError(f"download failed: {type(exc).__name__}") from exc


def _check_status(resp: requests.Response) -> None:
    if resp.status_code == 200:
        return
    if resp.status_code == 429 or resp.status_code >= 500:
        raise RetryableImageError(f"HTTP {resp.status_code}")
    raise ImageError(f"HTTP {resp.status_code}")


def _read_capped(resp: requests.Response, max_bytes: int, deadline: float) -> bytes:
    """The body, refusing more than `max_bytes` bytes (declared or read) or reading past `deadline`."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageError(f"too large: {declared} bytes > {max_bytes}")
    body = bytearray()
    try:
        for chunk in resp.iter_content(_CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise ImageError(f"too large: more than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise RetryableImageError("download timed out")
    except requests.RequestException as exc:
        raise RetryableImageError(f"download failed: {type(exc).__name__}") from exc
    return bytes(body)


# --- processing ----------------------------------------------------------------------------------


def process_image(data: bytes) -> ProcessedImage:
    """Decode `data` (JPEG, PNG, WebP or GIF — first frame), apply the EXIF orientation, drop all
    metadata and give the ≤ 1280 px copy and the 800×400 thumbnail as JPEG.

    Raises `ImageError` for anything that is not such an image, is truncated, or has more than
    `MAX_PIXELS` pixels.
    """
    image = _decode(data)
    resized = image.copy()
    resized.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(image, THUMB_SIZE, Image.Resampling.LANCZOS)
    return ProcessedImage(
        image=_jpeg(resized), width=resized.width, height=resized.height, thumb=_jpeg(thumb)
    )


def _decode(data: bytes) -> Image.Image:
    """Decode into an upright sRGB `RGB` image without metadata; raises `ImageError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(f"too many pixels: {image.width}x{image.height}")
            image.draft("RGB", (LONG_SIDE, LONG_SIDE))  # JPEG: decode at 1/2..1/8 scale when big
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("too many pixels (decompression bomb)") from exc
    except UnidentifiedImageError as exc:
        raise ImageError("not an image (JPEG, PNG, WebP or GIF)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"broken image: {exc}"[:ERROR_MAX]) from exc
    clean = _to_srgb(_flatten(upright), image.info.get("icc_profile"))
    clean.info = {}
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency put on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert from the embedded ICC profile to sRGB so the profile need not be kept."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB") or image
    except (ImageCms.PyCMSError, OSError):
        return image  # a broken profile: keep the pixels as they are


def _jpeg(image: Image.Image) -> bytes:
    """Progressive JPEG bytes with no EXIF, XMP, ICC or comment."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


# --- the job body, URLs, deletion ---------------------------------------------------------------


def ingest_listing_photos(
    session: Session, storage: Storage, settings: Settings, listing_id: int, *, final: bool = True
) -> IngestResult:
    """Bring the stored photos of `listing_id` in line with the listing (the photo job's body).

    While the listing stands: fetch, clean and store every `pending` photo, in `position` order,
    each committed on its own — `ready` with its keys and size, or `failed` with a reason. A
    retryable failure leaves the photo `pending` (for the caller to retry) unless `final`, when it
    is marked `failed` too. Once the listing is deleted (status `deleted`, or the row gone) —
    before the job starts or while it works — nothing more is fetched and every stored object
    under `listings/<id>/` is deleted (the backend's error propagates, so the job is retried).
    Runs outside any skill request (see `chatbot.jobs`).
    """
    from chatbot.models import ListingPhoto

    photos = session.scalars(
        select(ListingPhoto)
        .where(ListingPhoto.listing_id == listing_id, ListingPhoto.status == "pending")
        .order_by(ListingPhoto.position)
    ).all()
    outcomes: Counter[str] = Counter()
    for photo in photos:
        if _listing_deleted(session, listing_id):
            break
        outcomes[_ingest_one(storage, settings, photo, final=final)] += 1
        try:
            session.commit()
        except StaleDataError:  # the listing (and its photo rows) was hard-deleted while we worked
            session.rollback()
            break
    if _listing_deleted(session, listing_id):
        delete_listing_photos(storage, listing_id)
    return IngestResult(**outcomes)


def _listing_deleted(session: Session, listing_id: int) -> bool:
    """True if listing `listing_id` is deleted (soft) or gone; read afresh from the DB."""
    from chatbot.models import Listing

    status = session.scalar(select(Listing.status).where(Listing.id == listing_id))
    return status is None or status == "deleted"


def _ingest_one(storage: Storage, settings: Settings, photo: ListingPhoto, *, final: bool) -> str:
    """Process one photo row in place; gives "ready", "failed" or "retry"."""
    try:
        processed = process_image(fetch_image(photo.source_url, settings))
        photo.image_key, photo.thumb_key = _store(storage, photo, processed)
    except ImageError as exc:
        if isinstance(exc, RetryableImageError) and not final:
            logger.info("photo %s of listing %s: will retry (%s)", photo.id, photo.listing_id, exc)
            return "retry"
        logger.info("photo %s of listing %s failed: %s", photo.id, photo.listing_id, exc)
        photo.status, photo.error = "failed", str(exc)[:ERROR_MAX]
        return "failed"
    photo.status, photo.error = "ready", None
    photo.width, photo.height = processed.width, processed.height
    return "ready"


def _store(storage: Storage, photo: ListingPhoto, processed: ProcessedImage) -> tuple[str, str]:
    """Put the copy and the thumbnail under `listings/<id>/<photo id>-<hash>[-thumb].jpg`."""
    stem = f"{listing_prefix(photo.listing_id)}{photo.id}-{hashlib.sha256(processed.image).hexdigest()[:12]}"
    keys = (f"{stem}.jpg", f"{stem}-thumb.jpg")
    try:
        storage.put(keys[0], processed.image, processed.content_type)
        storage.put(keys[1], processed.thumb, processed.content_type)
    except (OSError, BotoCoreError, ClientError) as exc:
        raise RetryableImageError(f"storage failed: {type(exc).__name__}") from exc
    return keys
