"""PoliteFetcher against a local HTTP server on 127.0.0.1 and the real Redis (DESIGN.md §6).

Every test starts its own threaded http.server on an ephemeral port; each path's behaviour is a
small function registered in `server.routes`, and the server records every request it sees so
the tests can prove that nothing was sent. Time is an injected fake clock: nothing sleeps 60 s.
"""

from __future__ import annotations

import contextlib
import email.utils
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis

from crawler import fetcher as fetcher_mod
from crawler.fetcher import (
    Blocked,
    CoolingDown,
    Disallowed,
    FetchError,
    FetchFailed,
    FetchResult,
    PoliteFetcher,
    TooSoon,
    decode_html,
    registrable_domain,
    same_host_family,
)
from tests.conftest import TEST_REDIS_URL

UA = "JunggyenaraBot/0.1 (+https://junggyenara.example/bot)"
START = 1_700_000_000.0

# Real robots.txt rules quoted in ../shared/fixtures/deals/SOURCES.md ("robots.txt for the list pages").
RULIWEB_ROBOTS = """User-agent: *
Disallow: /search
Disallow: /timeline
Disallow: /allbbs
Disallow: /member
Disallow: /*cate=
Disallow: /*view=
Disallow: /*view_cert=
Disallow: /*view_best=
Disallow: /*search_type=
Disallow: /*search_key=
Disallow: /*orderby=
Disallow: /*range=
Disallow: /*custom_list=
"""
FMKOREA_ROBOTS = """User-agent: ClaudeBot
Disallow: /
Allow: /$

User-agent: Googlebot
Allow: /

User-agent: *
Disallow: /
Allow: /$
Allow: /best
Allow: /best2
Allow: /humor
Disallow: /*listStyle=
Disallow: /*act=IS$
Disallow: /*search_keyword=
Disallow: /*module_srl=
Disallow: /_loader
"""
CLIEN_ROBOTS = """User-agent: *
Allow:/service/board/
Disallow: /service/group/
Disallow: /service/board/sold/
Disallow: /service/board/hongbo/
Disallow: /service/mypage/
Disallow: /service/search/
Disallow: /service/search*
Disallow: /*?*
"""


# --------------------------------------------------------------------------------------------
# Local server
# --------------------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes] | None]


