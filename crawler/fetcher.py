"""The polite fetcher: the only way the crawler touches the network (DESIGN.md §6).

`PoliteFetcher.fetch(board, url)` sends at most one GET per board per interval and only when

* the board is not cooling down after a 403/429/430/503,
* the host's robots.txt allows the URL for our product token (RFC 9309, parsed by protego with
  wildcards and longest match), and
* the per-board slot in Redis could be reserved atomically (two processes share it).

It sends an honest User-Agent with a contact URL, `Accept-Language: ko-KR`, and conditional-GET
validators (RFC 9110 §13.1); it follows at most 5 redirects within the board's host family and
reads at most `max_body_bytes`. Bodies are decoded by `decode_html` (header charset, else
`<meta>` charset, else UTF-8; EUC-KR is read as CP949 because ppomppu sends CP949 bytes, see
../shared/fixtures/deals/SOURCES.md).

Redis keys (all under `crawler:`):

* `crawler:robots:{scheme://host[:port]}` – JSON verdict for that origin's robots.txt (6 h; 10 min
  after a failure).
* `crawler:rate:{board}` – reservation; value = epoch seconds when the next request may go out.
* `crawler:last_request:{board}` – epoch seconds of the last request sent for the board.
* `crawler:cooldown:{board}` – epoch seconds until which the board is left alone.
* `crawler:cooldown_strikes:{board}` – consecutive blocks, for the escalating default cool-down.
* `crawler:validators:{url}` – hash with `etag` / `last_modified` of the last 200 for that URL.

Times stored in Redis come from the injected `clock`; Redis TTLs only garbage-collect keys, the
decisions compare stored values with `clock()`, so tests can move time without sleeping.
"""

from __future__ import annotations

import codecs
import email.utils
import ipaddress
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import redis
import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

__all__ = [
    "Blocked",
    "CoolingDown",
    "Disallowed",
    "FetchError",
    "FetchFailed",
    "FetchResult",
    "PoliteFetcher",
    "TooSoon",
    "decode_html",
    "registrable_domain",
    "same_host_family",
]

KEY_PREFIX = "crawler:"

# Statuses that mean "you are unwelcome right now": never retried, they start a cool-down.
# 430 is the non-standard code ruliweb / Cloudflare answer to crawlers.
BLOCK_STATUSES = frozenset({403, 429, 430, 503})
# Transient server errors retried by urllib3 (GET only) before we give up.
RETRY_STATUSES = frozenset({500, 502, 504})
RETRY_TOTAL = 3
RETRY_BACKOFF_FACTOR = 0.5  # urllib3 2.x: 0 s, 1 s, 2 s between the attempts
RETRY_AFTER_MAX = 30  # cap on a Retry-After sleep inside a 500/502/504 retry, seconds

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024

ROBOTS_TTL = 6 * 3600  # seconds a fetched robots.txt verdict is reused
ROBOTS_FAILURE_TTL = 10 * 60  # seconds a "could not fetch robots.txt" verdict is reused
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least the first 500 KiB

COOLDOWN_BASE = 10 * 60  # first default cool-down, seconds; doubles per consecutive block
COOLDOWN_MAX = 6 * 3600  # ceiling of the escalating default, seconds
RETRY_AFTER_CEILING = 24 * 3600  # a larger Retry-After is clamped (a bogus header must not block forever)
STRIKES_TTL = 7 * 24 * 3600  # forget old blocks after a quiet week
LAST_REQUEST_TTL = 7 * 24 * 3600
VALIDATORS_TTL = 7 * 24 * 3600

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "ko-KR,ko;q=0.9"

_BOARD_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CONTACT_RE = re.compile(r"https?://\S+")
_PRODUCT_TOKEN_RE = re.compile(r"^[A-Za-z_-]+")
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.IGNORECASE)
# Matches both <meta charset="x"> and <meta http-equiv=... content="text/html; charset=x">.
_META_CHARSET_RE = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_META_SNIFF_BYTES = 16 * 1024  # ppomppu's meta sits after ~1 KiB of <link> tags

