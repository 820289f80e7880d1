"""Prometheus metrics: what operators watch (README "Deploy" → "Metrics and logs").

Every metric is defined here, once, and named `junggyenara_*`. Label values are bounded sets: a
skill name from the registry, a URL rule (`/admin/api/v1/listings/<int:listing_id>`, never the raw
path), a board name, a status or outcome word. Nothing about a member goes into a label.

Processes. gunicorn runs several worker processes; with `PROMETHEUS_MULTIPROC_DIR` set (the image
sets it for `serve`; gunicorn.conf.py empties it when the master starts and tells the library when
a worker exits) every worker writes its samples to files there and `/metrics` aggregates all of
them. Without it (tests,
`flask run`, the crawler and the job worker) the default in-process registry is used. The crawler
loop, a process without HTTP routes, serves its own metrics on `METRICS_PORT` when that is set
(`start_exporter`). `PROMETHEUS_MULTIPROC_DIR` is prometheus-client's own variable, read by the
library when it is imported; this module only follows its choice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds. Kakao gives a skill 5 s and we answer by SKILL_TIME_BUDGET (3.5 s), so the buckets are
# dense below a second and stop just past Kakao's limit.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.5, 5.0, 10.0)
# A board's list page: a polite fetch (3 s connect, 10 s read, retries) plus parsing and saving.
CRAWL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
# KakaoPay answers within a second or two; its client times out well before 10 s.
KAKAOPAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

SKILL_LATENCY = Histogram(
    "junggyenara_skill_request_duration_seconds",
    "Time to answer one Open Builder skill call, by skill and HTTP status.",
    ["skill", "status"],
    buckets=REQUEST_BUCKETS,
)
SKILL_OUTCOMES = Counter(
    "junggyenara_skill_outcomes_total",
    "Skill calls by outcome: ok, timeout, error, a domain error code, bad_token, bad_payload, bad_bot.",
    ["skill", "outcome"],
)
HTTP_LATENCY = Histogram(
    "junggyenara_http_request_duration_seconds",
    "Time to answer one HTTP request, by URL rule (admin API, payments, probes, skills), method, status.",
    ["route", "method", "status"],
    buckets=REQUEST_BUCKETS,
)
CRAWL_RESULTS = Counter(
    "junggyenara_crawl_results_total",
    "Board crawls by result: ok, not_modified, skipped (too soon or disallowed), failed.",
    ["board", "status"],
)
CRAWL_DEALS = Counter(
    "junggyenara_crawl_deals_total",
    "Deals read from boards' list pages (live crawls and saved pages).",
    ["board"],
)
CRAWL_DURATION = Histogram(
    "junggyenara_crawl_duration_seconds",
    "Time to crawl one board: fetch, parse, save, republish the snapshot.",
    ["board"],
    buckets=CRAWL_BUCKETS,
)
SNAPSHOT_CACHE = Counter(
    "junggyenara_snapshot_cache_total",
    "Hot-deal snapshot reads: hit (served from Redis or this process) or miss (rebuilt from the DB).",
    ["result"],
)
KAKAOPAY_CALLS = Counter(
    "junggyenara_kakaopay_calls_total",
    "Calls to KakaoPay by endpoint (ready, approve, cancel, order) and outcome "
    "(ok, http_4xx, http_5xx, timeout, error).",
    ["endpoint", "outcome"],
)
KAKAOPAY_LATENCY = Histogram(
    "junggyenara_kakaopay_call_duration_seconds",
    "Time of one call to KakaoPay, by endpoint.",
    ["endpoint"],
    buckets=KAKAOPAY_BUCKETS,
)


def multiprocess_mode() -> bool:
    """Whether samples are shared between processes through `PROMETHEUS_MULTIPROC_DIR` (set at all:
    the library's own test, made once when it is imported)."""
    return MULTIPROC_ENV in os.environ


def scrape_registry() -> CollectorRegistry:
    """The registry a scrape reads: every process's files in multiprocess mode, else this process."""
    if not multiprocess_mode():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def observe_skill(skill: str, status: int, outcome: str, seconds: float) -> None:
    """Count one answered skill call. `outcome` is cut at ':' (`bad_payload:json` -> `bad_payload`)."""
    SKILL_LATENCY.labels(skill, str(status)).observe(seconds)
    SKILL_OUTCOMES.labels(skill, outcome.partition(":")[0]).inc()


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one HTTP request under its URL rule (`route`), not its raw path."""
    HTTP_LATENCY.labels(route, method, str(status)).observe(seconds)


def observe_crawl(board: str, status: str, seconds: float, deals: int = 0) -> None:
    """Count one board's crawl: its result, how long it took and how many deals it read."""
    CRAWL_RESULTS.labels(board, status).inc()
    CRAWL_DURATION.labels(board).observe(seconds)
    if deals:
        CRAWL_DEALS.labels(board).inc(deals)


def observe_snapshot_read(hit: bool) -> None:
    """Count one hot-deal snapshot read as a cache hit or miss (Grafana shows hit / (hit + miss))."""
    SNAPSHOT_CACHE.labels("hit" if hit else "miss").inc()


@dataclass
class KakaoPayCall:
    """The outcome of one KakaoPay call being timed by `kakaopay_call`; set `outcome` to override."""

    endpoint: str
    outcome: str = "ok"

    def set_status(self, http_status: int) -> None:
        """Record KakaoPay's HTTP status: 2xx is `ok`, else `http_4xx` / `http_5xx`."""
        self.outcome = "ok" if 200 <= http_status < 300 else f"http_{http_status // 100}xx"


@contextmanager
def kakaopay_call(endpoint: str) -> Iterator[KakaoPayCall]:
    """Time and count one call to KakaoPay's `endpoint` (ready, approve, cancel, order).

    Usage, around the one HTTP request::

        with metrics.kakaopay_call("approve") as call:
            resp = session.post(url, ...)
            call.set_status(resp.status_code)

    An exception leaving the block counts as `timeout` (a `TimeoutError` or `requests` Timeout, by
    name) or `error`, and is re-raised.
    """
    call = KakaoPayCall(endpoint)
    started = time.perf_counter()
    try:
        yield call
    except Exception as exc:
        call.outcome = "timeout" if "Timeout" in type(exc).__name__ else "error"
        raise
    finally:
        KAKAOPAY_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        KAKAOPAY_CALLS.labels(endpoint, call.outcome).inc()


def render() -> Response:
    """The Prometheus text exposition of `scrape_registry()`."""
    return Response(generate_latest(scrape_registry()), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve `GET /metrics` on `app`.

    Keep it off the public internet: the ALB answers `/metrics` itself (README "Deploy") and
    Prometheus scrapes the instances inside the VPC.
    """
    app.add_url_rule("/metrics", "metrics", render, methods=["GET"])


def start_exporter(port: int) -> None:
    """Serve this process's metrics on `port` (all interfaces) from a daemon thread; 0 = don't."""
    if port:
        start_http_server(port, registry=scrape_registry())
