"""클리앙 알뜰구매 (jirum) list page parser.

Source: `https://www.clien.net/service/board/jirum`, as described in
`../shared/fixtures/deals/SOURCES.md` § "clien-jirum-list-2020.html" (a 2020 capture; current crawlers
use the same selectors).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

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
    own_text,
    parse_count,
    parse_posted_at,
    strip_tracking,
)

NAME = "clien"
DISPLAY_NAME = "클리앙"
LIST_URL = "https://www.clien.net/service/board/jirum"

_POST = re.compile(r"^(/service/board/[\w-]+/\d+)")
_SKIP = ("notice", "hongbo", "blocked")


def canonical_url(url: str) -> str:
    """Return the one URL of a clien post, `https://www.clien.net/service/board/{board}/{sn}` (the
    `od`, `po`, `category`, `groupCd` list parameters and fragments dropped)."""
    parts = urlsplit(strip_tracking(url, keep=()))
    match = _POST.match(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, match.group(1) if match else parts.path, "", ""))


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a clien 알뜰구매 list page into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`) and `now`
    (used only when a row lacks the full `span.timestamp`; default current Asia/Seoul time). Rows are
    `.list_content div.list_item` carrying `data-board-sn`, skipping `.notice`, `.hongbo` (promotion
    slot) and `.blocked` (deleted) items. Shop and price come from the title. Ended: class
    `sold_out` on the row (or a `span.icon_info` reading 품절/종료). Never raises on odd markup.
    """
    base = base_url or LIST_URL
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select(".list_content div.list_item") or soup.select("div.list_item")
    return collect(rows, lambda row: _row(row, base, moment))


def _row(row: Tag, base: str, now: datetime) -> ScrapedDeal | None:
    if any(has_class(row, name) for name in _SKIP):
        return None
    anchor = row.select_one("a[data-role=list-title-text]") or row.select_one(".list_subject a")
    url = absolute_url(attr(anchor, "href"), base)
    if url is None:
        return None
    url = canonical_url(url)
    subject = row.select_one("span.list_subject[title]")
    stamp = node_text(row.select_one(".list_time .timestamp"))
    reply = row.select_one(".list_reply .rSymph05")
    labels = {node_text(label) for label in row.select(".icon_info")}
    return make_deal(
        NAME,
        attr(row, "data-board-sn") or last_number_in_path(url),
        (attr(subject, "title")) or node_text(anchor),
        url,
        category=node_text(row.select_one("a.icon_keyword")),
        posted_at=parse_posted_at(stamp or own_text(row.select_one(".list_time .time")), now),
        comments=parse_count(attr(row, "data-comment-count") or node_text(reply)),
        votes=parse_count(node_text(row.select_one(".list_votes"))),
        views=parse_count(node_text(row.select_one(".list_hit .hit"))),
        ended=has_class(row, "sold_out") or bool(labels & {"품절", "종료"}),
    )
