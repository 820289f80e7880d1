"""Hot deals: the record a board parser yields, and the snapshot the `hotdeals` skill serves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from chatbot import metrics
from chatbot.errors import Conflict
from chatbot.models import Crawl, Deal
from chatbot.services.paging import Page, get_or_404, keyset_page, lock_or_404
from chatbot.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class ScrapedDeal:
    """One deal row read from a board's list page by `crawler.sources.<board>.parse()`.

    - `source`: board name, lowercase ASCII (`ppomppu`, `ruliweb`, ...), as in DESIGN.md §6.
    - `post_id`: the board's own id of the post, as a string of digits.
    - `title`: the post title as shown, whitespace collapsed, without comment counts or icons.
    - `url`: absolute canonical URL of the post (tracking/paging query parameters removed).
    - `price`: KRW as an int when the row or title states a won price, else `None`.
    - `price_text`: the price as the page shows it (e.g. "$4.64", "13,800원"), else `None`.
    - `shipping`: shipping as the page states it ("무료", "3,000원", "와우무배"), else `None`.
    - `shop`, `category`: as the board labels them, else `None`.
    - `posted_at`: timezone-aware (Asia/Seoul) when the page gives a time, else `None`.
    - `comments`, `votes`: counts (0 when the row shows none); `views`: count or `None`.
    - `ended`: the board marks the deal as ended / sold out.
    """

    source: str
    post_id: str
    title: str
    url: str
    price: int | None = None
    price_text: str | None = None
    shipping: str | None = None
    shop: str | None = None
    category: str | None = None
    posted_at: datetime | None = None
    comments: int = 0
    votes: int = 0
    views: int | None = None
    ended: bool = False


# --- history -------------------------------------------------------------------------------------


def record_crawl(
    session: Session,
    source: str,
    display_name: str,
    deals: list[ScrapedDeal],
    *,
    origin: str = "live",
    started_at: datetime | None = None,
) -> Crawl:
    """Persist one successful read of `source`'s list page and return its `Crawl` (committed).

    `deals` is in the board's order. Duplicates inside the list (same post id or same canonical
    URL) keep their first place; a deal already known by (source, post id), or by canonical URL
    from any board, is updated rather than inserted. Each deal's `last_crawl_id`/`list_rank`
    then make it part of the board's snapshot. Raises SQLAlchemy errors on DB failure.
    """
    now = utcnow()
    unique: list[ScrapedDeal] = []
    seen_ids: set[str] = set()
    seen_urls: set[str] = set()
    for deal in deals:
        if deal.post_id in seen_ids or deal.url in seen_urls:
            continue
        seen_ids.add(deal.post_id)
        seen_urls.add(deal.url)
        unique.append(deal)

    crawl = Crawl(
        source=source,
        display_name=display_name,
        origin=origin,
        status="ok",
        started_at=started_at or now,
        finished_at=now,
        deals_count=len(unique),
    )
    session.add(crawl)
    session.flush()

    known: list[Deal] = []
    if unique:
        known = list(
            session.scalars(
                select(Deal).where(
                    or_(
                        and_(Deal.source == source, Deal.post_id.in_(seen_ids)),
                        Deal.url.in_(seen_urls),
                    )
                )
            )
        )
    by_post = {d.post_id: d for d in known if d.source == source}
    by_url = {d.url: d for d in known}
    for rank, scraped in enumerate(unique):
        row = by_post.get(scraped.post_id) or by_url.get(scraped.url)
        if row is None:
            row = Deal(source=source, post_id=scraped.post_id, first_seen_at=now)
            session.add(row)
        _copy_scraped(row, scraped)
        row.last_seen_at = now
        row.last_crawl_id = crawl.id
        row.list_rank = rank
    session.commit()
    return crawl


def record_failed_crawl(
    session: Session, source: str, display_name: str, status: str, error: str, *, origin: str = "live"
) -> Crawl:
    """Persist a crawl that produced no list (`status`: `not_modified`, `failed`, `disallowed`...).

    The board's snapshot is left as it was. `error` is cut to 300 characters.
    """
    now = utcnow()
    crawl = Crawl(
        source=source,
        display_name=display_name,
        origin=origin,
        status=status,
        started_at=now,
        finished_at=now,
        error=error[:300] or None,
    )
    session.add(crawl)
    session.commit()
    return crawl


def _copy_scraped(row: Deal, scraped: ScrapedDeal) -> None:
    row.title = scraped.title[:300]
    row.url = scraped.url[:500]
    row.price = scraped.price
    row.price_text = _cut(scraped.price_text, 40)
    row.shipping = _cut(scraped.shipping, 40)
    row.shop = _cut(scraped.shop, 40)
    row.category = _cut(scraped.category, 40)
    row.posted_at = scraped.posted_at
    row.comments = scraped.comments
    row.votes = scraped.votes
    row.views = scraped.views
    row.ended = scraped.ended


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value


# --- snapshot ------------------------------------------------------------------------------------
#
# The snapshot is what the `hotdeals` skill serves: for each board, the deals of its latest `ok`
# crawl in the board's order (DESIGN.md §6). It lives in Redis as one JSON document; each process
# keeps the parsed copy of the version it saw last, so a request costs one small GET.

SNAPSHOT_KEY = "hotdeals:snapshot"
SNAPSHOT_VERSION_KEY = "hotdeals:snapshot:version"

_parsed: tuple[str, dict[str, Any]] | None = None


def build_snapshot(session: Session) -> dict[str, Any]:
    """The snapshot from the DB: `{"version", "generated_at", "boards": {name: board}}`.

    A board is `{"name", "display_name", "crawled_at" (ISO-8601 UTC), "deals": [deal, ...]}`; a deal
    is a dict with the `ScrapedDeal` fields (`posted_at` ISO-8601 or None) plus `id` and `sort_ts`
    (epoch seconds: posted time, else the crawl's). Deals an admin
    hid are left out; ended deals stay, flagged `ended`.
    """
    latest_ids = (
        session.execute(select(func.max(Crawl.id)).where(Crawl.status == "ok").group_by(Crawl.source))
        .scalars()
        .all()
    )
    boards: dict[str, dict[str, Any]] = {}
    if latest_ids:
        crawls = {c.id: c for c in session.scalars(select(Crawl).where(Crawl.id.in_(latest_ids)))}
        for crawl in sorted(crawls.values(), key=lambda c: c.source):
            boards[crawl.source] = {
                "name": crawl.source,
                "display_name": crawl.display_name or crawl.source,
                "crawled_at": (crawl.finished_at or crawl.started_at).isoformat(),
                "deals": [],
            }
        rows = session.scalars(
            select(Deal)
            .where(Deal.last_crawl_id.in_(latest_ids), Deal.hidden.is_(False))
            .order_by(Deal.last_crawl_id, Deal.list_rank)
        )
        for deal in rows:
            crawl = crawls[deal.last_crawl_id]  # type: ignore[index]  # in_(latest_ids): never NULL
            boards[crawl.source]["deals"].append(_deal_dict(deal, crawl.finished_at or crawl.started_at))
    generated_at = utcnow()
    return {
        "version": f"{generated_at.timestamp():.6f}-{max(latest_ids, default=0)}",
        "generated_at": generated_at.isoformat(),
        "boards": boards,
    }


def _deal_dict(deal: Deal, crawled_at: datetime) -> dict[str, Any]:
    # `sort_ts`: epoch seconds the merged list is ordered by, computed once here, not per request.
    return {
        "id": deal.id,
        "source": deal.source,
        "post_id": deal.post_id,
        "title": deal.title,
        "url": deal.url,
        "price": deal.price,
        "price_text": deal.price_text,
        "shipping": deal.shipping,
        "shop": deal.shop,
        "category": deal.category,
        "posted_at": deal.posted_at.isoformat() if deal.posted_at else None,
        "comments": deal.comments,
        "votes": deal.votes,
        "views": deal.views,
        "ended": deal.ended,
        "sort_ts": (deal.posted_at or crawled_at).timestamp(),
    }


def publish_snapshot(cache: redis.Redis, snapshot: dict[str, Any], ttl: int) -> None:
    """Write `snapshot` and its version to Redis atomically, both expiring after `ttl` seconds."""
    global _parsed
    with cache.pipeline(transaction=True) as pipe:
        pipe.set(SNAPSHOT_KEY, json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")), ex=ttl)
        pipe.set(SNAPSHOT_VERSION_KEY, snapshot["version"], ex=ttl)
        pipe.execute()
    _parsed = (snapshot["version"], snapshot)


def refresh_snapshot(session: Session, cache: redis.Redis, ttl: int) -> dict[str, Any]:
    """Rebuild the snapshot from the DB, publish it, and return it."""
    snapshot = build_snapshot(session)
    publish_snapshot(cache, snapshot, ttl)
    return snapshot


def current_snapshot(cache: redis.Redis, sessions: sessionmaker[Session], ttl: int) -> dict[str, Any]:
    """The snapshot to serve: from Redis, else rebuilt from the DB and republished (a cache miss).

    Never touches a deal site. Returns a snapshot whose `boards` may be empty (nothing crawled yet).
    Raises `redis.RedisError` or SQLAlchemy errors when both stores fail.
    """
    global _parsed
    version = cache.get(SNAPSHOT_VERSION_KEY)
    if version is not None:
        parsed = _parsed
        if parsed is not None and parsed[0] == version:
            metrics.observe_snapshot_read(hit=True)
            return parsed[1]
        raw = cache.get(SNAPSHOT_KEY)
        if raw:
            snapshot = json.loads(raw)
            _parsed = (snapshot["version"], snapshot)
            metrics.observe_snapshot_read(hit=True)
            return snapshot
    metrics.observe_snapshot_read(hit=False)
    with sessions() as session:
        return refresh_snapshot(session, cache, ttl)


# --- staff (admin API) -------------------------------------------------------------------------

CRAWL_REQUEST_KEY = "crawler:requested"
CRAWL_REQUEST_TTL = 3600  # seconds a request waits for a crawler loop before it lapses
DEAL_NOT_FOUND = "핫딜을 찾을 수 없어요."


def staff_deals(
    session: Session,
    *,
    source: str | None = None,
    hidden: bool | None = None,
    keyword: str | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page[Deal]:
    """Every deal in the DB, newest first, filtered by board `source`, `hidden`, and a `keyword`
    found in the title."""
    stmt = select(Deal)
    if source:
        stmt = stmt.where(Deal.source == source)
    if hidden is not None:
        stmt = stmt.where(Deal.hidden.is_(hidden))
    if keyword:
        stmt = stmt.where(Deal.title.icontains(keyword, autoescape=True))
    return keyset_page(session, stmt, Deal.id, before, limit)


def get_deal(session: Session, deal_id: int) -> Deal:
    """The deal `deal_id`; raises `NotFound`."""
    return get_or_404(session, Deal, deal_id, DEAL_NOT_FOUND)


def set_hidden(session: Session, cache: redis.Redis, deal_id: int, hidden: bool, ttl: int) -> Deal:
    """Hide a deal from the snapshot (or show it again), commit, and republish the snapshot at once
    (`refresh_snapshot`, `ttl` seconds) so the `hotdeals` skill stops offering it.

    Raises `NotFound`, or `Conflict` when the deal is already so.
    """
    deal = lock_or_404(session, Deal, deal_id, DEAL_NOT_FOUND)
    if deal.hidden == hidden:
        session.rollback()
        raise Conflict("이미 숨긴 핫딜이에요." if hidden else "숨기지 않은 핫딜이에요.")
    deal.hidden = hidden
    session.commit()
    refresh_snapshot(session, cache, ttl)
    return deal


def request_crawl(cache: redis.Redis) -> bool:
    """Ask the crawler loop (`flask crawl --loop`) for a pass now rather than at its next turn.

    True when this is a new request, False when one is already waiting. The loop takes it within
    seconds (`take_crawl_request`); the fetcher's one-list-request-per-board-per-minute rule still
    holds, so asking often cannot make us impolite to a board.
    """
    return bool(cache.set(CRAWL_REQUEST_KEY, utcnow().isoformat(), nx=True, ex=CRAWL_REQUEST_TTL))


def take_crawl_request(cache: redis.Redis) -> bool:
    """Consume a waiting crawl request; True if there was one (one loop acts on each request)."""
    return cache.delete(CRAWL_REQUEST_KEY) > 0


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DealQuery:
    """Filters a user can give the `hotdeals` skill (each optional, matched case-insensitively).

    `board` matches a board's name or Korean name ("ppomppu", "뽐뿌"); `category` is a substring
    of the board's category label; `keyword` words must all appear in the title, shop or category.
    """

    board: str | None = None
    category: str | None = None
    keyword: str | None = None


@dataclass(frozen=True, slots=True)
class DealSelection:
    """Live (not ended) deals that match a `DealQuery`, in serving order.

    `deals` are snapshot deal dicts; `boards` the snapshot boards they were drawn from;
    `crawled_at` the newest crawl time among those boards (aware UTC) or None.
    """

    deals: list[dict[str, Any]]
    boards: list[dict[str, Any]]
    crawled_at: datetime | None


def find_board(snapshot: dict[str, Any], text: str | None) -> dict[str, Any] | None:
    """The snapshot board whose name or Korean name is `text` (case/space-insensitive), else None."""
    wanted = _fold(text)
    if not wanted:
        return None
    for board in snapshot["boards"].values():
        if wanted in (_fold(board["name"]), _fold(board["display_name"])):
            return board
    return None


def select_deals(snapshot: dict[str, Any], query: DealQuery) -> DealSelection:
    """Apply `query` to `snapshot` (see `build_snapshot` for its shape).

    One board keeps that board's order; all boards are merged newest first by posted time
    (a deal without one counts as posted when its board was crawled), board order breaking ties.
    An unknown board selects nothing. Ended deals are left out: they are never offered as live.
    """
    if query.board:
        board = find_board(snapshot, query.board)
        boards = [board] if board else []
    else:
        boards = list(snapshot["boards"].values())
    category = _fold(query.category)
    words = [_fold(w) for w in (query.keyword or "").split() if w.strip()]

    picked: list[tuple[str, int, dict[str, Any]]] = []
    for board in boards:
        for rank, deal in enumerate(board["deals"]):
            if deal["ended"]:
                continue
            if category and category not in _fold(deal.get("category")):
                continue
            if words:
                haystack = _fold(f"{deal['title']} {deal.get('shop') or ''} {deal.get('category') or ''}")
                if not all(w in haystack for w in words):
                    continue
            picked.append((-deal["sort_ts"], rank, deal))
    if len(boards) > 1:
        picked.sort(key=lambda item: (item[0], item[1]))
    crawled = [datetime.fromisoformat(b["crawled_at"]) for b in boards]
    return DealSelection([d for _, _, d in picked], boards, max(crawled) if crawled else None)


def _fold(text: str | None) -> str:
    return "".join((text or "").split()).casefold()
