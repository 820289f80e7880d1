"""Registry of the hot-deal boards: one pure parser module per board (DESIGN.md §6).

`SOURCES` maps each board name (lowercase ASCII, the module name, what `flask crawl --source` and the
`board` param take) to a `BoardSource`. Every board can parse a saved page (`--file`); `live` says
whether the crawler may fetch its list page, with the reason in `note` when not. Selectors, markers
and robots facts come from `../shared/fixtures/deals/SOURCES.md`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType

from chatbot.services.deals import ScrapedDeal
from crawler.sources import arca, clien, coolenjoy, dealbada, fmkorea, ppomppu, quasarzone, ruliweb, zod

ParseFn = Callable[..., list[ScrapedDeal]]


@dataclass(frozen=True, slots=True)
class BoardSource:
    """One hot-deal board.

    - `name`: lowercase ASCII board name (= module name); `display_name`: Korean name for users.
    - `list_url`: the list page the crawler fetches (page 1).
    - `parse(html: str | bytes, base_url: str | None = None, *, now: datetime | None = None)`
      -> `list[ScrapedDeal]`, pure; `canonical_url(url) -> str`.
    - `live`: False when the board must not be fetched live (saved pages only); `note`: why, or
      other operating facts.
    """

    name: str
    display_name: str
    list_url: str
    parse: ParseFn
    canonical_url: Callable[[str], str]
    live: bool = True
    note: str = ""

    def parse_page(
        self, html: str | bytes, base_url: str | None = None, *, now: datetime | None = None
    ) -> list[ScrapedDeal]:
        """Parse one list page of this board (see the module's `parse`); base_url defaults to list_url."""
        return self.parse(html, base_url or self.list_url, now=now)


def _source(module: ModuleType, *, live: bool = True, note: str = "") -> BoardSource:
    return BoardSource(
        name=module.NAME,
        display_name=module.DISPLAY_NAME,
        list_url=module.LIST_URL,
        parse=module.parse,
        canonical_url=module.canonical_url,
        live=live,
        note=note,
    )


SOURCES: dict[str, BoardSource] = {
    source.name: source
    for source in (
        _source(
            ppomppu,
            note="robots.txt (2026-09) allows /zboard/ for User-agent *; page is CP949.",
        ),
        _source(
            ruliweb,
            note="Default list view only: robots.txt disallows /*view= (thumbnail view) and /*cate=.",
        ),
        _source(
            quasarzone,
            note="No robots.txt copy found; parser reads both the legacy table and the 2026-09 v2 layout.",
        ),
        _source(
            fmkorea,
            live=False,
            note="robots.txt 차단: User-agent * 에 /hotdeal 및 게시물 경로 Disallow (2026-09-17 측정). "
            "Saved pages only (--file).",
        ),
        _source(
            arca,
            note="robots.txt (2026-09) allows / except /u/, /b/my and edit paths; Cloudflare may challenge.",
        ),
        _source(
            coolenjoy,
            note="No robots.txt copy found; board has no ended marker. RSS: /bbs/rss.php?bo_table=jirum.",
        ),
        _source(
            zod,
            live=False,
            note="봇 차단 사이트: 브라우저 위장 없이는 목록을 받을 수 없음 (SOURCES.md). "
            "Saved pages only (--file); robots.txt unknown.",
        ),
        _source(
            clien,
            note="robots.txt allows /service/board/ (disallows /*?* elsewhere; returned 404 to bot UAs). "
            "Only a 2020 capture exists, current crawlers use the same selectors.",
        ),
        _source(
            dealbada,
            live=False,
            note="2020년 캡처뿐: 현재 마크업과 robots.txt 미확인 (only a 2020 http capture; markup and "
            "robots.txt unverified). Saved pages only (--file) until a current page is checked.",
        ),
    )
}


def get_source(name: str) -> BoardSource:
    """Return the `BoardSource` named `name` (case and surrounding spaces ignored).

    Raises `KeyError` whose message lists the known board names when there is no such board.
    """
    key = (name or "").strip().lower()
    try:
        return SOURCES[key]
    except KeyError:
        raise KeyError(f"unknown deal board {name!r}; known boards: {', '.join(sorted(SOURCES))}") from None


__all__ = ["SOURCES", "BoardSource", "get_source"]
