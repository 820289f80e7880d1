"""From a board's list page to the snapshot: parse -> dedupe/persist -> publish (DESIGN.md §6).

One crawler at a time: every pass holds a Redis lock with expiry, so two `flask crawl` processes
started together produce one crawl and a crashed one frees the lock by itself.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import redis

from chatbot import Runtime, metrics
from chatbot.services import deals as deal_service
from chatbot.timeutil import utcnow
from crawler.fetcher import FetchError, PoliteFetcher, TooSoon, decode_html
from crawler.sources import BoardSource

logger = logging.getLogger("junggyenara.crawler")

LOCK_KEY = "crawler:lock"
LOCK_TTL = 300  # seconds; longer than a full pass, short enough that a crash frees it soon
REQUEST_POLL = 5.0  # seconds between two looks for an admin's crawl request while the loop waits


class CrawlerBusy(RuntimeError):
    """Another crawler holds the lock; nothing was crawled."""


@dataclass(frozen=True)
class BoardOutcome:
    """What one board's crawl did: `status` is ok / not_modified / skipped / failed; `deals` counted."""

    source: str
    status: str
    deals: int = 0
    detail: str = ""


@contextmanager
def crawl_lock(cache: redis.Redis, *, ttl: int = LOCK_TTL) -> Iterator[None]:
    """Hold the crawler lock for the `with` block; raises `CrawlerBusy` if another holder has it."""
    lock = cache.lock(LOCK_KEY, timeout=ttl, blocking=False)
    if not lock.acquire():
        raise CrawlerBusy("another crawler is running")
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:  # expired meanwhile: someone else may hold it now
            logger.warning("crawler lock expired before release")


def ingest(
    rt: Runtime,
    source: BoardSource,
    page: bytes | str,
    *,
    origin: str,
    base_url: str | None = None,
    started_at: datetime | None = None,
) -> BoardOutcome:
    """Parse one list page of `source`, persist it as the board's latest crawl and republish.

    `page` is the raw bytes (decoded as a live fetch would be) or already-decoded text.
    Returns the outcome; raises SQLAlchemy/Redis errors on storage failure.
    """
    if isinstance(page, bytes):
        page, _encoding = decode_html(page, None)
    scraped = source.parse(page, base_url or source.list_url)
    with rt.sessions() as session:
        crawl = deal_service.record_crawl(
            session, source.name, source.display_name, scraped, origin=origin, started_at=started_at
        )
        deal_service.refresh_snapshot(session, rt.redis, rt.settings.snapshot_ttl)
    logger.info("crawl source=%s origin=%s deals=%d", source.name, origin, crawl.deals_count)
    return BoardOutcome(source.name, "ok", crawl.deals_count)


def crawl_board(rt: Runtime, fetcher: PoliteFetcher, source: BoardSource) -> BoardOutcome:
    """Fetch `source`'s list page politely and ingest it; never raises for network trouble."""
    started = utcnow()
    try:
        result = fetcher.fetch(source.name, source.list_url)
    except TooSoon as exc:
        return BoardOutcome(source.name, "skipped", detail=str(exc))
    except FetchError as exc:
        logger.warning("crawl source=%s failed: %s", source.name, exc)
        with rt.sessions() as session:
            deal_service.record_failed_crawl(session, source.name, source.display_name, "failed", str(exc))
        return BoardOutcome(source.name, "failed", detail=str(exc))
    if result.not_modified:
        with rt.sessions() as session:
            deal_service.record_failed_crawl(session, source.name, source.display_name, "not_modified", "")
        return BoardOutcome(source.name, "not_modified")
    return ingest(rt, source, result.text, origin="live", base_url=result.final_url, started_at=started)


def crawl_once(
    rt: Runtime,
    fetcher: PoliteFetcher,
    sources: Iterable[BoardSource],
    progress: Callable[[BoardOutcome], None] | None = None,
) -> list[BoardOutcome]:
    """One pass over `sources` under the crawler lock; raises `CrawlerBusy` if another pass runs."""
    outcomes = []
    with crawl_lock(rt.redis):
        for source in sources:
            started = time.perf_counter()
            try:
                outcome = crawl_board(rt, fetcher, source)
            except Exception:  # storage trouble: counted, then it ends the pass as before
                metrics.observe_crawl(source.name, "error", time.perf_counter() - started)
                raise
            metrics.observe_crawl(source.name, outcome.status, time.perf_counter() - started, outcome.deals)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes


def crawl_forever(
    rt: Runtime,
    fetcher: PoliteFetcher,
    sources: list[BoardSource],
    *,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Crawl every `sources` board again and again, one pass per `crawler_min_interval` (+ jitter),
    or sooner when an admin asks for one (`deal_service.request_crawl`, polled every few seconds)."""
    settings = rt.settings
    metrics.start_exporter(settings.metrics_port)  # this process has no web routes of its own
    while not stop():
        try:
            deal_service.take_crawl_request(rt.redis)  # this pass answers any request made before it
            crawl_once(rt, fetcher, sources)
        except CrawlerBusy:
            logger.info("another crawler is running; waiting")
        except Exception:  # a bad pass must not end the loop; the next one may succeed
            logger.exception("crawl pass failed")
        pause = settings.crawler_min_interval + random.uniform(0, settings.crawler_jitter)
        while pause > 0 and not stop() and not _crawl_requested(rt.redis):
            sleep(min(REQUEST_POLL, pause))
            pause -= REQUEST_POLL


def _crawl_requested(cache: redis.Redis) -> bool:
    """Whether an admin asked for a pass; a Redis failure counts as no (the loop keeps waiting)."""
    try:
        return bool(cache.exists(deal_service.CRAWL_REQUEST_KEY))
    except redis.RedisError:
        return False
