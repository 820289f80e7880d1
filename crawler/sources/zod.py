"""조드 특가 list page parser (for saved pages: the site blocks bots, see the registry note).

Source: `https://zod.kr/deal`, as described in `../shared/fixtures/deals/SOURCES.md`
§ "zod-deal-list.html".
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
    clean_text,
    collect,
    has_class,
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    strip_tracking,
)

NAME = "zod"
DISPLAY_NAME = "조드"
LIST_URL = "https://zod.kr/deal"

_POST = re.compile(r"^/deal/(\d+)/?$")


def canonical_url(url: str) -> str:
    """Return the one URL of a zod deal post, `https://zod.kr/deal/{id}` (query and fragment dropped)."""
    return strip_tracking(url, keep=())


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a zod 특가 list page into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`) and `now`
    (used only when a row lacks the exact `dd[title]` stamp, which is KST). Rows are
    `ul.zod-board-list--deal > li` with a `/deal/{id}` link, skipping `li.notice` and the
    `.zod-widgets--deal_partner` ad widget (links to `/deal_partner/`). Shop, price and shipping
    come from the `dl.zod-board--deal-meta` dt/dd pairs. Ended: class `zod-board-list--deal-ended`
    on the `li`. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select("ul.zod-board-list--deal > li") or soup.select("ul.app-board-template-list > li")
    return collect(rows, lambda row: _row(row, base, moment))


def _pairs(row: Tag) -> dict[str, Tag]:
    """Map each `dt` label in the row's `dl`s (whitespace collapsed) to its following `dd`."""
    out: dict[str, Tag] = {}
    for dt in row.select("dl dt"):
        dd = dt.find_next_sibling("dd")
        if dd is not None:
            out.setdefault(clean_text(dt.get_text()), dd)
    return out


def _strong(dd: Tag | None) -> str | None:
    if dd is None:
        return None
    return node_text(dd.select_one("strong")) or node_text(dd).split(":", 1)[-1].strip() or None


def _row(row: Tag, base: str, now: datetime) -> ScrapedDeal | None:
    if has_class(row, "notice") or row.select_one(".zod-widgets--deal_partner, .xe-widget-wrapper"):
        return None
    for anchor in row.select("a[href]"):
        url = absolute_url(attr(anchor, "href"), base)
        match = _POST.match(urlsplit(url).path) if url else None
        if match:
            break
    else:
        return None
    if url is None:  # a match implies a URL; this tells the type checker
        return None
    meta = _pairs(row)
    stamp = meta.get("등록일자")
    posted = parse_posted_at(attr(stamp, "title"), now)
    price = _strong(meta.get("가격"))
    return make_deal(
        NAME,
        match.group(1),
        node_text(row.select_one(".app-list-title-item") or row.select_one(".app-list-title")),
        canonical_url(url),
        price_text=price or "",
        shipping=_strong(meta.get("배송비")),
        shop=_strong(meta.get("홈페이지/장소")),
        posted_at=posted or parse_posted_at(node_text(stamp), now),
        comments=parse_count(node_text(row.select_one(".app-list-comment"))),
        votes=parse_count(node_text(meta.get("추천수"))),
        ended=has_class(row, "zod-board-list--deal-ended"),
    )
