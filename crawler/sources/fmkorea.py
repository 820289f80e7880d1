"""에펨코리아 핫딜 list page parser (for saved pages: robots.txt disallows /hotdeal for crawlers).

Source: `https://www.fmkorea.com/hotdeal`, as described in `../shared/fixtures/deals/SOURCES.md`
§ "fmkorea-hotdeal-list.html" and its robots note.
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
    clean_text,
    collect,
    last_number_in_path,
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    query_param,
    strip_tracking,
)

NAME = "fmkorea"
DISPLAY_NAME = "에펨코리아"
LIST_URL = "https://www.fmkorea.com/hotdeal"

_ENDED_CLASS = re.compile(r"^hotdeal_var\w*Y$")
_LABELS = {"쇼핑몰": "shop", "가격": "price", "배송": "shipping"}


def canonical_url(url: str) -> str:
    """Return the one URL of an fmkorea post, `https://www.fmkorea.com/{document_srl}`, also for
    `/index.php?mid=hotdeal&document_srl=N` links; other URLs are only stripped of tracking."""
    parts = urlsplit(strip_tracking(url))
    path = parts.path.strip("/")
    srl = query_param(url, "document_srl") or (path if path.isdigit() else None)
    if srl:
        return urlunsplit((parts.scheme, parts.netloc, "/" + srl, "", ""))
    return urlunsplit(parts)


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse an fmkorea 핫딜 list page into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`) and `now`
    for resolving times (default: current Asia/Seoul time). Rows are `.fm_best_widget ul li.li`; the
    `table.bd_lst tr.notice` notices and 인기 repeats above them are not read. Shop, price and
    shipping come from `div.hotdeal_info` (labelled 쇼핑몰/가격/배송). Ended: the title anchor's class
    `hotdeal_var8Y` instead of `hotdeal_var8`. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    moment = now_kst(now)
    soup = make_soup(html)
    return collect(soup.select(".fm_best_widget li.li"), lambda row: _row(row, base, moment))


def _row(row: Tag, base: str, now: datetime) -> ScrapedDeal | None:
    anchor = row.select_one("h3.title a")
    url = absolute_url(attr(anchor, "href"), base)
    if anchor is None or url is None:
        return None
    url = canonical_url(url)
    info: dict[str, str] = {}
    for index, span in enumerate(row.select("div.hotdeal_info span")):
        label = clean_text(span.find(string=True) or "").rstrip(": ")
        key = _LABELS.get(label) or list(_LABELS.values())[min(index, 2)]
        info.setdefault(key, node_text(span.select_one("a.strong") or span).split(":", 1)[-1].strip())
    title = node_text(row.select_one("span.ellipsis-target")) or node_text(
        anchor, exclude=(".comment_count",)
    )
    return make_deal(
        NAME,
        last_number_in_path(url),
        title,
        url,
        price_text=info.get("price", ""),
        shipping=info.get("shipping"),
        shop=info.get("shop"),
        category=node_text(row.select_one("span.category a")),
        posted_at=parse_posted_at(node_text(row.select_one("span.regdate")), now),
        comments=parse_count(node_text(row.select_one("span.comment_count"))),
        votes=parse_count(node_text(row.select_one("a.pc_voted_count span.count"))),
        ended=any(_ENDED_CLASS.match(c) for c in anchor.get_attribute_list("class")),
    )