# Second-level labels under which ccTLDs register names (ppomppu.co.kr, foo.or.kr, bar.co.jp).
# A small stand-in for the Public Suffix List, enough for the boards in SOURCES.md.
_SECOND_LEVEL_SUFFIX_LABELS = frozenset(
    {"co", "com", "ne", "net", "or", "org", "go", "gov", "ac", "edu", "re", "pe", "mil", "ltd", "plc"}
)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class FetchError(Exception):
    """Base of every error `PoliteFetcher.fetch` raises; carries `board` and `url` (str)."""

    def __init__(self, message: str, *, board: str, url: str) -> None:
        super().__init__(message)
        self.board = board
        self.url = url


class Disallowed(FetchError):
    """Raised when robots.txt forbids the URL for our product token, or robots.txt could not be
    fetched (5xx, 429, network error: RFC 9309 §2.3.1.4 says assume complete disallow).
    No request is sent to the URL. `reason` (str) says which."""

    def __init__(self, reason: str, *, board: str, url: str) -> None:
        super().__init__(f"[{board}] {url} not fetched: {reason}", board=board, url=url)
        self.reason = reason


class TooSoon(FetchError):
    """Raised when the board's last request was less than its interval ago (min_interval, or a
    larger robots.txt Crawl-delay, plus jitter), or another fetcher holds the slot right now.
    Nothing is sent. `retry_after_seconds` (float, seconds) says how long to wait."""

    def __init__(self, retry_after_seconds: float, *, board: str, url: str) -> None:
        self.retry_after_seconds = max(0.0, float(retry_after_seconds))
        super().__init__(
            f"[{board}] too soon to fetch {url}: next request allowed in {self.retry_after_seconds:.1f} s",
            board=board,
            url=url,
        )


class CoolingDown(FetchError):
    """Raised while the board is cooling down after a block (see `Blocked`); nothing is sent.
    `until` is epoch seconds (from the fetcher's clock)."""

    def __init__(self, until: float, *, board: str, url: str) -> None:
        self.until = float(until)
        super().__init__(
            f"[{board}] cooling down until {self.until:.0f} (epoch s); not fetching {url}",
            board=board,
            url=url,
        )


class Blocked(FetchError):
    """Raised when the site answered 403, 429, 430 or 503. A cool-down until `until` (epoch
    seconds) has been recorded: `Retry-After` when given (RFC 9110 §10.2.3), else 10 min doubling
    per consecutive block up to 6 h. `status` is the HTTP status (int)."""

    def __init__(self, status: int, until: float, *, board: str, url: str) -> None:
        self.status = int(status)
        self.until = float(until)
        super().__init__(
            f"[{board}] {url} answered HTTP {self.status}; cooling down until {self.until:.0f} (epoch s)",
            board=board,
            url=url,
        )


class FetchFailed(FetchError):
    """Raised on network errors and timeouts (after urllib3's retries), unexpected statuses (404,
    500 after retries, ...), redirect loops, more than 5 redirects, a redirect off the board's host
    family, and bodies larger than `max_body_bytes`. `status_code` is the HTTP status or None."""

    def __init__(self, reason: str, *, board: str, url: str, status_code: int | None = None) -> None:
        super().__init__(f"[{board}] fetching {url} failed: {reason}", board=board, url=url)
        self.reason = reason
        self.status_code = status_code


# --------------------------------------------------------------------------------------------
# Result and pure helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    """One successful fetch.

    `url` is what was asked for, `final_url` where the body came from after redirects.
    `not_modified` is True for a 304 (RFC 9110 §15.4.5): then `content` is b"", `text` is "" and
    `encoding` is None. Otherwise `content` is the raw body (bytes, at most `max_body_bytes`),
    `text` the decoded body and `encoding` the Python codec used (e.g. "cp949", "utf-8").
    `fetched_at` is epoch seconds from the fetcher's clock.
    """

    url: str
    final_url: str
    status_code: int
    not_modified: bool
    content: bytes
    text: str
    encoding: str | None
    fetched_at: float


def _normalize_charset(label: str | bytes | None, *, from_meta: bool = False) -> str | None:
    """Map a declared charset label to a Python codec name, or None when unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name == "euc_kr":
        # Korean sites declare euc-kr / ks_c_5601-1987 but send CP949 (its superset), e.g. ppomppu's
        # b"\xb4\x91" (킅) which strict EUC-KR rejects (SOURCES.md, ppomppu).
        return "cp949"
    if name in ("iso8859-1", "ascii"):
        return "cp1252"  # WHATWG Encoding: these labels mean windows-1252
    if from_meta and name.startswith("utf-16"):
        return "utf-8"  # WHATWG: a <meta> can't truthfully declare UTF-16 in an ASCII-compatible prescan
    return name


