"""루리웹 핫딜예판 (board 1020) list page parser, default list view and `?view=thumbnail` view.

Source: `https://bbs.ruliweb.com/market/board/1020`, as described in
`../shared/fixtures/deals/SOURCES.md` § "ruliweb-1020-list.html" and § "ruliweb-1020-thumbnail.html".
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
    parse_count,
    parse_posted_at,
    strip_tracking,
)

NAME = "ruliweb"
DISPLAY_NAME = "루리웹"
LIST_URL = "https://bbs.ruliweb.com/market/board/1020"

_READ = re.compile(r"^(/[\w/]*/board/\d+/read/\d+)")
_ENDED = re.compile(r"종료|품절")
_CATEGORY = re.compile(r"\[([^\]]+)\]")


def canonical_url(url: str) -> str:
    """Return the one URL of a ruliweb post, `https://bbs.ruliweb.com/…/board/1020/read/{id}` with no
    query (the bare `?`, `view=thumbnail`, `page` and tracking parameters dropped)."""
    parts = urlsplit(strip_tracking(url, keep=()))
    match = _READ.match(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, match.group(1) if match else parts.path, "", ""))


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a ruliweb hot-deal list page (either layout) into deals, in page order.

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`) and `now`
    for resolving times (default: current Asia/Seoul time). Rows are
    `table.board_list_table tr.table_body` without `.notice` / `.best` (sponsored notices and BEST
    repeats). The default view gives the id in `td.id` and the category in `td.divsn`; the thumbnail
    view gives `input.info_article_id` and a bare "[category]" text in `div.title_wrapper`. Ended:
    a "[종료]" span next to `a.subject_link`, outside the anchor. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select("table.board_list_table tr.table_body") or soup.select("tr.table_body")
    return collect(rows, lambda row: _row(row, base, moment))


def _row(row: Tag, base: str, now: datetime) -> ScrapedDeal | None:
    if has_class(row, "notice") or has_class(row, "best"):
        return None
    anchor = row.select_one("a.subject_link")
    url = absolute_url(attr(anchor, "href"), base)
    if anchor is None or url is None:
        return None
    article = row.select_one("input.info_article_id")
    post_id = (
        node_text(row.select_one("td.id"))
        or (attr(article, "value"))
        or last_number_in_path(canonical_url(url))
    )
    wrapper = anchor.find_parent(class_="title_wrapper") or anchor.find_parent("td") or row
    around = node_text(wrapper, exclude=("a.subject_link", ".num_reply"))
    category = node_text(row.select_one("td.divsn a")) or next(
        (c for c in _CATEGORY.findall(around) if not _ENDED.search(c)), None
    )
    return make_deal(
        NAME,
        post_id,
        node_text(anchor, exclude=(".num_reply", "i", "a.num_reply")),
        canonical_url(url),
        category=category,
        posted_at=parse_posted_at(node_text(row.select_one("td.time, span.time")), now),
        comments=parse_count(node_text(row.select_one(".num_reply"))),
        votes=parse_count(node_text(row.select_one("td.recomd, span.recomd strong"))),
        views=parse_count(node_text(row.select_one("td.hit, span.hit strong"))),
        ended=bool(_ENDED.search(around)),
    )
