"""Board parsers (`crawler.sources.<board>.parse`) against the saved real list pages.

Every expectation below comes from `../shared/fixtures/deals/SOURCES.md` (row counts, ended indexes,
the expected-rows tables and the per-row facts it states) or was read off the saved page itself.
`now` is set to each page's capture time so relative and partial times resolve as on the day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from types import ModuleType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from chatbot.services.deals import ScrapedDeal
from crawler.sources import (
    SOURCES,
    BoardSource,
    arca,
    clien,
    coolenjoy,
    dealbada,
    fmkorea,
    get_source,
    ppomppu,
    quasarzone,
    ruliweb,
    zod,
)
from tests.conftest import FIXTURES_DIR

KST = ZoneInfo("Asia/Seoul")
DEALS = FIXTURES_DIR / "deals"
MODULES = (ppomppu, ruliweb, quasarzone, fmkorea, arca, coolenjoy, zod, clien, dealbada)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


@dataclass(frozen=True)
class Page:
    """One saved page and what SOURCES.md says about it."""

    file: str
    module: ModuleType
    now: datetime
    count: int
    ended: tuple[int, ...]
    rows: tuple[tuple[str, str, bool], ...]  # (title, absolute link as in SOURCES.md, ended)
    base_url: str | None = None
    first_id: str | None = None
    last_id: str | None = None
    extra: dict = field(default_factory=dict)


PAGES = (
    Page(
        "ppomppu-list.html",
        ppomppu,
        kst(2026, 7, 4, 21, 33),
        21,
        (),
        (
            (
                "[옥션]1+1 소가죽 남성 핀 버클 벨트(11,800원/무료)",
                "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&page=1&divpage=114&no=717553",
                False,
            ),
            (
                "[옥션]레노마 남성 반소매 셔츠/남방 모음전 (26,980원/무배)",
                "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&page=1&divpage=114&no=717718",
                False,
            ),
            (
                "[스냅스]토이스토리5 포토굿즈 출시 기념 이벤트 40% 할인 (1,200원~/3,000원)",
                "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&page=1&divpage=114&no=717717",
                False,
            ),
        ),
        first_id="717553",
        last_id="717696",
    ),
    Page(
        "ruliweb-1020-list.html",
        ruliweb,
        kst(2026, 8, 19, 22, 47),
        28,
        (0, 8, 12, 18, 19, 21, 26),
        (
            (
                "[롯데온] 스위치2+스플래툰 레이더스+ 아미보 / 730900원",
                "https://bbs.ruliweb.com/market/board/1020/read/106481?",
                True,
            ),
            (
                "[롯데온] 찍먹 오감자 버터갈릭 10개+양념바베큐 10개 (페이19,86...",
                "https://bbs.ruliweb.com/market/board/1020/read/106480?",
                False,
            ),
            (
                "[카카오] 스위치2 +포켓몬za 727,725원",
                "https://bbs.ruliweb.com/market/board/1020/read/106479?",
                False,
            ),
        ),
        first_id="106481",
        last_id="106452",
    ),
    Page(
        "ruliweb-1020-thumbnail.html",
        ruliweb,
        kst(2026, 7, 4, 21, 33),
        28,
        (16, 22, 23),
        (
            (
                "[롯데온]빙그레 더단백드링크8종250ml14팩+14팩+14팩(49,560...",
                "https://bbs.ruliweb.com/market/board/1020/read/105373?view=thumbnail&page=1",
                False,
            ),
            (
                "[알리] OLOyDDR5 32GB(16x2)5600MHz 513,000 ...",
                "https://bbs.ruliweb.com/market/board/1020/read/105372?view=thumbnail&page=1",
                False,
            ),
            (
                "[네이버]레넨 클래식 데이팩 X-Pac 20L 백팩 107,000원",
                "https://bbs.ruliweb.com/market/board/1020/read/105371?view=thumbnail&page=1",
                False,
            ),
        ),
        base_url="https://bbs.ruliweb.com/market/board/1020?view=thumbnail&page=1",
        first_id="105373",
        last_id="105346",
    ),
    Page(
        "quasarzone-saleinfo-list.html",
        quasarzone,
        kst(2026, 7, 3, 11, 0),
        30,
        (2, 4, 8, 17, 18, 21, 22, 26, 27, 29),  # 10 rows with span.label.done, read off the page
        (
            (
                "[네이버] 삼성전자 무풍클래식 에어컨 2in1 약145만",
                "https://quasarzone.com/bbs/qb_saleinfo/views/1966852",
                False,
            ),
            ("[쿠팡] 새우깡, 90g, 6개", "https://quasarzone.com/bbs/qb_saleinfo/views/1966840", False),
            (
                "[기타] 닌텐도 스위치2 포켓몬 포코피아 세트 매장 픽업 예약",
                "https://quasarzone.com/bbs/qb_saleinfo/views/1966818",
                True,
            ),
        ),
        first_id="1966852",
    ),
    Page(
        "quasarzone-saleinfo-v2-trimmed.html",
        quasarzone,
        kst(2026, 9, 27, 12, 0),
        2,
        (),
        (
            (
                "[11번가] 알로에 수딩젤 수분크림 1000ml 2개",
                "https://quasarzone.com/bbs/qb_saleinfo/views/1988768",
                False,
            ),
            (
                "[네이버] 네이버페이 적립 29원/쇼핑라이브/12원 종합 차트 (26.9.27)",
                "https://quasarzone.com/bbs/qb_saleinfo/views/1988723",
                False,
            ),
        ),
        first_id="1988768",
        last_id="1988723",
    ),
    Page(
        "quasarzone-saleinfo-v2-abridged.html",
        quasarzone,
        kst(2026, 9, 6, 12, 0),
        2,  # SOURCES.md: 3 v2 rows incl. 1 partner ad row, which is not a deal
        (1,),
        (
            (
                "[알리] 투키 Toocki 신상 싱글풀 릴케이블 100W",
                "https://quasarzone.com/bbs/qb_saleinfo/views/1984229",
                False,
            ),
            ("[지마켓] MSI 지포스 RTX 5080", "https://quasarzone.com/bbs/qb_saleinfo/views/1984033", True),
        ),
        first_id="1984229",
        last_id="1984033",
    ),
    Page(
        "fmkorea-hotdeal-list.html",
        fmkorea,
        kst(2026, 7, 4, 21, 0),
        20,
        (13, 16),
        (
            ("더미식 국물요리 350g X 5개 골라담기", "https://www.fmkorea.com/10041875674", False),
            ("피에로구르망 큐물로 님부스 12개입", "https://www.fmkorea.com/10042050850", False),
            ("미래생활 잘풀리는집 퀼팅 광폭 30m 48롤", "https://www.fmkorea.com/10042010199", False),
        ),
        first_id="10041875674",
    ),
    Page(
        "arca-hotdeal-list.html",
        arca,
        kst(2026, 7, 3, 11, 9),
        25,
        (4, 5, 6),
        (
            (
                "케어미 손세정용 물티슈 20매 10팩 휴대용 네이버멤버십",
                "https://arca.live/b/hotdeal/175703509?p=1",
                False,
            ),
            ("파파이스 저녁 8시 이후 치킨 1+1 (상시)", "https://arca.live/b/hotdeal/175701150?p=1", False),
            (
                "테이크핏 몬스터 고함량 단백질 2종 350ml X 12입",
                "https://arca.live/b/hotdeal/175701080?p=1",
                False,
            ),
        ),
        first_id="175703509",
    ),
    Page(
        "coolenjoy-jirum-list.html",
        coolenjoy,
        kst(2026, 4, 26, 12, 0),
        28,
        (),
        (
            (
                "[네이버] [네이버쇼핑] 🔥예약구매🔥 마이크로닉스 ICEROCK CL-360 (블랙) (51,90…",
                "https://coolenjoy.net/bbs/jirum/3467907",
                False,
            ),
            (
                "[기타] 엘지티샵&폰슐랭샵X쿨엔조이 대리점 전용특판 즉시 출고 가능 부가X 고요금제X 0원부터 …",
                "https://coolenjoy.net/bbs/jirum/3454744",
                False,
            ),
            (
                "[G마켓] 👉 일상의 청결함을 확 높여주는, 워터탭 필터형 3.0 세면대 회전수도꼭지 수전 세트 …",
                "https://coolenjoy.net/bbs/jirum/3452676",
                False,
            ),
            ("[네이버] 루테인지아잔틴 4박스 24,900원 무배", "https://coolenjoy.net/bbs/jirum/3473158", False),
        ),
        first_id="3467907",
    ),
    Page(
        "zod-deal-list.html",
        zod,
        kst(2026, 7, 3, 11, 0),
        20,
        (5, 14),
        (
            ("네이버페이 포인트", "https://zod.kr/deal/8370001", False),
            (
                "펄사 [6주년] Superglide3 Glass Mousepad - Type S 미디엄",
                "https://zod.kr/deal/8368159",
                False,
            ),
            ("네이버페이 포인트", "https://zod.kr/deal/8363499", False),
        ),
        first_id="8370001",
    ),
    Page(
        "clien-jirum-list-2020.html",
        clien,
        kst(2020, 3, 12, 21, 4),
        29,
        (2, 5, 15, 18),
        (
            (
                "AdGuard 라이프타임 라이선스 할인 (19.99/29.99달러)",
                "https://www.clien.net/service/board/jirum/14702483?od=T31&po=0&category=&groupCd=",
                False,
            ),
            (
                "[Amazon US] StarTech USB-C or Thunderbolt 3 Dock ($199.75 / 미국내 무료배송)",
                "https://www.clien.net/service/board/jirum/14701788?od=T31&po=0&category=&groupCd=",
                False,
            ),
            (
                "[G마켓][스마일배송] 코카콜라 제로 190ml 30EA (10,180원)",
                "https://www.clien.net/service/board/jirum/14701050?od=T31&po=0&category=&groupCd=",
                True,
            ),
        ),
        first_id="14702483",
    ),
    Page(
        "dealbada-domestic-list-2020.html",
        dealbada,
        kst(2020, 3, 12, 20, 43),
        14,
        (2, 3, 4, 6, 8, 9, 10, 12, 13),
        (
            (
                "[11번가] 버거킹 더콰트로 콤보 (4,900원 / 무배)",
                "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507258&page=1",
                False,
            ),
            (
                "[ssg] 에어팟 프로(318,600/무료배송)",
                "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507241&page=1",
                False,
            ),
            (
                "[떠리몰] 로드스타 남녀공용 긴팔티(2,500원/무배)",
                "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507210&page=1",
                True,
            ),
        ),
        first_id="507258",
    ),
)
PAGE_IDS = [page.file for page in PAGES]


@cache
def raw(file: str) -> bytes:
    return (DEALS / file).read_bytes()


@cache
def _parsed(file: str) -> tuple[ScrapedDeal, ...]:
    page = next(p for p in PAGES if p.file == file)
    return tuple(page.module.parse(raw(file), page.base_url, now=page.now))


def deals(file: str) -> list[ScrapedDeal]:
    """The page parsed as bytes, with `now` at its capture time (cached; deals are frozen)."""
    return list(_parsed(file))


def by_id(file: str, post_id: str) -> ScrapedDeal:
    return next(d for d in deals(file) if d.post_id == post_id)


@pytest.fixture(autouse=True)
def _fixtures_present(fixtures_dir):
    """Fail clearly (via conftest) when ../shared/fixtures is missing."""


# ------------------------------------------------------------------------------------------------
# Every saved page: counts, ended rows, expected rows, invariants
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_row_count_and_ended_indexes(page: Page):
    got = deals(page.file)
    assert len(got) == page.count
    assert tuple(i for i, d in enumerate(got) if d.ended) == page.ended
    assert sum(d.ended for d in got) == len(page.ended)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_expected_rows_from_sources_md(page: Page):
    got = deals(page.file)
    for index, (title, link, ended) in enumerate(page.rows):
        assert got[index].title == title
        assert got[index].url == page.module.canonical_url(link)
        assert got[index].ended is ended


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_first_and_last_post_ids_keep_board_order(page: Page):
    got = deals(page.file)
    if page.first_id:
        assert got[0].post_id == page.first_id
    if page.last_id:
        assert got[-1].post_id == page.last_id


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_deal_is_well_formed(page: Page):
    got = deals(page.file)
    name = page.module.NAME
    for deal in got:
        assert deal.source == name
        parts = urlsplit(deal.url)
        assert parts.scheme in ("http", "https") and parts.netloc
        assert not parts.fragment
        assert deal.url == page.module.canonical_url(deal.url)  # canonical and idempotent
        assert deal.title and deal.title == deal.title.strip()
        assert "  " not in deal.title and "\n" not in deal.title
        assert not re.search(r"(?:\[\d+\]|\(\d+\))$", deal.title), deal.title  # no comment-count residue
        assert deal.post_id.isascii() and deal.post_id.isdigit()
        assert deal.post_id in deal.url
        assert deal.comments >= 0 and deal.votes >= 0
        assert deal.views is None or deal.views >= 0
        assert deal.price is None or isinstance(deal.price, int)
        if deal.posted_at is not None:
            assert deal.posted_at.tzinfo is not None
            assert deal.posted_at.utcoffset() == timedelta(hours=9)
            assert str(deal.posted_at.tzinfo) == "Asia/Seoul"
            assert deal.posted_at <= page.now + timedelta(minutes=10)
    assert len({d.post_id for d in got}) == len(got)
    assert len({d.url for d in got}) == len(got)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_bytes_and_str_give_the_same_deals(page: Page):
    data = raw(page.file)
    text = data.decode("cp949" if page.module is ppomppu else "utf-8")
    assert page.module.parse(text, page.base_url, now=page.now) == deals(page.file)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_default_now_gives_seoul_times(page: Page):
    got = page.module.parse(raw(page.file), page.base_url)
    assert len(got) == page.count
    assert all(d.posted_at is None or str(d.posted_at.tzinfo) == "Asia/Seoul" for d in got)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_row_has_a_posted_time(page: Page):
    assert all(d.posted_at is not None for d in deals(page.file))


# ------------------------------------------------------------------------------------------------
# Per-board facts
# ------------------------------------------------------------------------------------------------

PPOMPPU = "ppomppu-list.html"


def test_ppomppu_row_one():
    row = deals(PPOMPPU)[0]
    assert (row.comments, row.votes, row.views) == (12, 3, 12113)
    assert (row.shop, row.category) == ("옥션", "의류/잡화")
    assert (row.price, row.price_text, row.shipping) == (11800, "11,800원", "무료")
    assert row.posted_at == kst(2026, 7, 3, 23, 40, 46)  # from td[title], not the "26/07/03" text
    assert row.url == "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&no=717553"


def test_ppomppu_prices_shipping_and_times():
    got = deals(PPOMPPU)
    assert got[1].posted_at == kst(2026, 7, 4, 21, 10, 11)
    assert (got[1].price, got[1].shipping) == (26980, "무배")
    assert (got[2].price, got[2].price_text, got[2].shipping) == (1200, "1,200원~", "3,000원")
    assert (by_id(PPOMPPU, "717716").price, by_id(PPOMPPU, "717716").shipping) == (13490, "3,000원")
    assert by_id(PPOMPPU, "717696").price == 47250  # "(47,250/무료)": bare number
    assert sum(1 for d in got if d.comments) == 12  # span.baseList-c on 12 of 21 rows
    assert [int(d.post_id) for d in got[1:]] == sorted((int(d.post_id) for d in got[1:]), reverse=True)


def test_ppomppu_skips_notices_and_cross_board_widgets():
    urls = [d.url for d in deals(PPOMPPU)]
    assert all("id=ppomppu&" in u for u in urls)
    assert not any(board in u for u in urls for board in ("pmarket", "social", "regulation", "notice"))


def test_ppomppu_is_decoded_as_cp949():
    data = raw(PPOMPPU)
    with pytest.raises(UnicodeDecodeError):
        data.decode("euc-kr")
    assert all("\ufffd" not in d.title for d in deals(PPOMPPU))


def test_ppomppu_end2_marks_an_ended_row():
    html = raw(PPOMPPU).decode("cp949")
    marked = html.replace(
        "class='baseList-title' href=\"view.php?id=ppomppu&page=1&divpage=114&no=717718\"",
        "class='baseList-title end2' href=\"view.php?id=ppomppu&page=1&divpage=114&no=717718\"",
    )
    assert marked != html
    got = ppomppu.parse(marked, now=kst(2026, 7, 4, 21, 33))
    assert [i for i, d in enumerate(got) if d.ended] == [1]


RULI_LIST = "ruliweb-1020-list.html"
RULI_THUMB = "ruliweb-1020-thumbnail.html"


def test_ruliweb_list_row_one():
    row = deals(RULI_LIST)[0]
    assert (row.category, row.votes, row.views, row.comments) == ("게임H/W", 12, 7944, 5)
    assert row.posted_at == kst(2026, 8, 19, 19, 19)
    assert (row.shop, row.price, row.price_text) == ("롯데온", 730900, "730900원")
    assert row.url == "https://bbs.ruliweb.com/market/board/1020/read/106481"


def test_ruliweb_list_prices_and_older_dates():
    assert deals(RULI_LIST)[2].price == 727725
    assert by_id(RULI_LIST, "106460").price == 23400  # "(쿠폰23,400원)"
    assert by_id(RULI_LIST, "106478").price == 139460  # "(139,460/..." cut off by the site
    assert deals(RULI_LIST)[1].price is None  # "(페이19,86..." is a cut-off number
    assert by_id(RULI_LIST, "106468").shop is None  # "하이마트) …" has no bracket
    older = by_id(RULI_LIST, "106452")
    assert older.posted_at == kst(2026, 8, 18)  # "2026.08.18"
    assert (older.category, older.price) == ("휴대폰", 990)


def test_ruliweb_skips_best_and_notice_rows():
    ids = [d.post_id for d in deals(RULI_LIST)]
    assert "106377" not in ids and "38542" not in ids  # the two notices
    assert ids == [str(n) for n in sorted(map(int, ids), reverse=True)]


def test_ruliweb_thumbnail_view():
    row = deals(RULI_THUMB)[0]
    assert (row.category, row.comments, row.votes, row.views) == ("음식", 6, 3, 3686)
    assert row.posted_at == kst(2026, 7, 4, 18, 10)  # "날짜 18:10"
    assert row.url == "https://bbs.ruliweb.com/market/board/1020/read/105373"
    ended = deals(RULI_THUMB)[16]
    assert ended.title == "(게임터치몰)닌텐도스위치2+포켓몬za+정품케이스 759,600원"
    assert (ended.category, ended.price, ended.posted_at) == ("게임S/W", 759600, kst(2026, 7, 3))


def test_ruliweb_both_views_share_canonical_urls():
    assert ruliweb.canonical_url(
        "https://bbs.ruliweb.com/market/board/1020/read/105373?view=thumbnail&page=1"
    ) == ruliweb.canonical_url("https://bbs.ruliweb.com/market/board/1020/read/105373?")


QZ = "quasarzone-saleinfo-list.html"
QZ_TRIM = "quasarzone-saleinfo-v2-trimmed.html"
QZ_ABR = "quasarzone-saleinfo-v2-abridged.html"


def test_quasarzone_legacy_row_facts():
    row = deals(QZ)[0]
    assert (row.price, row.price_text) == (2046670, "￦ 2,046,670 (KRW)")
    assert (row.shipping, row.shop, row.category) == ("무료설치", "네이버", "가전/TV")
    assert (row.views, row.votes, row.comments) == (85, 1, 0)
    assert row.posted_at == kst(2026, 7, 3, 10, 57)  # "3분 전"
    second = deals(QZ)[1]
    assert (second.price, second.shipping, second.shop, second.comments) == (3910, "무료", "쿠팡", 4)


def test_quasarzone_legacy_prices_shipping_counts():
    assert (by_id(QZ, "1966791").price, by_id(QZ, "1966791").shipping) == (139000, "3,000")  # 배송비 3,000
    assert by_id(QZ, "1966817").shipping == "와우회원무료"
    assert by_id(QZ, "1966705").price == 587430  # "￦ 587,430원 (KRW)"
    assert by_id(QZ, "1966818").views == 2900  # "2.9k"
    assert by_id(QZ, "1966548").views == 11900  # "11.9k"
    assert by_id(QZ, "1966540").posted_at == kst(2026, 7, 2)  # "07-02"
    assert sum(1 for d in deals(QZ) if d.comments) == 24  # span.ctn-count on 24 of 30 rows


def test_quasarzone_v2_trimmed():
    first, second = deals(QZ_TRIM)
    assert (first.price, first.price_text, first.shop, first.shipping) == (9900, "￦9,900", "11번가", "무료")
    assert (first.category, first.views, first.comments, first.votes) == ("생활/식품", 159, 0, 0)
    assert first.posted_at == kst(2026, 9, 27, 11, 38)  # "22분 전"
    assert (second.views, second.comments, second.votes, second.price) == (2900, 13, 37, 10)  # "2.9천"
    assert second.posted_at == kst(2026, 9, 27, 1, 0)  # "11시간 전"
    assert second.shop == "네이버"  # no logo: the title's bracket


def test_quasarzone_v2_abridged_ended_and_partner_row():
    got = deals(QZ_ABR)
    assert [d.post_id for d in got] == ["1984229", "1984033"]
    assert not any("partnersaleinfo" in d.url for d in got)
    foreign = got[0]
    assert (foreign.price, foreign.price_text, foreign.shop, foreign.shipping) == (
        None,
        "$4.64",
        "알리",
        "0.99",
    )
    assert (got[1].price, got[1].ended, got[1].posted_at) == (2405000, True, kst(2026, 9, 4))


def test_quasarzone_v2_page_under_a_partner_board_url_keeps_only_that_board():
    got = quasarzone.parse(raw(QZ_ABR), "https://quasarzone.com/bbs/qb_partnersaleinfo", now=kst(2026, 9, 6))
    assert got == []  # the partner row is an ad even there; the others belong to qb_saleinfo


FM = "fmkorea-hotdeal-list.html"


def test_fmkorea_row_one_and_conditional_shipping():
    row = deals(FM)[0]
    assert (row.shop, row.price, row.price_text, row.shipping) == ("지마켓", 13800, "13,800원", "무료")
    assert (row.category, row.comments, row.votes) == ("먹거리", 0, 0)
    assert row.posted_at == kst(2026, 7, 4, 20, 59)
    assert deals(FM)[1].comments == 5 and deals(FM)[1].votes == 4
    shipping = {d.shipping for d in deals(FM)}
    assert {"와우무배", "1만5천원무료", "네멤무료"} <= shipping


def test_fmkorea_canonical_url_forms():
    assert fmkorea.canonical_url(
        "https://www.fmkorea.com/index.php?mid=hotdeal&document_srl=10039463106"
    ) == ("https://www.fmkorea.com/10039463106")
    assert fmkorea.canonical_url("https://www.fmkorea.com/10039463106?utm_source=x#comment") == (
        "https://www.fmkorea.com/10039463106"
    )


ARCA = "arca-hotdeal-list.html"


def test_arca_row_one():
    row = deals(ARCA)[0]
    assert row.post_id == "175703509"  # the URL id, not the board number 51538
    assert (row.shop, row.category, row.price, row.shipping) == ("네이버", "생활용품", 3900, "무료")
    assert (row.comments, row.views, row.votes) == (1, 256, 1)
    assert row.posted_at == kst(2026, 7, 3, 10, 56, 27)  # 2026-07-03T01:56:27.000Z
    assert row.url == "https://arca.live/b/hotdeal/175703509"


def test_arca_skips_notices_and_the_other_channel_ad():
    urls = [d.url for d in deals(ARCA)]
    assert all(u.startswith("https://arca.live/b/hotdeal/") for u in urls)
    assert not any(u.endswith(("/6457546", "/2")) for u in urls)


COOL = "coolenjoy-jirum-list.html"


def test_coolenjoy_pinned_and_regular_rows():
    got = deals(COOL)
    pinned, regular = got[:3], got[3:]
    assert [d.posted_at for d in pinned] == [kst(2026, 4, 17), kst(2026, 4, 1), kst(2026, 3, 30)]
    assert len(regular) == 25
    assert (pinned[0].shop, pinned[0].price, pinned[0].comments, pinned[0].views) == (
        "네이버",
        51900,
        27,
        11000,
    )
    assert (pinned[0].category, pinned[0].votes) == ("PC관련", 6)
    assert pinned[1].price == -10000  # the phone dealer's "-10,000원"
    first = regular[0]
    assert (first.shop, first.price, first.shipping, first.category) == ("네이버", 24900, "무배", "식품")
    assert (first.comments, first.posted_at) == (11, kst(2026, 4, 25))
    assert not any(d.ended for d in got)


def test_coolenjoy_price_field_without_a_number():
    no_price = [d for d in deals(COOL) if d.price is None]
    assert len(no_price) == 4  # "본문참고"
    assert all(d.price_text is None for d in no_price)


def test_coolenjoy_canonical_url_forms():
    assert coolenjoy.canonical_url(
        "https://coolenjoy.net/bbs/board.php?bo_table=jirum&wr_id=3473158&page=2"
    ) == ("https://coolenjoy.net/bbs/jirum/3473158")


ZOD = "zod-deal-list.html"


def test_zod_rows():
    got = deals(ZOD)
    assert (got[0].shop, got[0].price, got[0].shipping) == ("네이버", 0, "무료")
    assert (got[0].comments, got[0].votes, got[0].category) == (10, 13, None)
    assert got[0].posted_at == kst(2026, 7, 3, 6, 55, 30)  # dd[title], shown as "4시간 전"
    assert (got[1].shop, got[1].price, got[1].shipping) == ("펄사 공식홈페이지", 44500, "3,000원")
    assert got[1].posted_at == kst(2026, 7, 2, 21, 58, 26)
    assert got[4].shop == "네이버"  # "[시크릿] …" is not a shop
    assert not any("deal_partner" in d.url for d in got)


CLIEN = "clien-jirum-list-2020.html"


def test_clien_rows():
    got = deals(CLIEN)
    assert (got[0].comments, got[0].category, got[0].views) == (28, "해외구매정보", 3037)
    assert got[0].posted_at == kst(2020, 3, 12, 17, 30, 31)
    assert got[0].price is None  # "(19.99/29.99달러)"
    assert (got[1].price, got[1].price_text, got[1].shipping) == (None, "$199.75", "미국내 무료배송")
    assert (got[2].shop, got[2].price, got[2].ended) == ("G마켓", 10180, True)
    assert got[2].url == "https://www.clien.net/service/board/jirum/14701050"
    assert by_id(CLIEN, "14700774").price == 18420  # "(스마일클럽 18,420원/무료)"


def test_clien_skips_notice_promotion_and_deleted_items():
    ids = {d.post_id for d in deals(CLIEN)}
    assert len(ids) == 29
    assert all("삭제된 게시물" not in d.title for d in deals(CLIEN))


BADA = "dealbada-domestic-list-2020.html"


def test_dealbada_rows():
    got = deals(BADA)
    first = got[0]
    assert (first.shop, first.price, first.shipping, first.category) == ("11번가", 4900, "무배", "식품/건강")
    assert (first.comments, first.votes, first.views) == (3, 3, 1406)
    assert first.posted_at == kst(2020, 3, 12, 11, 48)
    assert first.url == "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507258"
    assert (got[1].price, got[1].shipping) == (318600, "무료배송")
    assert got[2].posted_at == kst(2020, 3, 11)  # "03-11"
    assert (got[4].title, got[4].ended) == ("블라인드 처리된 게시물입니다.", True)
    assert "이용안내" not in " ".join(d.title for d in got)  # the notice


# ------------------------------------------------------------------------------------------------
# Robustness
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
@pytest.mark.parametrize(
    "html", ["", b"", "<html></html>", b"\x00\xff\xfe garbage", "<div class='list-table'>"]
)
def test_empty_or_junk_pages_give_no_deals(module, html):
    assert module.parse(html) == []


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_other_boards_pages_give_no_deals(module):
    for page in PAGES:
        if page.module is module:
            continue
        assert module.parse(raw(page.file), now=page.now) == [], page.file


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_truncated_pages_give_a_prefix_never_an_exception(page: Page):
    full = deals(page.file)
    full_ids = [d.post_id for d in full]
    data = raw(page.file)
    for cut in (len(data) // 3, len(data) // 2, len(data) - 200):
        got = page.module.parse(data[:cut], page.base_url, now=page.now)
        assert len(got) <= len(full)
        assert [d.post_id for d in got] == full_ids[: len(got)]


def test_a_row_without_title_or_link_is_skipped_not_fatal():
    html = raw(ZOD).decode()
    broken = html.replace('<a class="tw:flex-1" href="/deal/8370001">', '<a class="tw:flex-1">', 1)
    broken = broken.replace("네이버페이 포인트                </span>", "</span>", 1)
    got = zod.parse(broken, now=kst(2026, 7, 3, 11))
    assert len(got) == 19 and got[0].post_id == "8368159"


def test_rows_without_optional_parts_still_parse():
    html = """<table class="board_list_table"><tr class="table_body blocktarget">
      <td class="subject"><a class="subject_link" href="/market/board/1020/read/123">제목만 있는 글</a></td>
    </tr></table>"""
    (deal,) = ruliweb.parse(html)
    assert (deal.post_id, deal.title, deal.comments, deal.votes) == ("123", "제목만 있는 글", 0, 0)
    assert (deal.price, deal.views, deal.posted_at, deal.category) == (None, None, None, None)
    assert deal.url == "https://bbs.ruliweb.com/market/board/1020/read/123"


# ------------------------------------------------------------------------------------------------
# canonical_url and the registry
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "url", "expected"),
    [
        (
            ppomppu,
            "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&page=3&divpage=114&&no=717553&utm_source=x#c",
            "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&no=717553",
        ),
        (
            ruliweb,
            "https://bbs.ruliweb.com/market/board/1020/read/105373?view=thumbnail&page=1#cmt",
            "https://bbs.ruliweb.com/market/board/1020/read/105373",
        ),
        (
            quasarzone,
            "https://quasarzone.com/bbs/qb_saleinfo/views/1966852?page=2&fbclid=abc",
            "https://quasarzone.com/bbs/qb_saleinfo/views/1966852",
        ),
        (arca, "https://arca.live/b/hotdeal/175703509?p=1", "https://arca.live/b/hotdeal/175703509"),
        (zod, "https://zod.kr/deal/8370001?page=2", "https://zod.kr/deal/8370001"),
        (
            clien,
            "https://www.clien.net/service/board/jirum/14702483?od=T31&po=0&category=&groupCd=#comment-point",
            "https://www.clien.net/service/board/jirum/14702483",
        ),
        (
            dealbada,
            "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507258&page=1&gclid=z",
            "http://www.dealbada.com/bbs/board.php?bo_table=deal_domestic&wr_id=507258",
        ),
        (
            coolenjoy,
            "https://coolenjoy.net/bbs/jirum/3473158?page=3",
            "https://coolenjoy.net/bbs/jirum/3473158",
        ),
    ],
)
def test_canonical_url(module, url, expected):
    assert module.canonical_url(url) == expected
    assert module.canonical_url(expected) == expected


def test_registry_lists_every_board_module():
    assert set(SOURCES) == {m.NAME for m in MODULES}
    for module in MODULES:
        source = SOURCES[module.NAME]
        assert isinstance(source, BoardSource)
        assert source.name == module.NAME == module.__name__.rsplit(".", 1)[-1]
        assert source.display_name == module.DISPLAY_NAME and source.list_url == module.LIST_URL
        assert source.parse is module.parse and source.canonical_url is module.canonical_url
        assert source.live or source.note
    assert [SOURCES[n].display_name for n in ("ppomppu", "ruliweb", "quasarzone", "fmkorea", "arca")] == [
        "뽐뿌",
        "루리웹",
        "퀘이사존",
        "에펨코리아",
        "아카라이브",
    ]


def test_registry_live_flags():
    assert SOURCES["fmkorea"].live is False and "robots" in SOURCES["fmkorea"].note
    assert SOURCES["zod"].live is False
    assert SOURCES["dealbada"].live is False
    assert all(SOURCES[n].live for n in ("ppomppu", "ruliweb", "quasarzone", "arca", "coolenjoy", "clien"))


def test_registry_parses_saved_pages_regardless_of_live():
    page = next(p for p in PAGES if p.file == FM)
    source = get_source("fmkorea")
    assert source.parse(raw(FM), source.list_url, now=page.now) == deals(FM)
    assert source.parse_page(raw(FM), now=page.now) == deals(FM)


def test_get_source_unknown_name_lists_known_boards():
    assert get_source(" Ruliweb ") is SOURCES["ruliweb"]
    with pytest.raises(KeyError) as info:
        get_source("nope")
    message = str(info.value)
    assert "nope" in message and all(name in message for name in SOURCES)


def test_board_source_is_frozen():
    with pytest.raises(AttributeError):
        SOURCES["ppomppu"].live = False  # type: ignore[misc]
