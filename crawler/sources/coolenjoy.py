"""쿨엔조이 지름/알뜰정보 (jirum) list page parser.

Source: `https://coolenjoy.net/bbs/jirum` (gnuboard / Nariya BS4-Basic-List-jirum skin), as described
in `../shared/fixtures/deals/SOURCES.md` § "coolenjoy-jirum-list.html".
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
    make_deal,
    make_soup,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    query_param,
    strip_tracking,
)

NAME = "coolenjoy"
DISPLAY_NAME = "쿨엔조이"
LIST_URL = "https://coolenjoy.net/bbs/jirum"

_POST = re.compile(r"^/bbs/([\w-]+)/(\d+)/?$")


def canonical_url(url: str) -> str:
    """Return the one URL of a coolenjoy post, `https://coolenjoy.net/bbs/{bo_table}/{wr_id}`, also for
    `/bbs/board.php?bo_table=…&wr_id=…` links; other URLs are only stripped of tracking."""
    parts = urlsplit(strip_tracking(url))
    table, wr_id = query_param(url, "bo_table"), query_param(url, "wr_id")
    if table and wr_id:
        return urlunsplit((parts.scheme, parts.netloc, f"/bbs/{table}/{wr_id}", "", ""))
    if _POST.match(parts.path):
        return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return urlunsplit(parts)


def parse(
    html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
) -> list[ScrapedDeal]:
    """Parse a coolenjoy jirum list page into deals, in page order (pinned rows first, as shown).

    Takes the page as `str` or UTF-8 `bytes`, the page URL `base_url` (default `LIST_URL`) and `now`
    for resolving "04.25" / "26.03.30" dates (default: current Asia/Seoul time). Rows are
    `section#bo_list ul.na-table > li` with an `a.na-subject` post link; the pinned sponsor rows
    (`li.bg-light`) are kept like the others, since the board lists them. Columns after the title
    are found by their `span.sr-only` label (가격, 등록일, 조회, 추천). The board has no ended marker,
    so `ended` is always False. Never raises on odd markup.
    """
    base = base_url or LIST_URL
    moment = now_kst(now)
    soup = make_soup(html)
    rows = soup.select("#bo_list ul.na-table > li") or soup.select("ul.na-table > li")
    return collect(rows, lambda row: _row(row, base, moment))


def _columns(row: Tag) -> dict[str, str]:
    """Map each `span.sr-only` label of the row to the text that follows it in its cell."""
    out: dict[str, str] = {}
    for label in row.select("span.sr-only"):
        cell = label.parent
        name = node_text(label)
        if cell is None or name in out:
            continue
        out[name] = clean_text(node_text(cell, exclude=("span.sr-only", ".sv", "noscript")))
    return out


def _row(row: Tag, base: str, now: datetime) -> ScrapedDeal | None:
    anchor = row.select_one("a.na-subject")
    url = absolute_url(attr(anchor, "href"), base)
    if url is None:
        return None
    url = canonical_url(url)
    match = _POST.match(urlsplit(url).path)
    if match is None:
        return None
    cols = _columns(row)
    return make_deal(
        NAME,
        match.group(2),
        node_text(anchor),
        url,
        price_text=cols.get("가격", ""),
        category=node_text(row.select_one('[id="abcd"]')),
        posted_at=parse_posted_at(cols.get("등록일"), now),
        comments=parse_count(node_text(row.select_one("span.count-plus"))),
        votes=parse_count(cols.get("추천")),
        views=parse_count(cols.get("조회")),
    )
