"""`/metrics`: per-skill and per-route latency histograms, crawl results, the snapshot cache and
KakaoPay outcomes, scraped as Prometheus does (in-process registry: no PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import pytest

from chatbot import metrics
from crawler.fetcher import FetchError, TooSoon
from crawler.pipeline import crawl_once
from crawler.sources import get_source
from tests.ops_helpers import sample

SKILL_COUNT = "junggyenara_skill_request_duration_seconds_count"
HTTP_COUNT = "junggyenara_http_request_duration_seconds_count"


def scrape(client) -> str:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.mimetype == "text/plain"
    return resp.get_data(as_text=True)


def test_metrics_count_every_skill_call_per_skill(client, kakao):
    before = scrape(client)
    for _ in range(3):
        kakao.call("welcome")
    kakao.call("hotdeals")
    client.post("/skills/welcome", data="not json", content_type="application/json")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta(SKILL_COUNT, skill="welcome", status="200") == 3
    assert delta(SKILL_COUNT, skill="hotdeals", status="200") == 1
    assert delta(SKILL_COUNT, skill="welcome", status="400") == 1
    assert delta("junggyenara_skill_outcomes_total", skill="welcome", outcome="ok") == 3
    assert delta("junggyenara_skill_outcomes_total", skill="welcome", outcome="bad_payload") == 1
    # The histogram has buckets up to past Kakao's 5 s, and every call fell in some bucket.
    assert (
        delta("junggyenara_skill_request_duration_seconds_bucket", skill="welcome", status="200", le="5.0")
        == 3
    )
    assert delta(HTTP_COUNT, route="/skills/<name>", method="POST", status="200") == 4


def test_routes_are_labelled_by_their_rule_not_their_path(client):
    before = scrape(client)
    client.get("/healthz")
    client.get("/no/such/page/unrouted")
    after = scrape(client)
    assert (
        sample(after, HTTP_COUNT, route="/healthz", method="GET", status="200")
        - sample(before, HTTP_COUNT, route="/healthz", method="GET", status="200")
        == 1
    )
    assert (
        sample(after, HTTP_COUNT, route="<unmatched>", method="GET", status="404")
        - sample(before, HTTP_COUNT, route="<unmatched>", method="GET", status="404")
        == 1
    )
    # A path is never a label (it would be one series per URL); digits would match float samples.
    assert "unrouted" not in after


def test_the_snapshot_cache_counts_a_miss_then_hits(client, kakao):
    before = scrape(client)
    kakao.call("hotdeals")  # empty Redis: rebuilt from the DB
    kakao.call("hotdeals")
    after = scrape(client)
    name = "junggyenara_snapshot_cache_total"
    assert sample(after, name, result="miss") - sample(before, name, result="miss") == 1
    assert sample(after, name, result="hit") - sample(before, name, result="hit") >= 1


class _Fetcher:
    """A fetcher that answers every board with one prepared error."""

    def __init__(self, error: FetchError) -> None:
        self.error = error

    def fetch(self, board: str, url: str):
        raise self.error


@pytest.mark.parametrize(
    "error,status",
    [
        (FetchError("connection refused", board="ppomppu", url="http://x"), "failed"),
        (TooSoon(42.0, board="ppomppu", url="http://x"), "skipped"),
    ],
)
def test_crawls_are_counted_per_board_and_result(client, rt, error, status):
    before = scrape(client)
    [outcome] = crawl_once(rt, _Fetcher(error), [get_source("ppomppu")])  # type: ignore[arg-type]
    assert outcome.status == status
    after = scrape(client)
    name = "junggyenara_crawl_results_total"
    assert (
        sample(after, name, board="ppomppu", status=status)
        - sample(before, name, board="ppomppu", status=status)
        == 1
    )
    duration = "junggyenara_crawl_duration_seconds_count"
    assert sample(after, duration, board="ppomppu") - sample(before, duration, board="ppomppu") == 1


class ReadTimeout(Exception):
    """Named like requests' timeout error."""


def test_kakaopay_calls_are_counted_by_endpoint_and_outcome(client):
    before = scrape(client)
    with metrics.kakaopay_call("ready") as call:
        call.set_status(200)
    with metrics.kakaopay_call("approve") as call:
        call.set_status(502)
    with pytest.raises(ReadTimeout), metrics.kakaopay_call("approve"):
        raise ReadTimeout("read timed out")
    with pytest.raises(ValueError), metrics.kakaopay_call("cancel"):
        raise ValueError("bad json")
    after = scrape(client)
    name = "junggyenara_kakaopay_calls_total"
    for endpoint, outcome in [
        ("ready", "ok"),
        ("approve", "http_5xx"),
        ("approve", "timeout"),
        ("cancel", "error"),
    ]:
        assert (
            sample(after, name, endpoint=endpoint, outcome=outcome)
            - sample(before, name, endpoint=endpoint, outcome=outcome)
            == 1
        ), (endpoint, outcome)
    latency = "junggyenara_kakaopay_call_duration_seconds_count"
    assert sample(after, latency, endpoint="approve") - sample(before, latency, endpoint="approve") == 2


def test_the_grafana_dashboard_only_charts_metrics_we_export():
    import json
    import re

    from prometheus_client.metrics import MetricWrapperBase

    from tests.conftest import REPO_ROOT

    dashboard = json.loads((REPO_ROOT / "grafana" / "junggyenara.json").read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {re.sub(r"_(bucket|count|sum)$", "", n) for e in exprs for n in re.findall(r"junggyenara_\w+", e)}
    exported = {
        m._name + ("_total" if m._type == "counter" else "")
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    }
    assert used and used <= exported, used - exported
    assert exported <= used, f"not charted: {exported - used}"


def test_admin_routes_get_a_latency_series_each(client):
    before = scrape(client)
    client.get("/admin/api/v1/openapi.json")
    client.get("/admin/api/v1/listings/424242")  # no token: 401, still counted under its rule

    after = scrape(client)

    def delta(route: str, status: str) -> float:
        return sample(after, HTTP_COUNT, route=route, method="GET", status=status) - sample(
            before, HTTP_COUNT, route=route, method="GET", status=status
        )

    assert delta("/admin/api/v1/openapi.json", "200") == 1
    assert delta("/admin/api/v1/listings/<int:listing_id>", "401") == 1
