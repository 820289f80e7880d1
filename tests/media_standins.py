"""Stand-ins for the photo pipeline's outside world, imported by test_images.py and test_storage.py.

- `image_host`: Kakao's image CDN as a local https server (`http.server` + a `trustme` CA) serving
  real and hostile files; reachable as `localhost` and as `127.0.0.1` (two "hosts").
- `s3_endpoint`: moto's S3 in server mode on 127.0.0.1, with dummy credentials in the environment.
"""

from __future__ import annotations

import io
import os
import ssl
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAX_BYTES = 200_000  # IMAGE_MAX_BYTES in these tests


def jpeg_with_gps(size: tuple[int, int] = (600, 300), orientation: int = 6) -> bytes:
    """A JPEG whose EXIF holds a GPS position (Seoul City Hall) and an orientation tag."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows rotation
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 41.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_with_alpha() -> bytes:
    """A 300×300 RGBA PNG, half transparent."""
    image = Image.new("RGBA", (300, 300), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 150, 300))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG claiming `width`×`height` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


@dataclass
class ImageHost:
    """The running image host: `url(path)` on `localhost`, `other_url(path)` on `127.0.0.1`."""

    port: int
    ca_bundle: str

    def url(self, path: str, scheme: str = "https") -> str:
        return f"{scheme}://localhost:{self.port}{path}"

    def other_url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"


def _routes(port: int) -> dict[str, tuple[int, dict[str, str], bytes]]:
    jpeg = jpeg_with_gps()
    other = f"https://127.0.0.1:{port}/gps.jpg"
    return {
        "/gps.jpg": (200, {"Content-Type": "image/jpeg"}, jpeg),
        "/photo.png": (200, {"Content-Type": "application/octet-stream"}, png_with_alpha()),
        "/too-large.jpg": (200, {"Content-Type": "image/jpeg"}, jpeg + b"\0" * MAX_BYTES),
        "/page.html": (200, {"Content-Type": "image/jpeg"}, b"<!doctype html><title>hi</title>" * 20),
        "/truncated.jpg": (200, {"Content-Type": "image/jpeg"}, jpeg[: len(jpeg) // 2]),
        "/bomb.png": (200, {"Content-Type": "image/png"}, png_bomb()),
        "/redirect-same": (302, {"Location": "/gps.jpg"}, b""),
        "/redirect-other": (302, {"Location": other}, b""),
        "/redirect-http": (302, {"Location": f"http://localhost:{port}/gps.jpg"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/unavailable": (503, {}, b"busy"),
        "/expired": (403, {}, b"expired"),
    }


def _handler(routes: dict[str, tuple[int, dict[str, str], bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/slow.jpg":
                time.sleep(1.5)
                path = "/gps.jpg"
            if path == "/no-length.jpg":  # a body whose size only shows while reading
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"\xff" * (MAX_BYTES + 1))
                return
            status, headers, body = routes.get(path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def image_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageHost]:
    """Kakao's CDN stand-in over https with a throwaway CA (pass `ca_bundle` to the downloader)."""
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.RequestHandlerClass = _handler(_routes(port))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ImageHost(port=port, ca_bundle=str(bundle))
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 in server mode; dummy credentials set in the environment for boto3."""
    from moto.server import ThreadedMotoServer

    saved = {
        k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the moto server."""
    import boto3

    name = f"photos-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def s3_keys(endpoint: str, bucket: str, prefix: str = "") -> dict[str, dict]:
    """Every object under `prefix`: key -> head_object response."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: client.head_object(Bucket=bucket, Key=item["Key"]) for item in listed}
