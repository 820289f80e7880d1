"""중계나라 bench: gunicorn + MariaDB + Redis under wrk, compared with a bare Flask baseline.

Run it through `bench/run` (or `make bench`); bench/README.md explains the numbers and the knobs.
Standard library only: the database/Redis resets go through `bench/stores.py` in the project's
virtualenv, everything else is subprocess + urllib + /proc.

To benchmark another skill, add a row to SCENARIOS (and, if it needs data, a setup hook).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"  # payloads, wrk output, gunicorn logs (git-ignored)
VENV_BIN = ROOT / ".venv" / "bin"
LUA_SCRIPT = BENCH / "skill.lua"
# For scenarios whose body changes per request (SetupContext.cycle).
CYCLE_LUA_SCRIPT = BENCH / "skill_cycle.lua"
HOST = "127.0.0.1"  # load only ever goes here

FIXTURE_BOARDS = {  # saved list page -> board (`flask crawl --source BOARD --file PAGE`)
    "ppomppu-list.html": "ppomppu",
    "ruliweb-1020-list.html": "ruliweb",
    "quasarzone-saleinfo-list.html": "quasarzone",
    "fmkorea-hotdeal-list.html": "fmkorea",
    "arca-hotdeal-list.html": "arca",
    "coolenjoy-jirum-list.html": "coolenjoy",
    "zod-deal-list.html": "zod",
    "clien-jirum-list-2020.html": "clien",
    "dealbada-domestic-list-2020.html": "dealbada",
}
PAYLOAD_TEMPLATE = "kakao/requests/req_real_plain_utterance_test_block.json"
BENCH_USER_KEY = "bench" + "0" * 59  # a botUserKey-shaped id (64 chars) of a member only the bench uses
CYCLE = "__BENCH_CYCLE__"  # a payload value the wrk script replaces per request (SetupContext.cycle)


# --- settings ------------------------------------------------------------------------------------


def _env_num(name: str, default: float, kind: type = float) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"bench: {name}={raw!r} is not a number") from None
    if value <= 0:
        raise SystemExit(f"bench: {name} must be positive")
    return value


BUY_RPS_CEILING = 1000  # more reservations per second than this box can make: sizes the buy pool


def _buy_pool_size() -> int:
    """BENCH_BUY_POOL, else enough listings for every `buy` request at BUY_RPS_CEILING (≥ 20,000)."""
    seconds = (_env_num("BENCH_WARMUP", 3, int) + _env_num("BENCH_DURATION", 15, int)) * _env_num(
        "BENCH_REPEAT", 1, int
    )
    return _env_num("BENCH_BUY_POOL", max(20_000, BUY_RPS_CEILING * seconds), int)


@dataclass(frozen=True)
class Config:
    duration: int  # measured seconds per scenario
    warmup: int  # seconds of load discarded before each measurement
    connections: int
    wrk_threads: int
    wrk_timeout: int  # a request slower than this counts as a wrk timeout error
    app_port: int
    baseline_port: int
    database_url: str
    redis_url: str
    fixtures_dir: Path
    output: Path
    repeat: int  # measured runs per scenario; the median-rps run is kept
    baseline_runs: int  # 2: baseline measured first and last (the mean is the reference)
    only: tuple[str, ...]  # scenario names to run (baseline always runs); empty = all
    buy_pool: int  # on-sale listings seeded for `buy` (one is reserved per request)

    @classmethod
    def from_env(cls, argv: list[str]) -> Config:
        db_name = os.environ.get("BENCH_DB_NAME", "bench")
        fixtures = Path(os.environ.get("FIXTURES_DIR") or ROOT.parent / "shared" / "fixtures").resolve()
        only = tuple(argv) or tuple(
            n.strip() for n in os.environ.get("BENCH_SCENARIOS", "").split(",") if n.strip()
        )
        return cls(
            duration=_env_num("BENCH_DURATION", 15, int),
            warmup=_env_num("BENCH_WARMUP", 3, int),
            connections=_env_num("BENCH_CONNECTIONS", 32, int),
            wrk_threads=_env_num("BENCH_WRK_THREADS", 2, int),
            wrk_timeout=_env_num("BENCH_TIMEOUT", 5, int),
            app_port=_env_num("BENCH_APP_PORT", 18080, int),
            baseline_port=_env_num("BENCH_BASELINE_PORT", 18081, int),
            database_url=os.environ.get("BENCH_DATABASE_URL")
            or f"mysql+pymysql://root@127.0.0.1:3306/{db_name}?charset=utf8mb4",
            redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
            fixtures_dir=fixtures,
            output=Path(os.environ.get("BENCH_OUTPUT") or BENCH / "results.json").resolve(),
            repeat=_env_num("BENCH_REPEAT", 1, int),
            baseline_runs=min(_env_num("BENCH_BASELINE_RUNS", 2, int), 2),
            only=only,
            buy_pool=_buy_pool_size(),
        )

    def app_env(self, port: int) -> dict[str, str]:
        """Environment for gunicorn and `flask` commands: bench DB/Redis, test settings, no token."""
        env = dict(os.environ)
        for name in ("SKILL_TOKEN", "KAKAO_BOT_IDS", "GUNICORN_BIND", "GUNICORN_ACCESSLOG", "FLASK_APP"):
            env.pop(name, None)
        env.update(
            APP_ENV="test",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            PORT=str(port),
            GUNICORN_BIND=f"{HOST}:{port}",
            FLASK_APP="wsgi:app",
            PYTHONUNBUFFERED="1",
        )
        return env


# --- scenarios -----------------------------------------------------------------------------------


@dataclass
class SetupContext:
    """What a scenario's setup hook gets, once the app is up (before the scenario is verified)."""

    config: Config
    base_url: str
    env: dict[str, str]
    template: dict[str, Any]
    scenario: Scenario
    # Set by a setup hook whose payload holds CYCLE somewhere (in the overrides it returns): the
    # JSON values put in its place, one per request and never twice in a run (bench/skill_cycle.lua);
    # the first one goes into the verified answer, the load starts at the second.
    cycle: list[Any] | None = None
    # False when a value works once only (a listing can be bought once): using them all up warns.
    cycle_reusable: bool = True

    def payload(self, overrides: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
        """A SkillPayload like the scenario's; `changes` replace Scenario fields (e.g. utterance=...),
        `overrides` are more dotted-path overrides. Handy to call other skills while seeding data."""
        return build_payload(self.template, replace(self.scenario, **changes), overrides)

    def post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST `payload` to the app; returns (HTTP status, JSON body)."""
        return http_post_json(self.base_url + path, payload)

    def flask(self, *args: str) -> str:
        """Run `flask ARGS...` against the bench DB/Redis; returns stdout, raises on failure."""
        return run_checked([str(VENV_BIN / "flask"), *args], env=self.env).stdout

    def seed(self, *args: str) -> dict[str, Any]:
        """Run `python -m bench.seed ARGS...` (the market seeder) on the bench DB; returns its JSON."""
        out = run_checked([str(VENV_BIN / "python"), "-m", "bench.seed", *args], env=self.env).stdout
        return json.loads(out.strip().splitlines()[-1])


Expect = Callable[[dict[str, Any]], str | None]  # answer body -> problem, or None when it is fine
Setup = Callable[[SetupContext], dict[str, Any] | None]  # may return more payload overrides


@dataclass(frozen=True)
class Scenario:
    """One row of the bench: POST a SkillPayload to `path` on `target` ("app" or "baseline").

    The payload is the captured Kakao request with `utterance`, `params` (also as detailParams) and
    `client_extra` put in, then `overrides` applied: dotted paths into the payload, e.g.
    `{"userRequest.user.id": "..."}`. `setup` runs once on the running app and may return more
    overrides (ids of rows it created, say). `expect` checks the verification answer beyond
    "HTTP 200, version 2.0, outcome ok".
    """

    name: str
    path: str
    utterance: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    client_extra: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    expect: Expect | None = None
    setup: Setup | None = None
    target: str = "app"
    # Skill outcomes besides "ok" that are honest answers here (`buy`: "conflict" = 이미 예약된
    # 상품입니다): tallied and shown with their share, not flagged. The verified answer must be "ok".
    accepted_outcomes: tuple[str, ...] = ()


def has_output(kind: str) -> Expect:
    """Expect the answer's outputs to include a `kind` component (e.g. "carousel")."""

    def check(body: dict[str, Any]) -> str | None:
        outputs = body.get("template", {}).get("outputs", [])
        if any(kind in output for output in outputs):
            return None
        return f"no {kind} in the answer (outputs: {[next(iter(o), '?') for o in outputs]})"

    return check


def has_quick_replies(body: dict[str, Any]) -> str | None:
    """Expect quickReplies in the answer."""
    return None if body.get("template", {}).get("quickReplies") else "no quickReplies in the answer"


def has_carousel(card: str, at_least: int = 1) -> Expect:
    """Expect a carousel of `card`s (e.g. "commerceCard") holding at least `at_least` of them."""

    def check(body: dict[str, Any]) -> str | None:
        for output in body.get("template", {}).get("outputs", []):
            found = output.get("carousel", {})
            if found.get("type") == card and len(found.get("items", [])) >= at_least:
                return None
        return (
            f"no carousel of ≥ {at_least} {card} in the answer: {json.dumps(body, ensure_ascii=False)[:300]}"
        )

    return check


def says(*words: str) -> Expect:
    """Expect every one of `words` somewhere in the answer's text."""

    def check(body: dict[str, Any]) -> str | None:
        text = json.dumps(body.get("template", {}), ensure_ascii=False)
        missing = [w for w in words if w not in text]
        return f"the answer does not say {missing}: {text[:300]}" if missing else None

    return check


def all_of(*checks: Expect) -> Expect:
    """Expect every one of `checks` to pass (the first problem is reported)."""

    def check(body: dict[str, Any]) -> str | None:
        return next((p for p in (c(body) for c in checks) if p), None)

    return check


# --- market data (issues 4 and 5) ---------------------------------------------------------------

MARKET_LISTINGS = 10_000  # listings in MariaDB for listings / listing / search (issue 4)
MARKET_SELLERS = 200
SEARCH_QUERY = "원목 책상"  # two words; matches ~1 % of the market (the seeder reports how many)
SELL_SELLERS = 8  # distinct members the `sell` requests take turns posting as
SEEDED: dict[str, Any] = {}  # what the setup hooks seeded (ids left out); into _meta.seeded


def bench_key(tag: str) -> str:
    """A botUserKey-shaped id (64 chars) for a bench member: "bench" + tag, padded with zeros."""
    return ("bench" + tag).ljust(64, "0")


def as_user(key: str) -> dict[str, Any]:
    """Payload overrides making `key` the requesting user (the three places a payload names it)."""
    return {
        "userRequest.user.id": key,
        "userRequest.user.properties.botUserKey": key,
        "userRequest.user.properties.bot_user_key": key,
    }


def register_member(ctx: SetupContext, key: str, nickname: str, phone: str) -> None:
    """Sign `key` up through `POST /skills/register` (as a user would); fails the run otherwise."""
    status, body = ctx.post(
        "/skills/register",
        ctx.payload(as_user(key), utterance="회원가입", params={"nickname": nickname, "phone": phone}),
    )
    problem = says("환영")(body)
    if status != 200 or problem:
        raise BenchError(
            f"could not register {nickname}: HTTP {status} {json.dumps(body, ensure_ascii=False)[:300]}"
        )


def market(ctx: SetupContext) -> dict[str, Any]:
    """Seed the market once per run (MARKET_SELLERS members, MARKET_LISTINGS listings): bench/seed.py.

    When `buy` runs, its pool is seeded first: older ids, so the market's listings are the newest
    rows, as in a live market, and a category page never scans past pool rows (MariaDB reads
    `status IN (…) ORDER BY id DESC LIMIT 11` backwards along the primary key)."""
    if "market" not in SEEDED:
        if not ctx.config.only or "buy" in ctx.config.only:
            buy_pool(ctx)
        print(
            f"bench: seeding {MARKET_LISTINGS:,} listings by {MARKET_SELLERS} sellers …", end=" ", flush=True
        )
        SEEDED["market"] = ctx.seed("market", str(MARKET_LISTINGS), str(MARKET_SELLERS), SEARCH_QUERY)
        m = SEEDED["market"]
        print(f"{m['seconds']} s; '{SEARCH_QUERY}' matches {m['search_matches']} listings")
    return SEEDED["market"]


def setup_market(ctx: SetupContext) -> None:
    """`listings`, `search`: the seeded market is all they need."""
    market(ctx)


COLD_CURSORS = 8_000  # distinct `before` cursors for listings_cold: more than one run sends


def setup_listings_cold(ctx: SetupContext) -> dict[str, Any]:
    """`listings_cold`: the category page asked from a different cursor each time ("다음 ▶" pressed
    at another point), so no rendered answer is ever reused: what a miss of the answer memo costs
    (the page read from MariaDB and rendered)."""
    top = market(ctx)["detail_listing"]["id"]
    ctx.cycle = list(range(top, top - COLD_CURSORS, -1))
    return {"action.clientExtra.before": CYCLE}


def setup_listing(ctx: SetupContext) -> dict[str, Any]:
    """`listing`: a digital listing on sale a few pages down, as its "자세히 보기" button asks for it."""
    return {"action.clientExtra": {"listing_id": market(ctx)["detail_listing"]["id"]}}


def shows_detail_title(body: dict[str, Any]) -> str | None:
    """The `listing` answer is the detail card of the seeded listing (its title on a basicCard)."""
    title = SEEDED.get("market", {}).get("detail_listing", {}).get("title")
    cards = [o["basicCard"] for o in body.get("template", {}).get("outputs", []) if "basicCard" in o]
    if title and cards and cards[0].get("title") == title:
        return None
    return f"no basicCard titled {title!r}: {json.dumps(body, ensure_ascii=False)[:300]}"


def setup_sell(ctx: SetupContext) -> dict[str, Any]:
    """`sell`: SELL_SELLERS members registered through /skills/register; requests take turns."""
    keys = [bench_key(f"seller{i:02d}") for i in range(SELL_SELLERS)]
    for i, key in enumerate(keys):
        register_member(ctx, key, f"벤치판매자{i}", f"0105555{i:04d}")
    ctx.cycle = keys
    return as_user(CYCLE)


_BUY_POOL_IDS: list[int] = []


def buy_pool(ctx: SetupContext) -> list[int]:
    """Seed `BENCH_BUY_POOL` on-sale listings (category 기타, 직거래 offered) once; their ids."""
    if "buy_pool" not in SEEDED:
        print(f"bench: seeding {ctx.config.buy_pool:,} listings for buy …", end=" ", flush=True)
        pool = ctx.seed("buy-pool", str(ctx.config.buy_pool), str(MARKET_SELLERS))
        print(f"{pool['seconds']} s")
        SEEDED["buy_pool"] = {k: v for k, v in pool.items() if k != "ids"}
        _BUY_POOL_IDS[:] = pool["ids"]
    return _BUY_POOL_IDS


def setup_buy(ctx: SetupContext) -> dict[str, Any]:
    """`buy`: a registered buyer reserving (직거래) a fresh pool listing with every request."""
    key = bench_key("buyer")
    register_member(ctx, key, "벤치구매자", "010-5555-9999")
    ctx.cycle, ctx.cycle_reusable = buy_pool(ctx), False
    return {**as_user(key), "action.clientExtra.listing_id": CYCLE}


def setup_my_orders(ctx: SetupContext) -> dict[str, Any]:
    """`my-orders`: a member with 20 orders (10 bought, 10 sold) in every state, on the market."""
    market(ctx)
    key = bench_key("regular")
    register_member(ctx, key, "벤치단골", "010-5555-8888")
    SEEDED["history"] = ctx.seed("history", key)
    return as_user(key)


SCENARIOS: list[Scenario] = [
    Scenario("baseline", "/skills/baseline", utterance="처음으로", target="baseline"),
    Scenario("welcome", "/skills/welcome", utterance="처음으로", expect=has_quick_replies),
    Scenario("hotdeals", "/skills/hotdeals", utterance="핫딜", expect=has_output("carousel")),
    Scenario(
        "hotdeals_board",
        "/skills/hotdeals",
        utterance="뽐뿌 핫딜",
        client_extra={"board": "ppomppu", "page": 2},
        expect=has_output("carousel"),
    ),
    # Issue 4: the market, 10,000 listings (setup_market seeds them once for all four).
    Scenario(
        "listings",
        "/skills/listings",
        utterance="디지털기기",
        client_extra={"category": "digital"},  # as the category quickReply sends it
        setup=setup_market,
        expect=has_carousel("commerceCard", 10),
    ),
    Scenario(
        "listings_cold",
        "/skills/listings",
        utterance="디지털기기 더 보기",
        client_extra={"category": "digital"},  # `before`: another cursor per request
        setup=setup_listings_cold,
        expect=has_carousel("commerceCard", 10),
    ),
    Scenario(
        "listing", "/skills/listing", utterance="자세히 보기", setup=setup_listing, expect=shows_detail_title
    ),
    Scenario(
        "search",
        "/skills/search",
        utterance=f"검색 {SEARCH_QUERY}",
        setup=setup_market,
        expect=has_carousel("commerceCard", 1),
    ),
    Scenario(
        "sell",
        "/skills/sell",
        utterance="판매하기",
        params={
            "title": "아이패드 에어 5세대 64GB 팝니다",
            "price": "55만원",
            "category": "디지털기기",
            "description": "작년 봄에 샀어요. 액정 보호필름 붙여서 썼고 흠집 없어요.\n"
            "펜슬은 없고 충전기랑 박스 같이 드려요. 부천역 근처 직거래 선호해요.",
            "trade_method": "둘 다",
            "place": "부천역",
            "open_chat_url": "https://open.kakao.com/o/sBenchSel",
        },
        setup=setup_sell,
        expect=all_of(says("올렸어요"), has_output("commerceCard")),
    ),
    # Issue 5: trades.
    Scenario(
        "buy",
        "/skills/buy",
        utterance="직거래 예약",
        client_extra={"method": "직거래"},  # listing_id: a fresh one per request (setup_buy)
        setup=setup_buy,
        expect=says("예약했어요"),
        accepted_outcomes=("conflict",),
    ),
    Scenario(
        "my-orders",
        "/skills/my-orders",
        utterance="내 거래",
        setup=setup_my_orders,
        expect=has_carousel("textCard", 10),
    ),
]


def build_payload(
    template: dict[str, Any], scenario: Scenario, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The scenario's SkillPayload (same shaping as tests/conftest.py `Kakao.payload`)."""
    body = copy.deepcopy(template)
    body["userRequest"]["utterance"] = scenario.utterance
    body["action"]["params"] = dict(scenario.params)
    body["action"]["detailParams"] = {
        k: {"origin": v, "value": v, "groupName": ""} for k, v in scenario.params.items()
    }
    body["action"]["clientExtra"] = dict(scenario.client_extra)
    body["userRequest"]["user"]["id"] = BENCH_USER_KEY
    body["userRequest"]["user"]["properties"]["botUserKey"] = BENCH_USER_KEY
    body["userRequest"]["user"]["properties"]["bot_user_key"] = BENCH_USER_KEY
    for dotted, value in {**scenario.overrides, **(extra or {})}.items():
        node = body
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = copy.deepcopy(value)
    return body


# --- processes -----------------------------------------------------------------------------------

_children: list[subprocess.Popen[Any]] = []


def run_checked(
    cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise BenchError(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n"
            f"{(proc.stdout + proc.stderr).strip()[-3000:]}"
        )
    return proc


class BenchError(RuntimeError):
    """A step failed in a way that makes the whole run meaningless."""


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("bench: wrk not found; installing it from Debian (apt-get install wrk)", flush=True)
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        proc = subprocess.run(
            prefix + cmd,
            capture_output=True,
            text=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if proc.returncode != 0:
            raise BenchError(f"could not install wrk ({' '.join(cmd)}):\n{proc.stderr.strip()[-2000:]}")
    path = shutil.which("wrk")
    if not path:
        raise BenchError("wrk is still missing after apt-get install wrk")
    return path


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex((HOST, port)) == 0:
            raise BenchError(
                f"port {HOST}:{port} is already in use; stop what listens there or set "
                "BENCH_APP_PORT / BENCH_BASELINE_PORT"
            )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise BenchError(
                f"port {HOST}:{port} cannot be bound ({exc}); set BENCH_APP_PORT / BENCH_BASELINE_PORT"
            ) from None


def port_is_closed(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) != 0


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers when `pid` is the master)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return sorted(int(p) for p in text.split())
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used by `pid` so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPUS = os.cpu_count() or 1
STORE_PROCESSES = {"redis-server", "mariadbd", "mysqld"}


def store_pids() -> list[int]:
    """MariaDB and Redis server processes (their CPU is part of a request's cost)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in STORE_PROCESSES:
                    pids.append(int(entry.name))
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot: user + nice + system + irq + softirq (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds of this process's reaped children (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py APP` in its own session, output to bench/.work/<label>.log."""

    def __init__(self, label: str, app: str, port: int, env: dict[str, str]) -> None:
        self.label, self.app, self.port, self.env = label, app, port, env
        self.log_path = WORK / f"gunicorn-{label}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cmd = [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", app]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        check_port_free(self.port)
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        _children.append(self.proc)
        _own_group.add(self.proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.label}: gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as resp,
            ):
                if resp.status == 200:
                    break
            time.sleep(0.2)
        else:
            raise BenchError(
                f"{self.label}: no answer on {self.base_url}/healthz after 60 s:\n{self.log_tail()}"
            )
        # /healthz answers once one worker is up; wait for the others to finish booting.
        last, stable_since = -1, time.monotonic()
        while time.monotonic() - stable_since < 1.5 and time.monotonic() < deadline:
            count = len(self.workers())
            if count != last:
                last, stable_since = count, time.monotonic()
            time.sleep(0.2)

    def workers(self) -> list[int]:
        return child_pids(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def stop(self) -> None:
        stop_process(self.proc)
        deadline = time.monotonic() + 5
        while not port_is_closed(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not port_is_closed(self.port):
            print(f"bench: WARNING: something still listens on {HOST}:{self.port}", file=sys.stderr)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", "replace")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


_own_group: set[int] = set()  # pids started with start_new_session (their group is theirs alone)


def stop_process(proc: subprocess.Popen[Any] | None, grace: float = 10) -> None:
    """SIGTERM `proc` (gunicorn: graceful shutdown); SIGKILL it, and its own process group, if needed."""
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    if proc.pid in _own_group:
        # gunicorn's workers share the master's group; sweep any that outlived it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _own_group.discard(proc.pid)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    if proc in _children:
        _children.remove(proc)


def cleanup() -> None:
    for proc in list(_children):
        stop_process(proc, grace=5)


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


# --- HTTP / wrk ----------------------------------------------------------------------------------


def http_post_json(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    data = json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"_not_json": raw[:500].decode("utf-8", "replace")}


@dataclass
class CyclePool:
    """The per-request values of a cycling scenario (SetupContext.cycle), as files for
    bench/skill_cycle.lua, and where the next wrk run starts in them (0 went to verification)."""

    template: Path  # the payload with CYCLE in place of the value
    values: Path  # one JSON value per line
    size: int
    reusable: bool  # False: each value works once (warn when they run out)
    next: int = 1

    def env(self, config: Config) -> dict[str, str]:
        """What bench/skill_cycle.lua reads: the template, the values, where to start, the stride."""
        return {
            "BENCH_BODY_FILE": str(self.template),
            "BENCH_CYCLE_FILE": str(self.values),
            "BENCH_CYCLE_START": str(self.next),
            "BENCH_CYCLE_STRIDE": str(config.wrk_threads),
        }


def run_wrk(
    wrk: str,
    url: str,
    body_file: Path,
    seconds: int,
    config: Config,
    raw_out: Path | None,
    pool: CyclePool | None = None,
) -> dict[str, Any]:
    """Run wrk against `url` for `seconds`; its BENCH_JSON result. With `pool`, every request
    carries the pool's next value (bench/skill_cycle.lua) and the pool moves past those used."""
    cmd = [
        wrk,
        "-t",
        str(config.wrk_threads),
        "-c",
        str(config.connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        f"{config.wrk_timeout}s",
        "--latency",
        "-s",
        str(CYCLE_LUA_SCRIPT if pool else LUA_SCRIPT),
        url,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "BENCH_BODY_FILE": str(body_file), **(pool.env(config) if pool else {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _children.append(proc)
    try:
        out, err = proc.communicate(timeout=seconds + config.wrk_timeout + 30)
    finally:
        stop_process(proc, grace=2)
    if raw_out is not None:
        raw_out.write_text(f"$ {' '.join(cmd)}\n{out}{err}")
    match = re.search(r"^BENCH_JSON (\{.*\})$", out, re.MULTILINE)
    if proc.returncode != 0 or not match:
        raise BenchError(f"wrk failed (exit {proc.returncode}):\n{out}{err}")
    result = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)  # cross-check of errors.status
    result["non_2xx_reported"] = int(non2xx.group(1)) if non2xx else 0
    if pool:
        pool.next = result["cycle_next"]
    return result


SKILL_LOG = re.compile(r"skill=(\S+) member=\S+ status=(\d+) outcome=(\S+) ms=([\d.]+)")


def skill_outcomes(log_text: str) -> tuple[Counter[str], list[float]]:
    """Outcomes ("ok", "timeout", "error", ...) and handler ms from the app's per-request log lines."""
    outcomes: Counter[str] = Counter()
    ms: list[float] = []
    for match in SKILL_LOG.finditer(log_text):
        outcomes[match.group(3)] += 1
        ms.append(float(match.group(4)))
    return outcomes, ms


# --- preparation ---------------------------------------------------------------------------------


def prepare_stores(config: Config) -> dict[str, Any]:
    """Recreate the bench DB, flush the bench Redis db, migrate, ingest every saved deal page."""
    env = config.app_env(config.app_port)
    python, flask = str(VENV_BIN / "python"), str(VENV_BIN / "flask")
    print(run_checked([python, str(BENCH / "stores.py"), "reset-mysql", config.database_url]).stdout.strip())
    print(run_checked([python, str(BENCH / "stores.py"), "flush-redis", config.redis_url]).stdout.strip())
    run_checked([flask, "db", "upgrade"], env=env)
    print("migrated (flask db upgrade)")

    deals_dir = config.fixtures_dir / "deals"
    ingested: dict[str, Any] = {}
    for filename, board in FIXTURE_BOARDS.items():
        page = deals_dir / filename
        if not page.is_file():
            ingested[board] = f"missing {page}"
            print(f"  {board:<11} MISSING {page}", file=sys.stderr)
            continue
        try:
            out = run_checked([flask, "crawl", "--source", board, "--file", str(page)], env=env).stdout
        except BenchError as exc:
            ingested[board] = f"failed: {str(exc).splitlines()[-1][:200]}"
            print(f"  {board:<11} FAILED  {exc}", file=sys.stderr)
            continue
        match = re.search(r"(\d+) deals? ingested", out)
        ingested[board] = int(match.group(1)) if match else out.strip()[:200]
        print(f"  {board:<11} {ingested[board]} deals  ({filename})")
    return ingested


def write_payloads(
    config: Config,
    scenarios: list[Scenario],
    extra: dict[str, dict[str, Any]],
    cycles: dict[str, tuple[list[Any], bool]],
    pools: dict[str, CyclePool],
) -> dict[str, tuple[dict[str, Any], Path]]:
    """Write bench/.work/payload-<scenario>.json (the body verified, and loaded unless it cycles);
    for a scenario in `cycles`, also its template and values files, added to `pools`."""
    template_path = config.fixtures_dir / PAYLOAD_TEMPLATE
    template = json.loads(template_path.read_text(encoding="utf-8"))
    out = {}
    for scenario in scenarios:
        payload = build_payload(template, scenario, extra.get(scenario.name))
        text = json.dumps(payload, ensure_ascii=False, indent=1)
        values, reusable = cycles.get(scenario.name, ([], True))
        if values:
            marked = json.dumps(CYCLE)
            if marked not in text:
                raise BenchError(f"{scenario.name}: setup gave cycle values but no {CYCLE} in the payload")
            pool = CyclePool(
                WORK / f"template-{scenario.name}.json",
                WORK / f"cycle-{scenario.name}.txt",
                len(values),
                reusable,
            )
            pool.template.write_text(text, encoding="utf-8")
            pool.values.write_text(
                "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values), encoding="utf-8"
            )
            pools[scenario.name] = pool
            text = text.replace(marked, json.dumps(values[0], ensure_ascii=False))
            payload = json.loads(text)
        path = WORK / f"payload-{scenario.name}.json"
        path.write_text(text, encoding="utf-8")
        out[scenario.name] = (payload, path)
    return out


# --- the run -------------------------------------------------------------------------------------


@contextlib.contextmanager
def patched_environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def gunicorn_settings(env: dict[str, str]) -> dict[str, Any]:
    """workers/threads/worker_class as gunicorn.conf.py computes them under `env`."""
    import runpy

    with patched_environ(env):
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {k: conf.get(k) for k in ("workers", "threads", "worker_class", "timeout", "keepalive")}


def measure(
    scenario: Scenario,
    server: Gunicorn,
    body_file: Path,
    config: Config,
    wrk: str,
    label: str,
    pool: CyclePool | None = None,
) -> dict[str, Any]:
    """One warm-up and one measured wrk run of `scenario`, with the server's CPU, RSS and log tallies."""
    url = server.base_url + scenario.path
    if config.warmup:
        run_wrk(wrk, url, body_file, config.warmup, config, None, pool)
    pool_start = pool.next if pool else 0
    workers = server.workers()
    pids = [server.proc.pid, *workers] if server.proc else workers
    stores = store_pids()
    cpu_before = sum(cpu_seconds(p) for p in pids)
    stores_before = sum(cpu_seconds(p) for p in stores)
    busy_before, wrk_before = machine_busy_seconds(), children_cpu_seconds()
    log_offset = server.log_size()
    stats = run_wrk(wrk, url, body_file, config.duration, config, WORK / f"wrk-{label}.txt", pool)
    busy_used, wrk_used = machine_busy_seconds() - busy_before, children_cpu_seconds() - wrk_before
    cpu_used = sum(cpu_seconds(p) for p in pids) - cpu_before
    stores_used = sum(cpu_seconds(p) for p in stores) - stores_before
    # CPU the machine spent on anything but this server, wrk, MariaDB and Redis: other people's work.
    foreign = max(0.0, busy_used - cpu_used - wrk_used - stores_used)
    time.sleep(0.3)  # let the last log lines land
    outcomes, handler_ms = skill_outcomes(server.log_since(log_offset))

    workers = server.workers()
    rss = [r for r in (rss_mb(p) for p in workers) if r is not None]
    requests = stats["requests"]
    seconds = stats["duration_us"] / 1e6
    lat = stats["latency_us"]
    errors = stats["errors"]
    bad_outcomes = {k: v for k, v in outcomes.items() if k not in ("ok", *scenario.accepted_outcomes)}
    extra: dict[str, Any] = {}
    if scenario.accepted_outcomes:  # the honest split: how many answers did what the scenario says
        answered = sum(outcomes.values())
        extra["ok_pct"] = round(100 * outcomes.get("ok", 0) / answered, 2) if answered else None
    if pool:
        extra["cycle"] = {
            "values": pool.size,
            "first": pool_start,
            "next": pool.next,
            "wrapped": pool.next > pool.size,
        }
    return {
        "path": scenario.path,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p999_ms": round(lat["p999"] / 1000, 2),
        "mean_ms": round(lat["mean"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "requests": requests,
        "bytes_per_response": round(stats["bytes"] / requests) if requests else 0,
        "non_2xx": errors["status"],
        "errors": errors,
        "error_count": sum(errors.values()),
        "skill_outcomes": dict(outcomes),
        "handler_ms_mean": round(sum(handler_ms) / len(handler_ms), 2) if handler_ms else None,
        "server_cpu_ms_per_request": round(cpu_used * 1000 / requests, 3) if requests else None,
        "stores_cpu_ms_per_request": round(stores_used * 1000 / requests, 3) if requests else None,
        "wrk_cpu_pct": round(100 * wrk_used / (seconds * CPUS), 1) if seconds else None,
        "foreign_cpu_pct": round(100 * foreign / (seconds * CPUS), 1) if seconds else None,
        "rss_mb_per_worker": round(max(rss), 1) if rss else None,
        "rss_mb_per_worker_mean": round(sum(rss) / len(rss), 1) if rss else None,
        "rss_mb_master": round(rss_mb(server.proc.pid) or 0, 1) if server.proc else None,
        "workers_seen": len(workers),
        **extra,
        "flagged": bool(sum(errors.values()) or bad_outcomes),
    }


def verify(scenario: Scenario, server: Gunicorn, payload: dict[str, Any]) -> str | None:
    """One request before loading: HTTP 200, SkillResponse 2.0, outcome ok, scenario's own check."""
    offset = server.log_size()
    status, body = http_post_json(server.base_url + scenario.path, payload)
    (WORK / f"response-{scenario.name}.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    if status != 200:
        return f"HTTP {status}: {json.dumps(body, ensure_ascii=False)[:300]}"
    if body.get("version") != "2.0":
        return f'answer has no "version": "2.0": {json.dumps(body, ensure_ascii=False)[:300]}'
    time.sleep(0.05)
    outcomes, _ = skill_outcomes(server.log_since(offset))
    bad = {k: v for k, v in outcomes.items() if k != "ok"}
    if bad:
        return f"the app logged outcome {bad} (an apology or a timeout answer, not the skill's)"
    if scenario.expect:
        return scenario.expect(body)
    return None


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else None

    return {
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(
            git("status", "--porcelain", "--untracked-files=no") or git("rev-parse", "HEAD") is None
        ),
    }


NOISY_FOREIGN_CPU_PCT = 15.0  # other processes used more than this share of the CPUs during a run


def print_table(results: dict[str, Any], meta: dict[str, Any]) -> None:
    cols = (
        "scenario",
        "rps",
        "×base",
        "p50 ms",
        "p99 ms",
        "RSS MB/w",
        "cpu ms/req",
        "other cpu",
        "bytes",
        "errors",
    )
    rows = []
    for name, r in results.items():
        if "skipped" in r:
            rows.append((name, "SKIPPED", "", "", "", "", "", "", "", r["skipped"][:60]))
            continue
        errors = str(r["error_count"])
        bad = {k: v for k, v in r["skill_outcomes"].items() if k != "ok"}
        if bad:
            errors += " " + ",".join(f"{k}={v}" for k, v in bad.items())
        if r.get("ok_pct") is not None:
            errors += f" (ok {r['ok_pct']:g}%)"
        if r["flagged"]:
            errors += "  <-- !! ERRORS"
        foreign = r.get("foreign_cpu_pct")
        rows.append(
            (
                name,
                f"{r['rps']:.0f}",
                f"{r['ratio_to_baseline']:.2f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['rss_mb_per_worker']:.1f}" if r["rss_mb_per_worker"] else "-",
                f"{r['server_cpu_ms_per_request']:.2f}" if r["server_cpu_ms_per_request"] else "-",
                "-"
                if foreign is None
                else f"{foreign:.0f}%" + (" noisy" if foreign > NOISY_FOREIGN_CPU_PCT else ""),
                str(r["bytes_per_response"]),
                errors,
            )
        )
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(
            v.ljust(w) if i in (0, len(cols) - 1) else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    print()
    print(
        f"gunicorn {meta['worker_class']} workers={meta['workers']} threads={meta['threads']} · "
        f"wrk -t{meta['wrk_threads']} -c{meta['connections']} -d{meta['duration_s']}s "
        f"(+{meta['warmup_s']}s warm-up) · {meta['cpu_count']} CPUs · "
        f"baseline runs {'/'.join(f'{x:.0f}' for x in results['baseline'].get('rps_runs', []))} rps"
    )
    print(line(cols))
    for row in rows:
        print(line(row))
    print(
        "RSS MB/w = max VmRSS over the workers after the run · cpu ms/req = gunicorn master+workers CPU"
        " per request · other cpu = share of the CPUs used by processes other than this bench,"
        " MariaDB and Redis"
    )


def verify_all(
    config: Config,
    scenarios: list[Scenario],
    servers: dict[str, Gunicorn],
    results: dict[str, Any],
    pools: dict[str, CyclePool],
) -> list[Scenario]:
    """Run setup hooks, write payload files (cycling ones into `pools`), check one answer per
    scenario; return those to load."""
    template = json.loads((config.fixtures_dir / PAYLOAD_TEMPLATE).read_text(encoding="utf-8"))
    extra: dict[str, dict[str, Any]] = {}
    cycles: dict[str, tuple[list[Any], bool]] = {}
    for scenario in scenarios:
        if scenario.setup:
            server = servers[scenario.target]
            ctx = SetupContext(config, server.base_url, server.env, template, scenario)
            extra[scenario.name] = scenario.setup(ctx) or {}
            if ctx.cycle:
                cycles[scenario.name] = (ctx.cycle, ctx.cycle_reusable)
    payloads = write_payloads(config, scenarios, extra, cycles, pools)
    runnable = []
    for scenario in scenarios:
        payload, _ = payloads[scenario.name]
        problem = verify(scenario, servers[scenario.target], payload)
        if problem and scenario.target == "baseline":
            raise BenchError(f"the baseline does not answer properly: {problem}")
        if problem:
            print(f"bench: !! {scenario.name} SKIPPED — not a valid answer: {problem}", file=sys.stderr)
            results[scenario.name] = {"path": scenario.path, "skipped": problem, "flagged": True}
        else:
            print(f"bench: {scenario.name}: verified (HTTP 200, version 2.0)")
            runnable.append(scenario)
    return runnable


def run_scenario(
    scenario: Scenario,
    servers: dict[str, Gunicorn],
    config: Config,
    wrk: str,
    label: str | None = None,
    pool: CyclePool | None = None,
) -> dict[str, Any]:
    """Measure `scenario` BENCH_REPEAT times; keep the run with the median rps (all rps in `rps_runs`)."""
    label = label or scenario.name
    runs = []
    for i in range(config.repeat):
        run_label = label if config.repeat == 1 else f"{label}#{i + 1}"
        print(
            f"bench: {run_label}: {config.warmup}s warm-up + {config.duration}s at {config.connections} "
            "connections …",
            end=" ",
            flush=True,
        )
        r = measure(
            scenario,
            servers[scenario.target],
            WORK / f"payload-{scenario.name}.json",
            config,
            wrk,
            run_label,
            pool,
        )
        print(
            f"{r['rps']:.0f} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['error_count']}"
            + (f", outcomes {r['skill_outcomes']}" if r["skill_outcomes"] else "")
        )
        if pool and not pool.reusable and r["cycle"]["wrapped"]:
            print(
                f"bench: WARNING: {label} used up its {pool.size:,} values and started again at the first "
                f"(requests used {r['cycle']['first']:,}..{r['cycle']['next']:,}); the repeats are in "
                "skill_outcomes — raise BENCH_BUY_POOL",
                file=sys.stderr,
            )
        runs.append(r)
    median = sorted(runs, key=lambda r: r["rps"])[(len(runs) - 1) // 2]
    return {
        **median,
        "rps_runs": [r["rps"] for r in runs],
        "flagged": any(r["flagged"] for r in runs),
        "error_count_all_runs": sum(r["error_count"] for r in runs),
    }


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help", "--list"}:
        print(__doc__.strip())
        print("\nscenarios:", ", ".join(s.name for s in SCENARIOS))
        print("usage: bench/run [SCENARIO ...]   (env knobs: see bench/README.md)")
        return 0
    config = Config.from_env(argv)
    unknown = set(config.only) - {s.name for s in SCENARIOS}
    if unknown:
        raise BenchError(f"unknown scenario(s) {sorted(unknown)}; known: {[s.name for s in SCENARIOS]}")
    scenarios = [s for s in SCENARIOS if s.target == "baseline" or not config.only or s.name in config.only]
    for tool in ("python", "flask", "gunicorn"):
        if not (VENV_BIN / tool).exists():
            raise BenchError(f"{VENV_BIN / tool} missing; run `make .venv/.synced` (or `uv sync --frozen`)")
    if not (config.fixtures_dir / PAYLOAD_TEMPLATE).is_file():
        raise BenchError(f"fixtures not found under {config.fixtures_dir}; set FIXTURES_DIR")
    if config.app_port == config.baseline_port:
        raise BenchError("BENCH_APP_PORT and BENCH_BASELINE_PORT must differ")
    wrk = ensure_wrk()
    WORK.mkdir(parents=True, exist_ok=True)
    lock = (WORK / "run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BenchError("another bench run is in progress (bench/.work/run.lock is held)") from None
    load_before = os.getloadavg()
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"bench: WARNING: the machine is already busy (load average {load_before[0]:.2f}); "
            "numbers will be noisy",
            file=sys.stderr,
        )
    for port in (config.app_port, config.baseline_port):
        check_port_free(port)

    started = dt.datetime.now(dt.UTC)
    print(f"bench: preparing {config.database_url.split('@')[-1]} and {config.redis_url}")
    ingested = prepare_stores(config)
    gconf = gunicorn_settings(config.app_env(config.app_port))
    print(f"bench: gunicorn {gconf}")

    servers = {
        "baseline": Gunicorn(
            "baseline", "bench.baseline_app:app", config.baseline_port, config.app_env(config.baseline_port)
        ),
        "app": Gunicorn("app", "wsgi:app", config.app_port, config.app_env(config.app_port)),
    }
    results: dict[str, Any] = {}
    try:
        for server in servers.values():
            print(f"bench: starting {server.label} ({server.app}) on {server.base_url}")
            server.start()
        pools: dict[str, CyclePool] = {}
        runnable = verify_all(config, scenarios, servers, results, pools)
        print()
        base = next(s for s in runnable if s.target == "baseline")
        base_runs = [run_scenario(base, servers, config, wrk, label="baseline-1")]
        for scenario in runnable:
            if scenario.target != "baseline":
                results[scenario.name] = run_scenario(
                    scenario, servers, config, wrk, pool=pools.get(scenario.name)
                )
        if config.baseline_runs > 1:  # again at the end: the drift shows how steady the machine was
            base_runs.append(run_scenario(base, servers, config, wrk, label="baseline-2"))
    finally:
        for server in servers.values():
            server.stop()

    base_rps = sum(r["rps"] for r in base_runs) / len(base_runs)  # median of the first, of the last
    drift = (max(r["rps"] for r in base_runs) - min(r["rps"] for r in base_runs)) / base_rps
    results = {
        "baseline": {
            **base_runs[0],
            "rps": round(base_rps, 1),
            "rps_runs": [x for r in base_runs for x in r["rps_runs"]],
            "flagged": any(r["flagged"] for r in base_runs),
        },
        **results,
    }
    for r in results.values():
        if "rps" in r:
            r["ratio_to_baseline"] = round(r["rps"] / base_rps, 3) if base_rps else None
    failed_boards = sorted(b for b, n in ingested.items() if not isinstance(n, int))
    meta = {
        "date": started.isoformat(timespec="seconds"),
        **git_info(),
        "cpu_count": os.cpu_count(),
        "workers": gconf["workers"],
        "threads": gconf["threads"],
        "worker_class": gconf["worker_class"],
        "duration_s": config.duration,
        "repeat": config.repeat,
        "warmup_s": config.warmup,
        "connections": config.connections,
        "wrk_threads": config.wrk_threads,
        "wrk_timeout_s": config.wrk_timeout,
        "rss_mb_per_worker": "max VmRSS over the gunicorn workers right after the scenario's run",
        "ratio_to_baseline": "rps / baseline rps (bench.baseline_app under the same gunicorn settings)",
        "database": config.database_url.split("@")[-1],
        "redis": config.redis_url,
        "fixtures_ingested": ingested,
        "seeded": SEEDED,
        "loadavg_before": [round(x, 2) for x in load_before],
        "python": platform.python_version(),
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0:1],
        "baseline_rps_drift_pct": round(drift * 100, 1),
        "flagged": sorted(n for n, r in results.items() if r.get("flagged"))
        + (["_fixtures"] if failed_boards else []),
    }
    output = {**results, "_meta": meta}
    config.output.write_text(json.dumps(output, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(results, meta)
    shown = config.output.relative_to(ROOT) if config.output.is_relative_to(ROOT) else config.output
    print(f"\nbench: wrote {shown} (raw wrk output and gunicorn logs in {WORK.relative_to(ROOT)}/)")
    if drift > 0.10:
        print(
            f"bench: WARNING: baseline rps moved {drift:.0%} between the first and last run "
            f"({meta['baseline_rps_drift_pct']}%): the machine was not steady; compare ratios with care",
            file=sys.stderr,
        )
    if meta["flagged"]:
        bad = [n for n in meta["flagged"] if n != "_fixtures"]
        print("\n" + "!" * 78, file=sys.stderr)
        if bad:
            print(f"!! bench: scenarios with errors or non-ok answers: {', '.join(bad)}", file=sys.stderr)
            print("!! their numbers do not measure the skill; see bench/.work/ for the logs", file=sys.stderr)
        if failed_boards:
            print(
                f"!! bench: saved pages that could not be ingested: {', '.join(failed_boards)}; the hot-deal"
                " numbers are not comparable with a full run",
                file=sys.stderr,
            )
        print("!" * 78, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(2)
    finally:
        cleanup()