def decode_html(content: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML body exactly as a live fetch does; used by `flask crawl --file` too.

    Takes the raw body (bytes) and the Content-Type header value (str or None). Gives
    `(text, encoding)` where encoding is the Python codec name used. Order: a byte-order mark,
    else the `charset=` of Content-Type, else a `<meta charset>` / `<meta http-equiv content=
    "...charset=...">` in the first 16 KiB, else UTF-8. euc-kr / ks_c_5601-1987 are read as
    cp949 (ppomppu, SOURCES.md). Undecodable bytes become U+FFFD; never raises.
    """
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", "replace"), "utf-16"

    encoding = None
    if content_type:
        match = _HEADER_CHARSET_RE.search(content_type)
        if match:
            encoding = _normalize_charset(match.group(1))
    if encoding is None:
        meta = _META_CHARSET_RE.search(content[:_META_SNIFF_BYTES])
        if meta:
            encoding = _normalize_charset(meta.group(1), from_meta=True)
    if encoding is None:
        encoding = "utf-8"
    return content.decode(encoding, "replace"), encoding


def registrable_domain(host: str) -> str:
    """The registrable domain ("eTLD+1") of a host name, lowercased, e.g.
    "m.ppomppu.co.kr" -> "ppomppu.co.kr", "bbs.ruliweb.com" -> "ruliweb.com".

    An IP literal or a single-label host ("localhost") is its own family. Uses a small built-in
    list of second-level suffixes (co.kr, or.kr, ...) instead of the full Public Suffix List.
    """
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL_SUFFIX_LABELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_host_family(host_a: str, host_b: str) -> bool:
    """True when two host names (str) share a registrable domain (www.x -> m.x), see
    `registrable_domain`. Used to refuse redirects off the board's site."""
    return registrable_domain(host_a) == registrable_domain(host_b)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _parse_retry_after(value: str | None, date_header: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (RFC 9110 §10.2.3: delay-seconds or HTTP-date).

    An HTTP-date is measured against the response's own Date header when present, so a skewed
    local clock (or an injected test clock) does not shorten or stretch the wait.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        retry_at = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    reference = now
    if date_header:
        try:
            reference = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            reference = now
    return max(0.0, retry_at - reference)


class _PoliteRetry(Retry):
    """urllib3 Retry that never retries a status just because it carries Retry-After.

    Stock urllib3 retries 413/429/503 whenever Retry-After is present; for us 429/503 must
    start a cool-down instead (DESIGN.md §6), so only `status_forcelist` (500/502/504) retries.
    """

    RETRY_AFTER_STATUS_CODES = frozenset()


def _build_session() -> requests.Session:
    session = requests.Session()
    # No proxies or .netrc credentials from the environment: the crawler talks to boards directly.
    session.trust_env = False
    retry = _PoliteRetry(
        total=RETRY_TOTAL,
        connect=RETRY_TOTAL,
        # A read timeout means the server is struggling; retrying it would only add load and
        # stretch the wait past read_timeout.
        read=0,
        status=RETRY_TOTAL,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=RETRY_BACKOFF_FACTOR,
        respect_retry_after_header=True,
        retry_after_max=RETRY_AFTER_MAX,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# --------------------------------------------------------------------------------------------
# The fetcher
# --------------------------------------------------------------------------------------------


class PoliteFetcher:
    """Fetches board list pages politely; see the module docstring for the rules and Redis keys.

    Takes `redis_client` (redis.Redis with decode_responses=True), `user_agent` (must name the
    bot and contain a contact http(s) URL, e.g. "JunggyenaraBot/1.0 (+https://example.org/bot)"),
    `min_interval` and `jitter` (seconds: the next request for a board waits min_interval — or a
    larger robots.txt Crawl-delay — plus uniform 0..jitter), `connect_timeout` / `read_timeout`
    (seconds), `clock` (returns epoch seconds), `session` (a requests.Session used as is; by
    default a new one with urllib3 retries on connection errors and 500/502/504) and
    `max_body_bytes`. Raises ValueError on a user agent without a contact URL.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        user_agent: str,
        min_interval: float = 60,
        jitter: float = 15,
        connect_timeout: float = 3,
        read_timeout: float = 10,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if not user_agent or not _CONTACT_RE.search(user_agent):
            raise ValueError("user_agent must identify the bot and include a contact http(s) URL")
        if min_interval < 0 or jitter < 0:
            raise ValueError("min_interval and jitter must be >= 0 seconds")
        self._redis = redis_client
        self.user_agent = user_agent
        match = _PRODUCT_TOKEN_RE.match(user_agent)
        # RFC 9309 §2.2.1: robots.txt groups are matched against the product token only.
        self.robots_token = match.group(0) if match else user_agent
        self.min_interval = float(min_interval)
        self.jitter = float(jitter)
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.max_body_bytes = int(max_body_bytes)
        self._clock = clock
        self._session = session if session is not None else _build_session()

    def close(self) -> None:
        """Close the underlying requests.Session (its pooled connections)."""
        self._session.close()

    # ---- public API ---------------------------------------------------------------------

    def fetch(self, board: str, url: str, *, conditional: bool = True) -> FetchResult:
        """GET one list page of `board` (lowercase ASCII source name) at `url` (http/https).

        Order of checks, each raising before anything is sent: cool-down (`CoolingDown`),
        robots.txt (`Disallowed`; RFC 9309), the per-board slot (`TooSoon`). Then one GET with
        `If-None-Match` / `If-Modified-Since` from the last 200 of that URL unless
        `conditional=False` (RFC 9110 §13.1), following at most 5 redirects inside the board's
        host family. Gives a `FetchResult` (a 304 gives `not_modified=True`, empty body). Raises
        `Blocked` on 403/429/430/503 and `FetchFailed` on everything else that is not 2xx/304.
        Raises ValueError on a malformed board name or URL.
        """
        if not _BOARD_RE.match(board):
            raise ValueError(f"board must be a lowercase ASCII source name, got {board!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be an absolute http(s) URL, got {url!r}")

        now = self._clock()
        until = self._cooldown_until(board)
        if until is not None and now < until:
            raise CoolingDown(until, board=board, url=url)

        rules = self._check_robots(board, url)
        self._reserve_slot(board, url, self._interval_for(rules))

        response, final_url = self._get_following_redirects(board, url, conditional=conditional)
        fetched_at = self._clock()
        try:
            status = response.status_code
            if status == 304:
                self._record_success(board)
                return FetchResult(url, final_url, status, True, b"", "", None, fetched_at)
            if status in BLOCK_STATUSES:
                until = self._start_cooldown(board, response)
                raise Blocked(status, until, board=board, url=url)
            if not 200 <= status < 300:
                raise FetchFailed(
                    f"unexpected HTTP status {status}", board=board, url=url, status_code=status
                )
            content = self._read_body(board, url, response)
        finally:
            response.close()

        self._remember_validators(final_url, response)
        self._record_success(board)
        text, encoding = decode_html(content, response.headers.get("Content-Type"))
        return FetchResult(url, final_url, status, False, content, text, encoding, fetched_at)

    # ---- HTTP ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent, "Accept-Language": ACCEPT_LANGUAGE, "Accept": ACCEPT}

    def _get_following_redirects(
        self, board: str, url: str, *, conditional: bool, robots_fetch: bool = False
    ) -> tuple[requests.Response, str]:
        """GET `url`, following up to MAX_REDIRECTS ourselves; gives (open streamed response, final URL).

        Page redirects must stay in the board's host family and pass robots.txt; robots.txt
        redirects may leave the authority (RFC 9309 §2.3.1.2) but stay http(s).
        """
        start_host = urlsplit(url).hostname or ""
        seen = {_strip_fragment(url)}
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            headers = self._headers()
            if conditional and not robots_fetch:
                headers.update(self._validators(current))
            try:
                response = self._session.get(
                    current, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
                )
            except requests.RequestException as exc:
                raise FetchFailed(f"{type(exc).__name__}: {exc}", board=board, url=url) from exc
            if response.status_code not in REDIRECT_STATUSES:
                return response, current
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise FetchFailed(
                    f"HTTP {response.status_code} without Location",
                    board=board,
                    url=url,
                    status_code=response.status_code,
                )
            if hop == MAX_REDIRECTS:
                raise FetchFailed(
                    f"more than {MAX_REDIRECTS} redirects",
                    board=board,
                    url=url,
                    status_code=response.status_code,
                )
            target = urljoin(current, location)
            target_parts = urlsplit(target)
            if target_parts.scheme not in ("http", "https") or not target_parts.hostname:
                raise FetchFailed(f"refused redirect to {target!r}", board=board, url=url)
            if not robots_fetch and not same_host_family(start_host, target_parts.hostname):
                raise FetchFailed(
                    f"refused redirect to foreign host {target_parts.hostname!r}",
                    board=board,
                    url=url,
                    status_code=response.status_code,
                )
            key = _strip_fragment(target)
            if key in seen:
                raise FetchFailed(
                    f"redirect loop at {target}", board=board, url=url, status_code=response.status_code
                )
            seen.add(key)
            if not robots_fetch:
                self._check_robots(board, target)
            current = target
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_body(self, board: str, url: str, response: requests.Response) -> bytes:
        """Read the streamed body, refusing more than max_body_bytes (after decompression)."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise FetchFailed(
                f"body of {declared} bytes exceeds the {self.max_body_bytes}-byte limit",
                board=board,
                url=url,
                status_code=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise FetchFailed(
                        f"body exceeds the {self.max_body_bytes}-byte limit",
                        board=board,
                        url=url,
                        status_code=response.status_code,
                    )
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise FetchFailed(
                f"reading body: {type(exc).__name__}: {exc}",
                board=board,
                url=url,
                status_code=response.status_code,
            ) from exc
        return b"".join(chunks)

    # ---- robots.txt (RFC 9309) ---------------------------------------------------------

    def _check_robots(self, board: str, url: str) -> Protego | None:
        """Raise Disallowed unless robots.txt lets our token fetch `url`; give the parsed rules
        (None when the file was absent, i.e. everything is allowed)."""
        verdict = self._robots_verdict(board, url)
        if verdict["kind"] == "allow_all":
            return None
        if verdict["kind"] == "disallow_all":
            raise Disallowed(
                f"robots.txt of {_origin(url)} unavailable ({verdict['detail']}); "
                "assuming complete disallow (RFC 9309 §2.3.1.4)",
                board=board,
                url=url,
            )
        rules = Protego.parse(verdict["body"])
        if not rules.can_fetch(url, self.robots_token):
            raise Disallowed(
                f"robots.txt of {_origin(url)} disallows it for {self.robots_token}", board=board, url=url
            )
        return rules

    def _robots_verdict(self, board: str, url: str) -> dict[str, Any]:
        origin = _origin(url)
        key = f"{KEY_PREFIX}robots:{origin}"
        cached = self._redis.get(key)
        if cached:
            try:
                return json.loads(cached)
            except ValueError:
                pass  # corrupt entry: fetch again
        verdict = self._download_robots(board, origin)
        ttl = ROBOTS_FAILURE_TTL if verdict["kind"] == "disallow_all" else ROBOTS_TTL
        self._redis.set(key, json.dumps(verdict, ensure_ascii=False), ex=ttl)
        return verdict

    def _download_robots(self, board: str, origin: str) -> dict[str, Any]:
        robots_url = f"{origin}/robots.txt"
        try:
            response, _ = self._get_following_redirects(
                board, robots_url, conditional=False, robots_fetch=True
            )
        except FetchFailed as exc:
            return {"kind": "disallow_all", "detail": exc.reason}
        try:
            status = response.status_code
            if 200 <= status < 300:
                body = bytearray()
                try:
                    for chunk in response.iter_content(chunk_size=64 * 1024):
                        body += chunk
                        if len(body) >= ROBOTS_MAX_BYTES:
                            break  # RFC 9309 §2.5: rules past the limit may be ignored
                except requests.RequestException as exc:
                    return {"kind": "disallow_all", "detail": f"reading robots.txt: {exc}"}
                text = bytes(body[:ROBOTS_MAX_BYTES]).decode("utf-8", "replace")
                return {"kind": "rules", "body": text, "detail": f"HTTP {status}"}
            if 400 <= status < 500 and status != 429:
                # RFC 9309 §2.3.1.3 "unavailable": crawl as if there were no robots.txt (clien
                # answers 404 to bot user agents, SOURCES.md). 429 is a request to slow down, so it
                # is treated like a server error below.
                return {"kind": "allow_all", "detail": f"HTTP {status}"}
            return {"kind": "disallow_all", "detail": f"HTTP {status}"}
        finally:
            response.close()

    def _interval_for(self, rules: Protego | None) -> float:
        """Seconds between two requests of a board: min_interval or a larger Crawl-delay / Request-rate."""
        interval = self.min_interval
        if rules is not None:
            delay = rules.crawl_delay(self.robots_token)
            if delay:
                interval = max(interval, float(delay))
            rate = rules.request_rate(self.robots_token)
            if rate and rate.requests:
                interval = max(interval, rate.seconds / rate.requests)
        return interval

    # ---- rate limit --------------------------------------------------------------------

    def _reserve_slot(self, board: str, url: str, interval: float) -> None:
        """Atomically claim the board's next request or raise TooSoon.

        SET NX PX takes a free slot in one step; when the key still exists but the clock says its
        time has passed (clock skew, injected test clock), WATCH/MULTI swaps it so that of two
        racing fetchers exactly one wins.
        """
        key = f"{KEY_PREFIX}rate:{board}"
        now = self._clock()
        next_allowed = now + interval + (random.uniform(0, self.jitter) if self.jitter else 0.0)
        ttl_ms = max(1, int((next_allowed - now) * 1000))
        value = repr(next_allowed)
        if not self._redis.set(key, value, nx=True, px=ttl_ms):
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    current = pipe.get(key)
                    if current is not None and now < float(current):
                        raise TooSoon(float(current) - now, board=board, url=url)
                    pipe.multi()
                    pipe.set(key, value, px=ttl_ms)
                    pipe.execute()
                except redis.WatchError:
                    current = self._redis.get(key)
                    wait = float(current) - now if current is not None else interval
                    raise TooSoon(wait, board=board, url=url) from None
        self._redis.set(f"{KEY_PREFIX}last_request:{board}", repr(now), ex=LAST_REQUEST_TTL)

    # ---- cool-down ---------------------------------------------------------------------

    def _cooldown_until(self, board: str) -> float | None:
        value = self._redis.get(f"{KEY_PREFIX}cooldown:{board}")
        return float(value) if value is not None else None

    def _start_cooldown(self, board: str, response: requests.Response) -> float:
        """Record and give the epoch second until which `board` is left alone after a block."""
        now = self._clock()
        strikes = int(self._redis.incr(f"{KEY_PREFIX}cooldown_strikes:{board}"))
        self._redis.expire(f"{KEY_PREFIX}cooldown_strikes:{board}", STRIKES_TTL)
        wait = _parse_retry_after(response.headers.get("Retry-After"), response.headers.get("Date"), now)
        if wait is None:
            wait = min(COOLDOWN_MAX, COOLDOWN_BASE * 2 ** min(strikes - 1, 16))
        wait = min(wait, RETRY_AFTER_CEILING)
        until = now + wait
        self._redis.set(f"{KEY_PREFIX}cooldown:{board}", repr(until), px=max(1, int(wait * 1000)))
        return until

    def _record_success(self, board: str) -> None:
        # A 2xx/304 ends the escalation: the next block starts again at COOLDOWN_BASE.
        self._redis.delete(f"{KEY_PREFIX}cooldown_strikes:{board}", f"{KEY_PREFIX}cooldown:{board}")

    # ---- conditional GET (RFC 9110 §13.1) ----------------------------------------------

    def _validators(self, url: str) -> dict[str, str]:
        stored = self._redis.hgetall(f"{KEY_PREFIX}validators:{url}")
        headers: dict[str, str] = {}
        if stored.get("etag"):
            headers["If-None-Match"] = str(stored["etag"])  # str already: the client decodes
        if stored.get("last_modified"):
            headers["If-Modified-Since"] = str(stored["last_modified"])
        return headers

    def _remember_validators(self, url: str, response: requests.Response) -> None:
        key = f"{KEY_PREFIX}validators:{url}"
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        with self._redis.pipeline() as pipe:
            pipe.delete(key)
            items: list[str] = []  # field, value, field, value
            if etag:
                items += ["etag", etag]
            if last_modified:
                items += ["last_modified", last_modified]
            if items:
                pipe.hset(key, items=items)
                pipe.expire(key, VALIDATORS_TTL)
            pipe.execute()
