"""딜바다 국내핫딜 (deal_domestic) list page parser.

Source: `http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic` (gnuboard), as described in
`../shared/fixtures/deals/SOURCES.md` § "dealbada-domestic-list-2020.html" (a 2020 capture; the current
markup is unverified).
"""

from __future__ import annotations

from datetime import datetime

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
    query_param,
    strip_tracking,
)

NAME = "dealbada"
DISPLAY_NAME = "딜바다"
LIST_URL = "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic"


def canonical_url(url: str) -> str:
    """Return the one URL of a dealbada post, `…/bbs/board.php?bo_table={table}&wr_id={id}` (paging,
    search and tracking parameters dropped; the scheme is kept as linked)."""
    return strip_tracking(url, keep=("bo_table", "wr_id"))


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a dealbada 국내핫딜 list page into deals, in page order.

    Takes the page as `str` or `bytes` (decoded by its declared charset, UTF-8), the page URL
    `base_url` (default `LIST_URL`; its `bo_table` names the board whose posts are kept) and `now`
    for resolving "11:48" / "03-11" times (default: current Asia/Seoul time). Rows are
    `#bo_list tbody tr` without `.bo_notice`, with a `td.td_subject a` post link (`wr_id`). The
    title is the anchor's own text (the `span.sound_only` labels, `span.cnt_cmt` comment count and
    icons removed). Ended: `img[alt="종료"]` inside the title anchor. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    board = query_param(base, "bo_table") or "deal_domestic"
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select("#bo_list tbody tr") or soup.select("tbody tr")
    return collect(rows, lambda row: _row(row, base, board, moment))


def _row(row: Tag, base: str, board: str, now: datetime) -> ScrapedDeal | None:
    if has_class(row, "bo_notice"):
        return None
    anchor = row.select_one("td.td_subject a[href]")
    url = absolute_url(attr(anchor, "href"), base)
    if anchor is None or url is None or query_param(url, "bo_table") != board:
        return None
    numbers = row.select("td.td_num")
    vote = row.select_one("td.td_num_g span")
    return make_deal(
        NAME,
        query_param(url, "wr_id"),
        node_text(anchor, exclude=(".sound_only", ".cnt_cmt", "img")),
        canonical_url(url),
        category=node_text(row.select_one("td.td_cate a.bo_cate_link, td.td_cate")),
        posted_at=parse_posted_at(node_text(row.select_one("td.td_date")), now),
        comments=parse_count(node_text(anchor.select_one(".cnt_cmt"))),
        votes=parse_count(node_text(vote)),
        views=parse_count(node_text(numbers[1])) if len(numbers) > 1 else None,
        ended=anchor.select_one('img[alt="종료"]') is not None,
    )