def reply(status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None) -> Route:
    """A route that always answers `status` with `body` (str is sent as UTF-8) and `headers`."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    hdrs = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(data))}
    hdrs.update(headers or {})
    return lambda _req: (status, hdrs, data)


class LocalServer:
    """Threaded HTTP/1.0 server on 127.0.0.1:<ephemeral>; unknown paths answer 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # lets hanging handlers go at teardown
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer._lock:
                    outer.seen.append((self.path, dict(self.headers.items())))
                route = outer.routes.get(self.path) or outer.routes.get(self.path.split("?")[0])
                answer = route(self) if route else (404, {"Content-Length": "9"}, b"not found")
                if answer is None:  # the route wrote its own response
                    return
                status, headers, body = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may hang up early (oversize body): expected.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.seen if p == path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for p, h in self.seen if p == path]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeClock:
    """Injected clock: epoch seconds that only move when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def server():
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _no_retry_backoff(monkeypatch):
    # Keep urllib3's retries but skip the 1 s / 2 s back-off sleeps between them.
    monkeypatch.setattr(fetcher_mod, "RETRY_BACKOFF_FACTOR", 0.0)


@pytest.fixture
def make_fetcher(redis_client, clock):
    made: list[PoliteFetcher] = []

    def make(**kwargs) -> PoliteFetcher:
        options = {
            "user_agent": UA,
            "min_interval": 60,
            "jitter": 0,
            "connect_timeout": 1,
            "read_timeout": 2,
            "clock": clock,
        }
        options.update(kwargs)
        client = options.pop("redis", redis_client)
        fetcher = PoliteFetcher(client, **options)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


# --------------------------------------------------------------------------------------------
# Plain fetches, headers, conditional GET
# --------------------------------------------------------------------------------------------


def test_200_returns_body_and_sends_honest_headers(server, make_fetcher, clock):
    server.routes["/list"] = reply(200, "<html><body>오늘의 핫딜</body></html>")
    result = make_fetcher().fetch("ppomppu", server.url("/list"))

    assert isinstance(result, FetchResult)
    assert result.status_code == 200
    assert not result.not_modified
    assert result.url == result.final_url == server.url("/list")
    assert "오늘의 핫딜" in result.text
    assert result.content == "<html><body>오늘의 핫딜</body></html>".encode()
    assert result.encoding == "utf-8"
    assert result.fetched_at == clock.now
    (headers,) = server.headers_of("/list")
    assert headers["User-Agent"] == UA
    assert headers["Accept-Language"].startswith("ko-KR")


def test_user_agent_must_carry_a_contact_url(redis_client):
    with pytest.raises(ValueError):
        PoliteFetcher(redis_client, user_agent="python-requests/2.32")


def test_304_after_etag(server, make_fetcher, clock):
    def route(req):
        if req.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Content-Type": "text/html; charset=utf-8"}, b"<p>deals</p>"

    server.routes["/list"] = route
    fetcher = make_fetcher()
    first = fetcher.fetch("ruliweb", server.url("/list"))
    assert first.status_code == 200 and first.text == "<p>deals</p>"

    clock.advance(61)
    second = fetcher.fetch("ruliweb", server.url("/list"))
    assert second.not_modified and second.status_code == 304
    assert second.content == b"" and second.text == "" and second.encoding is None
    assert server.headers_of("/list")[1]["If-None-Match"] == '"v1"'


def test_304_after_last_modified(server, make_fetcher, clock):
    stamp = "Sat, 04 Jul 2026 12:10:00 GMT"

    def route(req):
        if req.headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {"Last-Modified": stamp, "Content-Type": "text/html"}, b"<p>deals</p>"

    server.routes["/list"] = route
    fetcher = make_fetcher()
    assert fetcher.fetch("quasarzone", server.url("/list")).status_code == 200
    clock.advance(61)
    assert fetcher.fetch("quasarzone", server.url("/list")).not_modified
    first, second = server.headers_of("/list")
    assert "If-Modified-Since" not in first
    assert second["If-Modified-Since"] == stamp


def test_conditional_false_sends_no_validators(server, make_fetcher, clock):
    server.routes["/list"] = reply(200, "x", {"ETag": '"v1"'})
    fetcher = make_fetcher()
    fetcher.fetch("ruliweb", server.url("/list"))
    clock.advance(61)
    assert fetcher.fetch("ruliweb", server.url("/list"), conditional=False).status_code == 200
    assert "If-None-Match" not in server.headers_of("/list")[1]


def test_404_fails_without_cooldown(server, make_fetcher, clock):
    fetcher = make_fetcher()
    with pytest.raises(FetchFailed) as info:
        fetcher.fetch("clien", server.url("/gone"))
    assert info.value.status_code == 404
    assert "clien" in str(info.value) and "/gone" in str(info.value)
    clock.advance(61)
    with pytest.raises(FetchFailed):
        fetcher.fetch("clien", server.url("/gone"))
    assert server.count("/gone") == 2


# --------------------------------------------------------------------------------------------
# Blocks and cool-down
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected_wait"),
    [
        (403, {}, 600),
        (429, {"Retry-After": "120"}, 120),
        (430, {}, 600),
        (503, {}, 600),
    ],
)
def test_block_statuses_start_a_cooldown(
    server, make_fetcher, clock, redis_client, status, headers, expected_wait
):
    server.routes["/list"] = reply(status, "go away", headers)
    fetcher = make_fetcher()
    with pytest.raises(Blocked) as info:
        fetcher.fetch("ruliweb", server.url("/list"))
    assert info.value.status == status
    assert info.value.until == pytest.approx(clock.now + expected_wait)
    assert server.count("/list") == 1  # not retried by urllib3, even with Retry-After

    clock.advance(61)  # past the rate interval, still inside the cool-down
    with pytest.raises(CoolingDown) as cooling:
        fetcher.fetch("ruliweb", server.url("/list"))
    assert cooling.value.until == info.value.until
    # A second process sharing Redis is kept away as well.
    with pytest.raises(CoolingDown):
        make_fetcher(redis=redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)).fetch(
            "ruliweb", server.url("/list")
        )
    assert server.count("/list") == 1
    assert redis_client.exists("crawler:cooldown:ruliweb")


def test_retry_after_http_date(server, make_fetcher, clock):
    retry_at = email.utils.formatdate(time.time() + 300, usegmt=True)
    server.routes["/list"] = reply(429, "slow down", {"Retry-After": retry_at})
    with pytest.raises(Blocked) as info:
        make_fetcher().fetch("arca", server.url("/list"))
    # Measured against the response's Date header, so the fake clock does not matter.
    assert info.value.until - clock.now == pytest.approx(300, abs=2)


def test_cooldown_expires_escalates_and_resets(server, make_fetcher, clock):
    server.routes["/list"] = reply(403, "no")
    fetcher = make_fetcher()
    url = server.url("/list")

    with pytest.raises(Blocked) as first:
        fetcher.fetch("ppomppu", url)
    assert first.value.until == clock.now + 600

    clock.advance(599)
    with pytest.raises(CoolingDown):
        fetcher.fetch("ppomppu", url)
    assert server.count("/list") == 1

    clock.advance(2)  # the cool-down has expired: the request goes out again
    with pytest.raises(Blocked) as second:
        fetcher.fetch("ppomppu", url)
    assert second.value.until == clock.now + 1200  # doubled
    assert server.count("/list") == 2

    clock.advance(1201)
    server.routes["/list"] = reply(200, "ok")
    assert fetcher.fetch("ppomppu", url).text == "ok"

    clock.advance(61)
    server.routes["/list"] = reply(403, "no")
    with pytest.raises(Blocked) as third:
        fetcher.fetch("ppomppu", url)
    assert third.value.until == clock.now + 600  # the success reset the escalation


# --------------------------------------------------------------------------------------------
# Timeouts, retries, size limit
# --------------------------------------------------------------------------------------------


def test_hanging_server_fails_within_read_timeout(server, make_fetcher):
    def hang(req):
        server.release.wait(30)  # accepted, never answered (until teardown)
        return 200, {}, b""

    server.routes["/list"] = hang
    fetcher = make_fetcher(read_timeout=1)
    started = time.monotonic()
    with pytest.raises(FetchFailed):
        fetcher.fetch("coolenjoy", server.url("/list"))
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    assert server.count("/list") == 1  # a read timeout is not retried


def test_500_is_retried_then_succeeds(server, make_fetcher):
    calls = {"n": 0}

    def flaky(req):
        calls["n"] += 1
        if calls["n"] == 1:
            return 500, {"Content-Length": "4"}, b"oops"
        return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": "2"}, b"ok"

    server.routes["/list"] = flaky
    result = make_fetcher().fetch("zod", server.url("/list"))
    assert result.text == "ok"
    assert server.count("/list") == 2


def test_persistent_500_fails_after_retries(server, make_fetcher):
    server.routes["/list"] = reply(502, "bad gateway")
    with pytest.raises(FetchFailed) as info:
        make_fetcher().fetch("zod", server.url("/list"))
    assert info.value.status_code == 502
    assert server.count("/list") == 1 + fetcher_mod.RETRY_TOTAL


@pytest.mark.parametrize("with_length", [True, False])
def test_oversize_body_fails(server, make_fetcher, with_length):
    body = b"x" * 5000
    headers = {"Content-Type": "text/html"}
    if with_length:
        headers["Content-Length"] = str(len(body))
    server.routes["/list"] = lambda req: (200, headers, body)
    with pytest.raises(FetchFailed, match="limit"):
        make_fetcher(max_body_bytes=4096).fetch("arca", server.url("/list"))


def test_default_limit_is_5_mb(server, make_fetcher):
    body = b"x" * (5 * 1024 * 1024 + 1)
    server.routes["/list"] = lambda req: (200, {"Content-Type": "text/html"}, body)
    with pytest.raises(FetchFailed, match="limit"):
        make_fetcher().fetch("arca", server.url("/list"))


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------


def test_ppomppu_cp949_page_decodes_by_meta_charset(server, make_fetcher, fixtures_dir: Path):
    raw = (fixtures_dir / "deals" / "ppomppu-list.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("euc-kr")  # what the page declares is not what it sends (SOURCES.md)
    server.routes["/zboard/zboard.php"] = lambda req: (200, {"Content-Type": "text/html"}, raw)

    result = make_fetcher().fetch("ppomppu", server.url("/zboard/zboard.php?id=ppomppu"))
    assert result.encoding == "cp949"
    assert result.content == raw
    assert "킅콥칰" in result.text  # the nickname holding b"\xb4\x91"
    assert "뽐뿌게시판" in result.text
    # `flask crawl --file` decodes a saved page the same way.
    assert decode_html(raw, None) == (result.text, "cp949")


def test_utf8_header_charset_beats_meta(server, make_fetcher):
    body = '<html><head><meta charset="euc-kr"></head><body>핫딜 ₩9,900</body></html>'.encode()
    server.routes["/list"] = lambda req: (200, {"Content-Type": "text/html; charset=UTF-8"}, body)
    result = make_fetcher().fetch("quasarzone", server.url("/list"))
    assert result.encoding == "utf-8"
    assert "핫딜 ₩9,900" in result.text


def test_decode_html_rules():
    korean = "뽐뿌 킅".encode("cp949")
    assert decode_html(korean, "text/html; charset=ks_c_5601-1987") == ("뽐뿌 킅", "cp949")
    assert decode_html(korean, 'text/html; charset="EUC-KR"') == ("뽐뿌 킅", "cp949")
    http_equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr" />' + korean
    assert decode_html(http_equiv, "text/html")[1] == "cp949"
    assert decode_html("핫딜".encode(), None) == ("핫딜", "utf-8")
    assert decode_html("핫딜".encode(), "text/html; charset=x-bogus") == ("핫딜", "utf-8")
    assert decode_html(b"\xef\xbb\xbf" + "핫딜".encode(), "text/html; charset=euc-kr") == ("핫딜", "utf-8")
    text, encoding = decode_html(b"ok \xff\xfe\xfd", "text/html; charset=utf-8")
    assert encoding == "utf-8" and "\ufffd" in text


# --------------------------------------------------------------------------------------------
# robots.txt (RFC 9309)
# --------------------------------------------------------------------------------------------


def test_robots_wildcard_rule_disallows_list_without_requesting_it(server, make_fetcher, clock):
    server.routes["/robots.txt"] = reply(200, RULIWEB_ROBOTS, {"Content-Type": "text/plain"})
    server.routes["/market/board/1020"] = reply(200, "list")
    fetcher = make_fetcher()

    with pytest.raises(Disallowed) as info:
        fetcher.fetch("ruliweb", server.url("/market/board/1020?view=thumbnail"))
    assert info.value.board == "ruliweb"
    assert server.count("/market/board/1020?view=thumbnail") == 0

    assert fetcher.fetch("ruliweb", server.url("/market/board/1020")).text == "list"
    assert server.count("/robots.txt") == 1


def test_robots_fmkorea_disallows_hotdeal(server, make_fetcher):
    server.routes["/robots.txt"] = reply(200, FMKOREA_ROBOTS, {"Content-Type": "text/plain"})
    with pytest.raises(Disallowed):
        make_fetcher().fetch("fmkorea", server.url("/hotdeal"))
    assert server.count("/hotdeal") == 0


def test_robots_clien_longest_match_allows_board(server, make_fetcher, clock):
    server.routes["/robots.txt"] = reply(200, CLIEN_ROBOTS, {"Content-Type": "text/plain"})
    server.routes["/service/board/jirum"] = reply(200, "jirum")
    fetcher = make_fetcher()
    assert fetcher.fetch("clien", server.url("/service/board/jirum")).text == "jirum"
    with pytest.raises(Disallowed):
        fetcher.fetch("clien", server.url("/service/search?q=ssd"))


def test_robots_group_for_our_product_token(server, make_fetcher):
    robots = "User-agent: *\nAllow: /\n\nUser-agent: JunggyenaraBot\nDisallow: /\n"
    server.routes["/robots.txt"] = reply(200, robots, {"Content-Type": "text/plain"})
    with pytest.raises(Disallowed):
        make_fetcher().fetch("arca", server.url("/b/hotdeal"))
    assert server.count("/b/hotdeal") == 0


def test_robots_404_allows_everything(server, make_fetcher):
    # clien answers robots.txt with 404 to bots (SOURCES.md); RFC 9309 §2.3.1.3: no restrictions.
    server.routes["/service/board/jirum"] = reply(200, "jirum")
    assert make_fetcher().fetch("clien", server.url("/service/board/jirum")).text == "jirum"
    assert server.count("/robots.txt") == 1


def test_robots_500_disallows(server, make_fetcher):
    server.routes["/robots.txt"] = reply(500, "boom")
    server.routes["/list"] = reply(200, "list")
    with pytest.raises(Disallowed, match="RFC 9309"):
        make_fetcher().fetch("coolenjoy", server.url("/list"))
    assert server.count("/list") == 0


def test_robots_fetched_once_and_cached_in_redis(server, make_fetcher, clock, redis_client):
    server.routes["/robots.txt"] = reply(
        200, "User-agent: *\nDisallow: /admin\n", {"Content-Type": "text/plain"}
    )
    server.routes["/list"] = reply(200, "list")
    make_fetcher().fetch("zod", server.url("/list"))
    clock.advance(61)
    make_fetcher().fetch("zod", server.url("/list"))  # a fresh fetcher: the cache is in Redis
    assert server.count("/robots.txt") == 1
    ttl = redis_client.ttl(f"crawler:robots:{server.base}")
    assert 6 * 3600 - 10 < ttl <= 6 * 3600


def test_crawl_delay_larger_than_interval_is_honoured(server, make_fetcher, clock):
    server.routes["/robots.txt"] = reply(
        200, "User-agent: *\nCrawl-delay: 120\n", {"Content-Type": "text/plain"}
    )
    server.routes["/list"] = reply(200, "list")
    fetcher = make_fetcher(min_interval=60)
    fetcher.fetch("dealbada", server.url("/list"))
    clock.advance(61)
    with pytest.raises(TooSoon) as info:
        fetcher.fetch("dealbada", server.url("/list"))
    assert info.value.retry_after_seconds == pytest.approx(59)
    clock.advance(60)
    fetcher.fetch("dealbada", server.url("/list"))
    assert server.count("/list") == 2


# --------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------


def redirect(location: str, status: int = 302) -> Route:
    return lambda req: (status, {"Location": location, "Content-Length": "0"}, b"")


def test_same_host_redirect_is_followed(server, make_fetcher):
    server.routes["/old"] = redirect("/new", 301)
    server.routes["/new"] = reply(200, "moved")
    result = make_fetcher().fetch("ruliweb", server.url("/old"))
    assert result.final_url == server.url("/new")
    assert result.url == server.url("/old")
    assert result.text == "moved"


def test_redirect_loop_fails(server, make_fetcher):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    with pytest.raises(FetchFailed, match="loop"):
        make_fetcher().fetch("ruliweb", server.url("/a"))
    assert server.count("/a") == 1 and server.count("/b") == 1


def test_more_than_five_redirects_fail(server, make_fetcher):
    for i in range(7):
        server.routes[f"/r{i}"] = redirect(f"/r{i + 1}")
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        make_fetcher().fetch("ruliweb", server.url("/r0"))
    assert server.count("/r6") == 0


def test_redirect_to_foreign_host_is_refused(server, make_fetcher):
    # .invalid never resolves, and the fetcher refuses before trying anyway.
    server.routes["/list"] = redirect("http://deals.example.invalid/list")
    with pytest.raises(FetchFailed, match="foreign host"):
        make_fetcher().fetch("ppomppu", server.url("/list"))


def test_redirect_target_must_pass_robots(server, make_fetcher):
    server.routes["/robots.txt"] = reply(200, RULIWEB_ROBOTS, {"Content-Type": "text/plain"})
    server.routes["/market/board/1020"] = redirect("/market/board/1020?view=thumbnail")
    with pytest.raises(Disallowed):
        make_fetcher().fetch("ruliweb", server.url("/market/board/1020"))
    assert server.count("/market/board/1020?view=thumbnail") == 0


def test_host_family_helpers():
    assert registrable_domain("m.ppomppu.co.kr") == "ppomppu.co.kr"
    assert registrable_domain("bbs.ruliweb.com") == "ruliweb.com"
    assert same_host_family("www.ppomppu.co.kr", "m.ppomppu.co.kr")
    assert same_host_family("bbs.ruliweb.com", "m.ruliweb.com")
    assert same_host_family("www.fmkorea.com", "fmkorea.com")
    assert not same_host_family("www.ppomppu.co.kr", "evil.co.kr")
    assert not same_host_family("www.clien.net", "clien.net.evil.com")
    assert not same_host_family("127.0.0.1", "127.0.0.2")
    assert not same_host_family("127.0.0.1", "localhost")


# --------------------------------------------------------------------------------------------
# Rate limit
# --------------------------------------------------------------------------------------------


def test_second_fetch_within_interval_is_too_soon(server, make_fetcher, clock, redis_client):
    server.routes["/list"] = reply(200, "list")
    fetcher = make_fetcher()
    fetcher.fetch("ruliweb", server.url("/list"))

    with pytest.raises(TooSoon) as info:
        fetcher.fetch("ruliweb", server.url("/list"))
    assert info.value.retry_after_seconds == pytest.approx(60)
    clock.advance(30)
    with pytest.raises(TooSoon) as info:
        fetcher.fetch("ruliweb", server.url("/list"))
    assert info.value.retry_after_seconds == pytest.approx(30)
    assert server.count("/list") == 1
    assert float(redis_client.get("crawler:last_request:ruliweb")) == START

    # Another board is not held back.
    fetcher.fetch("arca", server.url("/list"))
    clock.advance(31)
    fetcher.fetch("ruliweb", server.url("/list"))
    assert server.count("/list") == 3


def test_jitter_stays_within_bounds(server, make_fetcher, clock):
    server.routes["/list"] = reply(200, "list")
    fetcher = make_fetcher(min_interval=60, jitter=15)
    fetcher.fetch("ruliweb", server.url("/list"))
    with pytest.raises(TooSoon) as info:
        fetcher.fetch("ruliweb", server.url("/list"))
    assert 60 <= info.value.retry_after_seconds <= 75


def test_concurrent_fetchers_send_exactly_one_request(server, make_fetcher, redis_client):
    server.routes["/robots.txt"] = reply(200, "User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
    server.routes["/list"] = reply(200, "list")
    workers = 8
    # One fetcher and one Redis connection per thread, as separate processes would have.
    fetchers = [
        make_fetcher(redis=redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True))
        for _ in range(workers)
    ]
    barrier = threading.Barrier(workers)
    outcomes: list[object] = []
    lock = threading.Lock()

    def work(f: PoliteFetcher) -> None:
        barrier.wait()
        try:
            outcome: object = f.fetch("ppomppu", server.url("/list"))
        except FetchError as exc:
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=work, args=(f,)) for f in fetchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    assert len(outcomes) == workers
    assert sum(isinstance(o, FetchResult) for o in outcomes) == 1
    assert sum(isinstance(o, TooSoon) for o in outcomes) == workers - 1
    assert server.count("/list") == 1
