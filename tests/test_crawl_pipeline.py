"""The crawler against a local stand-in of a deal board: lock, politeness, and the skill meanwhile."""

from __future__ import annotations

import dataclasses
import http.server
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from chatbot.models import Crawl
from crawler.fetcher import PoliteFetcher
from crawler.pipeline import CrawlerBusy, crawl_board, crawl_once
from crawler.sources import SOURCES
from tests.conftest import FIXTURES_DIR, texts_of

PAGE = (FIXTURES_DIR / "deals" / "zod-deal-list.html").read_bytes()


class Board(http.server.ThreadingHTTPServer):
    """A deal board on 127.0.0.1: `/robots.txt` allows all, `/deal` serves the saved zod page.

    `delay` seconds pass before `/deal` answers; `hang` makes it never answer; `status` overrides 200.
    """

    daemon_threads = True

    def __init__(self) -> None:
        self.delay = 0.0
        self.hang = threading.Event()
        self.release = threading.Event()
        self.status = 200
        self.hits: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Board

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
            self._send(200, body, "text/plain")
            return
        if self.server.hang.is_set():
            self.server.release.wait(30)
            return
        time.sleep(self.server.delay)
        self._send(self.server.status, PAGE, "text/html; charset=utf-8")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def board() -> Iterator[Board]:
    server = Board()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def zod(board):
    return dataclasses.replace(SOURCES["zod"], list_url=f"{board.url}/deal")


def fetcher(rt, **kwargs) -> PoliteFetcher:
    return PoliteFetcher(
        rt.redis, user_agent=rt.settings.crawler_user_agent, min_interval=60, jitter=0, **kwargs
    )


def crawls(rt) -> list[Crawl]:
    with rt.sessions() as session:
        return list(session.scalars(select(Crawl).order_by(Crawl.id)))


def test_a_live_crawl_fills_the_snapshot(rt, kakao, zod, board):
    outcome = crawl_board(rt, fetcher(rt), zod)
    assert outcome.status == "ok" and outcome.deals == 20
    body = kakao.call("hotdeals", client_extra={"board": "zod"})
    assert "네이버페이 포인트" in texts_of(body)
    assert board.hits == ["/robots.txt", "/deal"]


def test_two_crawlers_started_together_make_one_crawl(rt, zod, board):
    board.delay = 0.5
    results: list[object] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(crawl_once(rt, fetcher(rt), [zod]))
        except CrawlerBusy as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, CrawlerBusy) for r in results) == 1
    assert [c.status for c in crawls(rt)] == ["ok"]
    assert board.hits.count("/deal") == 1


def test_a_second_pass_within_the_interval_sends_nothing(rt, zod, board):
    crawl_once(rt, fetcher(rt), [zod])
    outcome = crawl_once(rt, fetcher(rt), [zod])[0]
    assert outcome.status == "skipped"
    assert board.hits.count("/deal") == 1


def test_a_blocked_board_keeps_its_last_deals(rt, kakao, zod, board):
    crawl_board(rt, fetcher(rt), zod)
    rt.redis.delete(*rt.redis.keys("crawler:rate:*"))  # pretend the interval passed
    board.status = 429
    outcome = crawl_board(rt, fetcher(rt), zod)
    assert outcome.status == "failed"
    assert [c.status for c in crawls(rt)] == ["ok", "failed"]
    assert "네이버페이 포인트" in texts_of(kakao.call("hotdeals", client_extra={"board": "zod"}))


def test_the_skill_keeps_answering_while_a_board_hangs(rt, kakao, zod, board):
    crawl_board(rt, fetcher(rt), zod)
    rt.redis.delete(*rt.redis.keys("crawler:rate:*"))
    board.hang.set()
    worker = threading.Thread(target=crawl_board, args=(rt, fetcher(rt, read_timeout=3), zod))
    worker.start()
    try:
        while "/deal" not in board.hits[2:]:
            time.sleep(0.01)
        for _ in range(5):
            body = kakao.call("hotdeals", client_extra={"board": "zod"})
            assert "네이버페이 포인트" in texts_of(body)
        assert worker.is_alive(), "the crawl should still be waiting on the hanging board"
    finally:
        worker.join()
    assert crawls(rt)[-1].status == "failed"
