"""아카라이브 핫딜 채널 list page parser.

Source: `https://arca.live/b/hotdeal`, as described in `../shared/fixtures/deals/SOURCES.md`
§ "arca-hotdeal-list.html".
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
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    strip_tracking,
)

NAME = "arca"
DISPLAY_NAME = "아카라이브"
LIST_URL = "https://arca.live/b/hotdeal"

_CHANNEL = re.compile(r"^/b/([\w-]+)")
_POST = re.compile(r"^/b/([\w-]+)/(\d+)/?$")


def canonical_url(url: str) -> str:
    """Return the one URL of an arca post, `https://arca.live/b/{channel}/{id}` (the `?p=1` page
    parameter and any other query or fragment dropped)."""
    return strip_tracking(url, keep=())


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse an arca.live 핫딜 channel list page into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`; its
    `/b/{channel}` names the channel whose posts are kept) and `now` (used only when a row lacks its
    ISO `time[datetime]`, which is UTC and converted to Asia/Seoul). Rows are
    `div.list-table .vrow` with a post link, skipping `.notice` rows (notices and the `광고` ad linking
    to another channel) and the column header. The post id is the URL's id, not `.col-id`.
    Ended: `.deal-close` on `vrow-top`/`vrow-bottom`. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    match = _CHANNEL.match(urlsplit(base).path)
    channel = match.group(1) if match else "hotdeal"
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select("div.list-table .vrow") or soup.select(".vrow")
    return collect(rows, lambda row: _row(row, base, channel, moment))


def _row(row: Tag, base: str, channel: str, now: datetime) -> ScrapedDeal | None:
    if has_class(row, "notice") or has_class(row, "head"):
        return None
    anchor = row.select_one("a.hybrid-title") or row.select_one("a.title")
    url = absolute_url(attr(anchor, "href"), base)
    if url is None:
        return None
    url = canonical_url(url)
    match = _POST.match(urlsplit(url).path)
    if not match or match.group(1) != channel:
        return None
    stamp = row.select_one(".col-time time[datetime]")
    posted = parse_posted_at(attr(stamp, "datetime"), now)
    price = row.select_one(".deal-price")
    return make_deal(
        NAME,
        match.group(2),
        node_text(anchor, exclude=(".info", ".comment-count", ".media-icon", "span.title")),
        url,
        price_text=node_text(price) if price else None,
        shipping=node_text(row.select_one(".deal-delivery")),
        shop=node_text(row.select_one(".badges .deal-store")),
        category=node_text(row.select_one(".badges a.badge")),
        posted_at=posted or parse_posted_at(node_text(row.select_one(".col-time")), now),
        comments=parse_count(node_text(row.select_one(".comment-count"))),
        votes=parse_count(node_text(row.select_one(".col-rate"))),
        views=parse_count(node_text(row.select_one(".col-view"))),
        ended=row.select_one(".deal-close") is not None or has_class(row, "deal-close"),
    )
