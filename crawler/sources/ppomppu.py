"""뽐뿌 뽐뿌게시판 list page parser.

Source: `https://www.ppomppu.co.kr/zboard/zboard.php?id=ppomppu` (zboard list, CP949), as described in
`../shared/fixtures/deals/SOURCES.md` § "ppomppu-list.html".
"""

from __future__ import annotations

from datetime import datetime

from bs4 import Tag

from chatbot.services.deals import ScrapedDeal
from crawler.sources._common import (
    absolute_url,
    attr,
    collect,
    digits_only,
    has_class,
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    query_param,
    strip_tracking,
)

NAME = "ppomppu"
DISPLAY_NAME = "뽐뿌"
LIST_URL = "https://www.ppomppu.co.kr/zboard/zboard.php?id=ppomppu"


def canonical_url(url: str) -> str:
    """Return the one URL of a ppomppu post: `…/zboard/view.php?id=<board>&no=<no>` (paging, `divpage`
    and tracking parameters dropped)."""
    return strip_tracking(url, keep=("id", "no"))


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a ppomppu board list page into deals, in page order.

    Takes the page as `str` or raw `bytes` (decoded as CP949, which the page's `euc-kr` declaration
    means in practice), the page URL `base_url` (default `LIST_URL`; its `id` names the board whose
    rows are kept) and `now` for resolving times (default: current Asia/Seoul time).
    Deal rows are `tr.baseList` whose `td.baseList-numb` is all digits and whose title links to the
    same board id; notices (`tr.baseNotice`) and the 쇼핑뽐뿌/쇼핑포럼 widget rows are skipped.
    Ended: class `end2` on `a.baseList-title` (not present in the saved capture). Never raises on odd
    markup; returns [] for a page without deal rows.
    """
    base = base_url or LIST_URL
    board = query_param(base, "id") or NAME
    moment = now_kst(now)
    soup = make_soup(html, "cp949")
    return collect(soup.select("tr.baseList"), lambda row: _row(row, base, board, moment))


def _row(row: Tag, base: str, board: str, now: datetime) -> ScrapedDeal | None:
    number = digits_only(node_text(row.select_one("td.baseList-numb")))
    anchor = row.select_one("a.baseList-title")
    if number is None or anchor is None:
        return None
    url = absolute_url(attr(anchor, "href"), base)
    if url is None or query_param(url, "id") != board:
        return None
    time_cell = row.select_one("time.baseList-time")
    stamp_cell = time_cell.find_parent("td") if time_cell else None
    stamp = (attr(stamp_cell, "title")) or node_text(time_cell)
    shop = node_text(row.select_one("em.baseList-head")).strip("[] ")
    return make_deal(
        NAME,
        query_param(url, "no") or number,
        node_text(anchor),
        canonical_url(url),
        shop=shop or None,
        category=node_text(row.select_one("small.baseList-small")),
        posted_at=parse_posted_at(stamp, now),
        comments=parse_count(node_text(row.select_one("span.baseList-c"))),
        votes=parse_count(node_text(row.select_one("td.baseList-rec"))),
        views=parse_count(node_text(row.select_one("td.baseList-views"))),
        ended=has_class(anchor, "end2"),
    )
