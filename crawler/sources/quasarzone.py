"""퀘이사존 핫딜 (qb_saleinfo) list page parser, legacy table layout and the 2026 v2 layout.

Source: `https://quasarzone.com/bbs/qb_saleinfo`, as described in `../shared/fixtures/deals/SOURCES.md`
§ "quasarzone-saleinfo-list.html (legacy layout)", § "quasarzone-saleinfo-v2-trimmed.html" and
§ "quasarzone-saleinfo-v2-abridged.html".
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import Tag

from chatbot.services.deals import ScrapedDeal
from crawler.sources._common import (
    absolute_url,
    attr,
    collect,
    has_class,
    last_number_in_path,
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    strip_tracking,
)

NAME = "quasarzone"
DISPLAY_NAME = "퀘이사존"
LIST_URL = "https://quasarzone.com/bbs/qb_saleinfo"

_BOARD = re.compile(r"/bbs/([\w-]+)")
_VIEWS = re.compile(r"^/bbs/([\w-]+)/views/(\d+)")


def canonical_url(url: str) -> str:
    """Return the one URL of a quasarzone post, `https://quasarzone.com/bbs/{board}/views/{id}` with
    no query or fragment."""
    return strip_tracking(url, keep=())


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a quasarzone 핫딜 list page into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`; its
    `/bbs/{board}` names the board whose posts are kept) and `now` for resolving times (default:
    current Asia/Seoul time). Reads the v2 layout (`div.v2-list-row`; ended = class `is-done`; the
    `v2-partner-row` ad and rows linking to another board such as `qb_partnersaleinfo` are skipped;
    `div.v2-notice-row` notices are not rows) when present, else the legacy table
    (`div.market-type-list table tbody tr`; ended = `span.label.done` "종료"; notices live outside
    the table). Never raises on odd markup.
    """
    base = base_url or LIST_URL
    match = _BOARD.search(base)
    board = match.group(1) if match else "qb_saleinfo"
    moment = now_kst(now)
    soup = make_soup(html)
    v2_rows = soup.select("div.v2-list-row")
    if v2_rows:
        return collect(v2_rows, lambda row: _v2_row(row, base, board, moment))
    rows = soup.select("div.market-type-list table tbody tr")
    return collect(rows, lambda row: _legacy_row(row, base, board, moment))


def _link(row: Tag, base: str, board: str) -> tuple[str, str] | None:
    """The row's canonical post URL and id, or None when it links elsewhere (partner board, ads)."""
    anchor = row.select_one("a.subject-link")
    url = absolute_url(attr(anchor, "href"), base)
    if url is None:
        return None
    url = canonical_url(url)
    match = _VIEWS.match(urlsplit(url).path)
    if not match or match.group(1) != board:
        return None
    return url, match.group(2)


def _title(row: Tag) -> str:
    return node_text(row.select_one("span.ellipsis-with-reply-cnt")) or node_text(
        row.select_one("a.subject-link"), exclude=(".board-list-comment", ".label")
    )


def _v2_row(row: Tag, base: str, board: str, now: datetime) -> ScrapedDeal | None:
    if has_class(row, "v2-partner-row") or row.select_one(".v2-partner-badge"):
        return None
    link = _link(row, base, board)
    if link is None:
        return None
    url, post_id = link
    shop_logo = row.select_one("img.v2-shop-logo[alt]")
    shipping = next(
        (node_text(s) for s in row.select("span.v2-list-row__ship") if node_text(s).startswith("배송")),
        None,
    )
    price = row.select_one("span.v2-list-row__price")
    return make_deal(
        NAME,
        attr(row, "data-qc-id") or post_id,
        _title(row),
        url,
        price_text=node_text(price) if price else None,
        shipping=shipping,
        shop=attr(shop_logo, "alt"),
        category=node_text(row.select_one(".v2-list-row__line1 .v2-badge")),
        posted_at=parse_posted_at(node_text(row.select_one(".v2-list-row__time")), now),
        comments=parse_count(node_text(row.select_one(".ctn-count"))),
        votes=parse_count(node_text(row.select_one(".qc-count-good, .v2-list-row__num"))),
        views=parse_count(node_text(row.select_one(".qc-count-hit, .v2-list-row__hit"))),
        ended=has_class(row, "is-done") or _done_label(row),
    )


def _legacy_row(row: Tag, base: str, board: str, now: datetime) -> ScrapedDeal | None:
    link = _link(row, base, board)
    if link is None:
        return None
    url, post_id = link
    sub = row.select_one("div.market-info-sub") or row
    shipping = next((node_text(s) for s in sub.select("span") if node_text(s).startswith("배송비")), None)
    price = row.select_one("span.text-orange")
    return make_deal(
        NAME,
        post_id or last_number_in_path(url),
        _title(row),
        url,
        price_text=node_text(price) if price else None,
        shipping=shipping,
        category=node_text(sub.select_one("span.category")),
        posted_at=parse_posted_at(node_text(sub.select_one("span.date")), now),
        comments=parse_count(node_text(row.select_one("span.ctn-count"))),
        votes=parse_count(node_text(row.select_one("td span.num"))),
        views=parse_count(node_text(sub.select_one("span.count"))),
        ended=_done_label(row),
    )


def _done_label(row: Tag) -> bool:
    """True when the row's status label (`p.tit span.label`) is `.done` or reads 종료/품절."""
    return any(
        has_class(label, "done") or node_text(label) in ("종료", "품절")
        for label in row.select(".tit .label")
    )
