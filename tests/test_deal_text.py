"""The shared text helpers of the board parsers (`crawler.sources._common`).

The forms come from the boards' conventions listed in `../shared/fixtures/deals/SOURCES.md`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.sources._common import (
    TitlePrice,
    absolute_url,
    charset_of,
    clean_text,
    decode_html,
    make_deal,
    node_text,
    now_kst,
    parse_count,
    parse_posted_at,
    parse_price_krw,
    parse_shipping,
    shop_from_title,
    strip_tracking,
    title_price,
)

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 7, 4, 21, 33, 0, tzinfo=KST)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# ------------------------------------------------------------------------------------------------
# Prices
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11,800원", 11800),
        ("(11,800원/무료)", 11800),
        ("(26,980원/무배)", 26980),
        ("(1,200원~/3,000원)", 1200),
        ("1,200원~", 1200),
        ("/ 730900원", 730900),
        ("727,725원", 727725),
        ("￦ 2,046,670 (KRW)", 2046670),
        ("￦ 587,430원 (KRW)", 587430),
        ("￦9,900", 9900),
        ("₩16,000", 16000),
        ("￦10", 10),
        ("￦ 0 (KRW)", 0),
        ("0원", 0),
        ("(쿠폰23,400원)", 23400),
        ("스마일클럽 18,420원", 18420),
        ("-10,000원", -10000),
        ("약145만", 1_450_000),
        ("145만원", 1_450_000),
        ("2.5만원", 25_000),
        ("1만5천원", 15_000),
        ("5천원", 5_000),
        ("47,250", 47250),
        ("(47,250/무료)", 47250),
        ("390000", 390000),
        ("  13,800원  ", 13800),
        ("무료", 0),
        ("(무료/무료)", 0),
    ],
)
def test_parse_price_krw(text, expected):
    assert parse_price_krw(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "본문참고",
        "$4.64",
        "$ 12 (USD)",
        "19.99달러",
        "$199.75",
        "€15",
        "0.99",
        "19,86...",
        "가격다양",
    ],
)
def test_parse_price_krw_gives_none_for_non_won(text):
    assert parse_price_krw(text) is None


# ------------------------------------------------------------------------------------------------
# Prices and shipping inside titles
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[옥션]1+1 소가죽 남성 핀 버클 벨트(11,800원/무료)", TitlePrice(11800, "11,800원", "무료")),
        ("[옥션]레노마 셔츠 모음전 (26,980원/무배)", TitlePrice(26980, "26,980원", "무배")),
        ("[스냅스]포토굿즈 40% 할인 (1,200원~/3,000원)", TitlePrice(1200, "1,200원~", "3,000원")),
        ("[지마켓]반바지 5종 택1 (13,490원/3,000원)", TitlePrice(13490, "13,490원", "3,000원")),
        ("[11번가] 버거킹 더콰트로 콤보 (4,900원 / 무배)", TitlePrice(4900, "4,900원", "무배")),
        ("[ssg] 에어팟 프로(318,600/무료배송)", TitlePrice(318600, "318,600", "무료배송")),
        ("[g마켓]횡성한우 (47,250/무료)", TitlePrice(47250, "47,250", "무료")),
        ("[롯데온]폴햄 면반팔 3+1팩 (16,450원/유배)", TitlePrice(16450, "16,450원", "유배")),
        ("[롯데온] 스위치2+스플래툰 레이더스+ 아미보 / 730900원", TitlePrice(730900, "730900원", None)),
        ("[카카오] 스위치2 +포켓몬za 727,725원", TitlePrice(727725, "727,725원", None)),
        ("[네이버] 무선헤드셋(139,460/...", TitlePrice(139460, "139,460", None)),
        ("[네이버] 세트 (772,800원/3,00...", TitlePrice(772800, "772,800원", None)),
        ("[쿠팡와우] 환타 제로 (12,850원/무료...", TitlePrice(12850, "12,850원", "무료")),
        ("[지마켓] 논알콜릭 350ml 24캔 2박스(쿠폰23,400원)", TitlePrice(23400, "쿠폰23,400원", None)),
        ("[네이버] 루테인지아잔틴 4박스 24,900원 무배", TitlePrice(24900, "24,900원", "무배")),
        ("[H2몰] XBOX GTA6 예약판매 (코드) / 89,800원 무료배송", TitlePrice(89800, "89,800원", "무료배송")),
        ("[네이버] 삼성전자 무풍클래식 에어컨 2in1 약145만", TitlePrice(1_450_000, "약145만", None)),
        ("[G마켓][스마일배송] 코카콜라 제로 190ml 30EA (10,180원)", TitlePrice(10180, "10,180원", None)),
        ("[G마켓] 핫식스 (스마일클럽 18,420원/무료)", TitlePrice(18420, "스마일클럽 18,420원", "무료")),
        ("하이마트) 듀얼센스 미드나이트 블랙(67000,무료)", TitlePrice(67000, "67000", "무료")),
        (
            "[G마켓] (스마일카드만) 컬처랜드 45만원 10%할인 (416,250원/무료)",
            TitlePrice(416250, "416,250원", "무료"),
        ),
        ("[스팀] 정글 게임 랩 인디게임 18종 (무료/무료)", TitlePrice(0, "무료", "무료")),
        ("[CGV] 영화 호프 본편+언택트톡 7/11,7/12 ₩16,000", TitlePrice(16000, "₩16,000", None)),
        ("[Amazon US] Dock ($199.75 / 미국내 무료배송)", TitlePrice(None, "$199.75", "미국내 무료배송")),
        ("AdGuard 라이프타임 라이선스 할인 (19.99/29.99달러)", TitlePrice(None, "19.99/29.99달러", None)),
        ("[지마켓] 백원딜 코튼 화장솜 100/무료배송)", TitlePrice(None, None, "무료배송")),
    ],
)
def test_title_price(title, expected):
    assert title_price(title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "",
        None,
        "[롯데온] 찍먹 오감자 버터갈릭 10개+양념바베큐 10개 (페이19,86...",
        "[롯데온]빙그레 더단백드링크8종250ml14팩(49,560...",
        "[매머드커피] 네이버페이 현장 결제시 50% 페이백 (8/18~31)",
        "[T멤버십] 이번주 T데이 혜택 (8/19)",
        "[11번가] MSI PRO MP273QW 화이트 무결점 모니터 (163,...",
        "[알리] 이어폰 등등 가격다양",
        "[대형마트] 홈플러스 이번주 전단(8/2...",
    ],
)
def test_title_price_ignores_dates_and_cut_off_numbers(title):
    assert title_price(title).price is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("배송비 무료", "무료"),
        ("배송비 3,000", "3,000"),
        ("배송비 와우회원무료", "와우회원무료"),
        ("배송비 무료설치", "무료설치"),
        ("배송: 무료", "무료"),
        ("무배", "무배"),
        ("와우무배", "와우무배"),
        ("1만5천원무료", "1만5천원무료"),
        ("  3,000원 ", "3,000원"),
        ("/무료배송)", "무료배송"),
        ("", None),
        (None, None),
        ("...", None),
    ],
)
def test_parse_shipping(text, expected):
    assert parse_shipping(text) == expected


@pytest.mark.parametrize(
    ("title", "shop"),
    [
        ("[옥션]1+1 소가죽 벨트", "옥션"),
        ("[G마켓][스마일배송] 코카콜라", "G마켓"),
        ("[Amazon US] StarTech Dock", "Amazon US"),
        ("  [ 네이버 ] 물티슈", "네이버"),
        ("하이마트) 듀얼센스", None),
        ("(게임터치몰)닌텐도스위치2", None),
        ("네이버페이 포인트", None),
        ("", None),
        (None, None),
    ],
)
def test_shop_from_title(title, shop):
    assert shop_from_title(title) == shop


# ------------------------------------------------------------------------------------------------
# Counts
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85", 85),
        (" 12113 ", 12113),
        ("12,113", 12113),
        ("2.9k", 2900),
        ("11.9k", 11900),
        ("11k", 11000),
        ("40.7k", 40700),
        ("2.9천", 2900),
        ("1.2만", 12000),
        ("1.5M", 1_500_000),
        ("(5)", 5),
        (" (5)", 5),
        ("[27]", 27),
        ("[1]", 1),
        ("추천 3", 3),
        ("3 - 0", 3),
        ("조회 159", 159),
        ("0", 0),
        ("", None),
        (None, None),
        ("-", None),
    ],
)
def test_parse_count(text, expected):
    assert parse_count(text) == expected


# ------------------------------------------------------------------------------------------------
# Times
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3분 전", NOW - timedelta(minutes=3)),
        ("13분전", NOW - timedelta(minutes=13)),
        ("2시간 전", NOW - timedelta(hours=2)),
        ("11시간 전", NOW - timedelta(hours=11)),
        ("30초 전", NOW - timedelta(seconds=30)),
        ("3일 전", NOW - timedelta(days=3)),
        ("1주 전", NOW - timedelta(weeks=1)),
        ("방금", NOW),
        ("방금 전", NOW),
        ("21:10:11", kst(2026, 7, 4, 21, 10, 11)),
        ("19:19", kst(2026, 7, 4, 19, 19)),
        ("날짜 18:10", kst(2026, 7, 4, 18, 10)),
        ("23:59", kst(2026, 7, 3, 23, 59)),  # later than now: yesterday
        ("07-02", kst(2026, 7, 2)),
        ("04.25", kst(2026, 4, 25)),
        ("09.04", kst(2025, 9, 4)),  # later than now: last year
        ("12-31", kst(2025, 12, 31)),
        ("26/07/03", kst(2026, 7, 3)),
        ("26.07.03 23:40:46", kst(2026, 7, 3, 23, 40, 46)),
        ("26.03.30", kst(2026, 3, 30)),
        ("2026.08.18", kst(2026, 8, 18)),
        ("날짜 2026.07.03", kst(2026, 7, 3)),
        ("2026-07-02 21:58:26", kst(2026, 7, 2, 21, 58, 26)),
        ("2020-03-12 17:30:31", kst(2020, 3, 12, 17, 30, 31)),
        ("2026년 7월 2일", kst(2026, 7, 2)),
        ("2026-07-03T01:56:27.000Z", kst(2026, 7, 3, 10, 56, 27)),
        ("2026-07-03T10:56:27+09:00", kst(2026, 7, 3, 10, 56, 27)),
        ("2026-07-03T10:56:27", kst(2026, 7, 3, 10, 56, 27)),
        ("어제", kst(2026, 7, 3)),
        ("어제 21:10", kst(2026, 7, 3, 21, 10)),
    ],
)
def test_parse_posted_at(text, expected):
    got = parse_posted_at(text, NOW)
    assert got == expected
    assert str(got.tzinfo) == "Asia/Seoul"


@pytest.mark.parametrize("text", [None, "", "   ", "종료", "13/45/99", "2026.13.40", "99:99"])
def test_parse_posted_at_gives_none_for_junk(text):
    assert parse_posted_at(text, NOW) is None


def test_parse_posted_at_default_now_is_seoul():
    got = parse_posted_at("1분 전")
    assert got is not None and str(got.tzinfo) == "Asia/Seoul"
    assert abs(datetime.now(UTC) - got) < timedelta(minutes=2)


def test_now_kst():
    assert now_kst(datetime(2026, 7, 3, 1, 56, tzinfo=UTC)) == kst(2026, 7, 3, 10, 56)
    assert str(now_kst(datetime(2026, 7, 3, 1, 56, tzinfo=UTC)).tzinfo) == "Asia/Seoul"
    assert now_kst(datetime(2026, 7, 3, 10, 56)) == kst(2026, 7, 3, 10, 56)  # naive is taken as KST
    assert str(now_kst().tzinfo) == "Asia/Seoul"


# ------------------------------------------------------------------------------------------------
# URLs, text and decoding
# ------------------------------------------------------------------------------------------------


def test_strip_tracking_drops_tracking_and_fragment():
    url = "https://Example.com/p/1?a=1&utm_source=x&utm_medium=y&fbclid=f&gclid=g&msclkid=m&b=2#frag"
    assert strip_tracking(url) == "https://example.com/p/1?a=1&b=2"


def test_strip_tracking_keep_list():
    url = "https://www.ppomppu.co.kr/zboard/view.php?page=1&no=717553&divpage=114&&id=ppomppu"
    assert (
        strip_tracking(url, keep=("id", "no"))
        == "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&no=717553"
    )
    assert strip_tracking("https://arca.live/b/hotdeal/1?p=1", keep=()) == "https://arca.live/b/hotdeal/1"
    assert strip_tracking("https://x.kr/a?category=&b=", keep=("category",)) == "https://x.kr/a"


def test_absolute_url():
    base = "https://www.ppomppu.co.kr/zboard/zboard.php?id=ppomppu"
    assert (
        absolute_url("view.php?id=ppomppu&no=1", base)
        == "https://www.ppomppu.co.kr/zboard/view.php?id=ppomppu&no=1"
    )
    assert absolute_url("/deal/8370001", "https://zod.kr/deal") == "https://zod.kr/deal/8370001"
    assert absolute_url("//cdn.example.com/a.jpg", base) == "https://cdn.example.com/a.jpg"
    for bad in (None, "", "#", "javascript:;", "mailto:a@b.c"):
        assert absolute_url(bad, base) is None


def test_clean_text_collapses_all_spaces():
    assert clean_text("  a\u00a0\u00a0b\n\t c\u200b d\u3000 ") == "a b c d"
    assert clean_text(None) == ""


def test_node_text_excludes_selectors_and_comments():
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(
        '<a>[롯데온] 제목 <i class="icon"></i><span class="num_reply"> (5)</span><!-- x --></a>', "lxml"
    )
    assert node_text(soup.a, exclude=(".num_reply",)) == "[롯데온] 제목"
    assert node_text(None) == ""


def test_decode_html_by_declared_charset():
    page = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr" /><p>킅 뽐뿌</p>'
    data = page.encode("cp949")
    assert charset_of(data) == "cp949"  # euc-kr is read as its superset
    assert "킅 뽐뿌" in decode_html(data)
    assert decode_html("already text") == "already text"
    assert decode_html('<meta charset="utf-8">한글'.encode()).endswith("한글")
    assert decode_html("\ufeff한글".encode()) == "한글"
    assert decode_html(b'<meta charset="no-such-codec">ok').endswith("ok")
    assert "\ufffd" in decode_html(b"\xff\xfe\xfa", "utf-8")  # never raises


def test_make_deal_rejects_rows_without_id_title_or_url():
    good = make_deal("zod", "1", "제목 (1,000원/무료)", "https://zod.kr/deal/1")
    assert good is not None and (good.price, good.shipping, good.comments, good.votes) == (1000, "무료", 0, 0)
    assert make_deal("zod", None, "제목", "https://zod.kr/deal/1") is None
    assert make_deal("zod", "abc", "제목", "https://zod.kr/deal/1") is None
    assert make_deal("zod", "1", "  ", "https://zod.kr/deal/1") is None
    assert make_deal("zod", "1", "제목", None) is None
    assert make_deal("zod", "1", "제목", "/deal/1") is None


def test_make_deal_price_field_overrides_title_and_strips_count_residue():
    deal = make_deal("x", "7", "[네이버] 상품 (9,000원/무료) [12]", "https://a.kr/7", price_text="본문참고")
    assert deal is not None
    assert deal.title == "[네이버] 상품 (9,000원/무료)"
    assert (deal.price, deal.price_text, deal.shipping, deal.shop) == (None, None, "무료", "네이버")
