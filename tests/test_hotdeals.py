"""Hot deals end to end: saved board pages -> `flask crawl --file` -> DB + Redis -> `hotdeals` skill."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from chatbot.models import Crawl, Deal
from chatbot.services import deals as deal_service
from crawler.sources import SOURCES
from tests.conftest import FIXTURES_DIR, texts_of

DEALS = FIXTURES_DIR / "deals"

# Every saved list page and the board it belongs to (SOURCES.md).
SAVED_PAGES = {
    "ppomppu-list.html": "ppomppu",
    "ruliweb-1020-list.html": "ruliweb",
    "ruliweb-1020-thumbnail.html": "ruliweb",
    "quasarzone-saleinfo-list.html": "quasarzone",
    "quasarzone-saleinfo-v2-trimmed.html": "quasarzone",
    "quasarzone-saleinfo-v2-abridged.html": "quasarzone",
    "fmkorea-hotdeal-list.html": "fmkorea",
    "arca-hotdeal-list.html": "arca",
    "coolenjoy-jirum-list.html": "coolenjoy",
    "zod-deal-list.html": "zod",
    "clien-jirum-list-2020.html": "clien",
    "dealbada-domestic-list-2020.html": "dealbada",
}
# One page per board: the board's latest crawl.
LATEST_PAGES = {
    "ppomppu": "ppomppu-list.html",
    "ruliweb": "ruliweb-1020-list.html",
    "quasarzone": "quasarzone-saleinfo-list.html",
    "fmkorea": "fmkorea-hotdeal-list.html",
    "arca": "arca-hotdeal-list.html",
    "coolenjoy": "coolenjoy-jirum-list.html",
    "zod": "zod-deal-list.html",
    "clien": "clien-jirum-list-2020.html",
    "dealbada": "dealbada-domestic-list-2020.html",
}


def ingest_file(runner, board: str, filename: str) -> None:
    result = runner.invoke(args=["crawl", "--source", board, "--file", str(DEALS / filename)])
    assert result.exit_code == 0, result.output
    assert "ingested" in result.output


def parsed(board: str, filename: str):
    return SOURCES[board].parse((DEALS / filename).read_bytes(), SOURCES[board].list_url)


def links_in(body: dict) -> list[str]:
    links = []
    for output in body["template"]["outputs"]:
        for card in output.get("carousel", {}).get("items", []):
            links += [item["link"]["web"] for item in card.get("items", [])]
    return links


def all_pages(kakao, **kwargs) -> list[dict]:
    """Follow the "다음 ▶" quickReply (its clientExtra) until the last page."""
    pages = [kakao.call("hotdeals", **kwargs)]
    while True:
        nxt = [q for q in pages[-1]["template"].get("quickReplies", []) if q["label"].startswith("다음")]
        if not nxt:
            return pages
        assert len(pages) < 50
        pages.append(kakao.call("hotdeals", nxt[0]["messageText"], client_extra=nxt[0]["extra"]))


def test_an_empty_cache_answers_preparing_at_once(kakao):
    body = kakao.call("hotdeals", "핫딜")
    assert "준비" in texts_of(body)
    assert len(body["template"]["outputs"]) == 1


@pytest.mark.parametrize("filename,board", sorted(SAVED_PAGES.items()))
def test_each_saved_page_is_listed_with_titles_and_links_from_the_page(runner, kakao, filename, board):
    ingest_file(runner, board, filename)
    live = [d for d in parsed(board, filename) if not d.ended]
    pages = all_pages(kakao, client_extra={"board": board})
    shown = [link for page in pages for link in links_in(page)]
    assert shown == [d.url for d in live]
    text = "\n".join(texts_of(p) for p in pages)
    for deal in live:
        assert deal.title[:20] in text
    assert "기준" in texts_of(pages[0])


def test_every_board_filter_and_paging_over_all_boards(runner, kakao, rt):
    for board, filename in LATEST_PAGES.items():
        ingest_file(runner, board, filename)
    expected: dict[str, list[str]] = {
        board: [d.url for d in parsed(board, filename) if not d.ended]
        for board, filename in LATEST_PAGES.items()
    }
    for board, urls in expected.items():
        shown = [link for page in all_pages(kakao, client_extra={"board": board}) for link in links_in(page)]
        assert shown == urls, board
        # the Korean board name works as the param too
        korean = SOURCES[board].display_name
        first = kakao.call("hotdeals", params={"board": korean})
        assert links_in(first) == urls[:20]
    everything = [link for page in all_pages(kakao) for link in links_in(page)]
    assert sorted(everything) == sorted(u for urls in expected.values() for u in urls)
    assert len(everything) == len(set(everything))


def test_ended_deals_are_never_offered_as_live(runner, kakao):
    ingest_file(runner, "ruliweb", "ruliweb-1020-list.html")
    ended = [d for d in parsed("ruliweb", "ruliweb-1020-list.html") if d.ended]
    assert len(ended) == 7
    shown = {link for page in all_pages(kakao, client_extra={"board": "ruliweb"}) for link in links_in(page)}
    assert shown and not shown & {d.url for d in ended}


def test_filters_by_keyword_category_and_utterance(runner, kakao):
    ingest_file(runner, "ppomppu", "ppomppu-list.html")
    ingest_file(runner, "arca", "arca-hotdeal-list.html")
    body = kakao.call("hotdeals", params={"keyword": "벨트"})
    assert any("벨트" in item for item in texts_of(body).splitlines())
    assert all("ppomppu" in link for link in links_in(body))

    body = kakao.call("hotdeals", params={"category": "생활용품"})
    arca = {d.url: d for d in parsed("arca", "arca-hotdeal-list.html")}
    assert links_in(body) and all(arca[link].category == "생활용품" for link in links_in(body))

    body = kakao.call("hotdeals", "뽐뿌 핫딜")
    assert links_in(body) and all("ppomppu.co.kr" in link for link in links_in(body))

    body = kakao.call("hotdeals", "핫딜 존재하지않는물건이름")
    assert "없어요" in texts_of(body)
    assert [q for q in body["template"]["quickReplies"] if q["label"] == "전체 핫딜"]


def test_a_cache_miss_is_rebuilt_from_the_database(runner, kakao, rt):
    ingest_file(runner, "zod", "zod-deal-list.html")
    before = links_in(kakao.call("hotdeals"))
    rt.redis.delete(deal_service.SNAPSHOT_KEY, deal_service.SNAPSHOT_VERSION_KEY)
    assert links_in(kakao.call("hotdeals")) == before
    assert rt.redis.exists(deal_service.SNAPSHOT_KEY)


def test_a_board_shows_only_its_latest_crawl_and_history_is_kept(runner, kakao, rt, tmp_path: Path):
    ingest_file(runner, "zod", "zod-deal-list.html")
    first = parsed("zod", "zod-deal-list.html")
    assert len(links_in(kakao.call("hotdeals", client_extra={"board": "zod"}))) == 18  # 20 rows, 2 ended
    # A later capture of the same board that lists only the first deal.
    html = (DEALS / "zod-deal-list.html").read_text(encoding="utf-8")
    later = tmp_path / "zod-later.html"
    later.write_text(_keep_first_row(html, first[0].post_id), encoding="utf-8")
    ingest_file(runner, "zod", str(later))
    shown = links_in(kakao.call("hotdeals", client_extra={"board": "zod"}))
    assert shown == [first[0].url]
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == len({d.url for d in first})
        assert session.scalar(select(func.count()).select_from(Crawl).where(Crawl.source == "zod")) == 2


def test_ingesting_the_same_page_twice_keeps_one_row_per_deal(runner, rt):
    ingest_file(runner, "ppomppu", "ppomppu-list.html")
    ingest_file(runner, "ppomppu", "ppomppu-list.html")
    with rt.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Deal))
    assert count == len(parsed("ppomppu", "ppomppu-list.html"))


def test_both_ruliweb_layouts_dedupe_by_canonical_url(rt):
    from crawler.pipeline import ingest

    src = SOURCES["ruliweb"]
    thumb = (DEALS / "ruliweb-1020-thumbnail.html").read_bytes()
    ingest(rt, src, thumb, origin="file")
    ingest(rt, src, thumb, origin="file")
    with rt.sessions() as session:
        urls = session.scalars(select(Deal.url)).all()
    assert len(urls) == len(set(urls)) == 28
    assert all("?" not in url for url in urls)


def test_unknown_board_or_missing_file_is_a_clear_cli_error(runner):
    result = runner.invoke(args=["crawl", "--source", "nope", "--file", str(DEALS / "zod-deal-list.html")])
    assert result.exit_code != 0 and "nope" in result.output
    result = runner.invoke(args=["crawl", "--source", "zod", "--file", "/no/such/file.html"])
    assert result.exit_code != 0


def _keep_first_row(html: str, post_id: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for li in soup.select("ul.app-board-template-list > li"):
        link = li.select_one('a[href^="/deal/"]')
        if link is None or not link["href"].endswith(post_id):
            li.decompose()
    return str(soup)


def test_an_unrelated_utterance_is_not_taken_as_a_keyword(runner, kakao):
    ingest_file(runner, "ppomppu", "ppomppu-list.html")
    body = kakao.call("hotdeals", "테스트")
    assert len(links_in(body)) == 20
    body = kakao.call("hotdeals", "핫딜 테스트용없는단어")
    assert links_in(body) == []


def test_file_ingest_works_on_the_embedded_defaults(tmp_path):
    """`make run` has no Redis server: the in-process cache must support the crawler's lock."""
    from chatbot import create_app
    from chatbot.config import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'embedded.db'}", redis_url=None))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    ingest_file(runner, "ppomppu", "ppomppu-list.html")
    from tests.conftest import Kakao

    body = Kakao(app.test_client()).call("hotdeals", "핫딜")
    assert len(links_in(body)) == 20
