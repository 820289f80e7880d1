"""Listings: value rules, `sell` (bad input matrix, kept drafts, photos), browsing with keyset
paging, the detail card, view counts in Redis, `my-listings`, `flask seed-demo`, every fixture."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from chatbot.errors import InvalidInput
from chatbot.models import Listing, ListingPhoto
from chatbot.services import listings as service
from tests.conftest import texts_of
from tests.market_helpers import (
    BUYER,
    GOOD_SELL,
    SECURE_URL,
    SELLER,
    call_with_contexts,
    cards,
    contexts_of,
    count,
    listing_ids,
    listings,
    quick_reply,
    register,
    secureimage,
    sell,
)

NEW_SKILLS = ["register", "profile", "sell", "listings", "listing", "search", "my-listings", "listing-status"]

# --- value rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,krw",
    [
        ("12000", 12000),
        ("1.2만", 12000),
        ("12,000원", 12000),
        ("3만5천원", 35000),
        ("무료", 0),
        ("나눔", 0),
        ('{"amount": 12000, "unit": null}', 12000),
        ({"amount": 500, "unit": None}, 500),
        (12000, 12000),
        ("만원", 10000),
        ("1억", 100_000_000),
        ("₩ 7,500", 7500),
        ("０", 0),
        ("42만원", 420000),
        ("2천500", 2500),
    ],
)
def test_prices_people_type(typed, krw):
    assert service.parse_price(typed) == krw


@pytest.mark.parametrize(
    "typed,reason",
    [
        ("-1000", "0원 이상"),
        ("abc", "숫자로"),
        ("1.5", "원 단위"),
        ("100000001", "1억 원 이하"),
        ("2억", "1억 원 이하"),
        ("5천3만", "숫자로"),
        ("", "입력"),
        ("[1]", "숫자로"),
        ("12000; DROP TABLE listings", "숫자로"),
        (True, "숫자로"),
        ('{"amount": "x"}', "숫자로"),
        ("9" * 400, "1억 원 이하"),
    ],
)
def test_bad_prices(typed, reason):
    with pytest.raises(InvalidInput) as exc:
        service.parse_price(typed)
    assert reason in exc.value.user_message and exc.value.user_message.startswith("가격:")


@pytest.mark.parametrize(
    "typed,code",
    [
        ("디지털기기", "digital"),
        ("디지털 기기", "digital"),
        ("digital", "digital"),
        ("도서", "book"),
        ("책", "book"),
        ("가전", "appliance"),
        ("패션", "fashion"),
        ("게임", "hobby"),
        ("기타", "etc"),
        ("티켓/교환권", "ticket"),
    ],
)
def test_categories(typed, code):
    assert service.parse_category(typed) == code


def test_trade_methods_and_open_chat_urls():
    assert [service.parse_trade_method(t) for t in ("직거래", "택배", "둘 다", "both")] == [
        "direct",
        "delivery",
        "both",
        "both",
    ]
    assert service.check_open_chat_url(" https://open.kakao.com/o/sAbc ") == "https://open.kakao.com/o/sAbc"
    for bad in [
        "http://open.kakao.com/o/x",
        "https://open.kakao.com.evil.io/o/x",
        "https://evil.io/open.kakao.com/",
        "https://user@open.kakao.com/o/x",
        "https://open.kakao.com:8443/o/x",
        "https://open.kakao.com/",
        "javascript:alert(1)",
        "https://open.kakao.com/o/" + "x" * 300,
    ]:
        with pytest.raises(InvalidInput):
            service.check_open_chat_url(bad)


def test_image_urls_only_from_kakao_hosts():
    hosts = ("*.kakaocdn.net",)
    assert service.check_image_urls([SECURE_URL] * 12, hosts) == [SECURE_URL] * 10
    for bad in [
        "https://pointman-file-repository.s3.ap-northeast-2.amazonaws.com/a.png",
        "ftp://secure.kakaocdn.net/a",
        "https://kakaocdn.net.evil.io/a.jpg",
        "https://evil.io/?secure.kakaocdn.net",
    ]:
        with pytest.raises(InvalidInput) as exc:
            service.check_image_urls([SECURE_URL, bad], hosts)
        assert exc.value.user_message.startswith("사진:")


# --- sell ----------------------------------------------------------------------------------------


def test_sell_creates_the_listing_with_pending_photos(kakao, rt, monkeypatch):
    queued = []
    monkeypatch.setattr("chatbot.services.photos.enqueue_listing_photos", lambda r, i: queued.append(i))
    register(kakao)
    other = SECURE_URL.replace("XXX", "YYY")
    answer = sell(kakao, images=secureimage(SECURE_URL, other))
    assert "올렸어요" in texts_of(answer) and "사진 2장" in texts_of(answer)
    [listing] = listings(rt)
    assert (listing.title, listing.price, listing.category, listing.trade_method, listing.place) == (
        "아이폰 13 미니 팝니다",
        420000,
        "digital",
        "both",
        "부천역",
    )
    assert listing.status == "on_sale" and listing.open_chat_url == GOOD_SELL["open_chat_url"]
    with rt.sessions() as session:
        photos = session.scalars(select(ListingPhoto).order_by(ListingPhoto.position)).all()
    assert [(p.position, p.source_url, p.status) for p in photos] == [
        (0, SECURE_URL, "pending"),
        (1, other, "pending"),
    ]
    assert queued == [listing.id]
    # The card shows our placeholder until a photo is ready, never the Kakao URL.
    [card] = cards(answer)
    assert card["thumbnails"][0]["imageUrl"] == "http://127.0.0.1:8000/static/no-photo.png"


def test_the_placeholder_is_served(client):
    resp = client.get("/static/no-photo.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data.startswith(b"\x89PNG")


BAD_SELLS = [
    ({"title": None}, "제목", "입력해 주세요"),
    ({"price": None}, "가격", "입력해 주세요"),
    ({"category": None}, "분류", "입력해 주세요"),
    ({"trade_method": None}, "거래 방법", "입력해 주세요"),
    ({"title": "가" * 10_000}, "제목", "40자 이내"),
    ({"title": "   "}, "제목", "입력해 주세요"),
    ({"title": "<script>alert(1)</script>"}, "제목", "HTML"),
    ({"description": "좋아요 <img src=x onerror=alert(1)>"}, "설명", "HTML"),
    ({"description": "x" * 1001}, "설명", "1000자 이내"),
    ({"price": "-5000"}, "가격", "0원 이상"),
    ({"price": "비쌈"}, "가격", "숫자로"),
    ({"price": "200000000"}, "가격", "1억 원 이하"),
    ({"category": "자동차"}, "분류", "다음 중에서"),
    ({"category": "'; DROP TABLE listings; --"}, "분류", "다음 중에서"),
    ({"trade_method": "우편"}, "거래 방법", "직거래, 택배"),
    ({"place": "p" * 41}, "거래 장소", "40자 이내"),
    ({"open_chat_url": "https://evil.example/o/abc"}, "오픈채팅 주소", "open.kakao.com"),
    ({"images": secureimage("https://evil.example/cat.jpg")}, "사진", "카카오톡"),
    ({"images": secureimage(SECURE_URL, "http://169.254.169.254/latest/meta-data")}, "사진", "카카오톡"),
]


@pytest.mark.parametrize("overrides,label,reason", BAD_SELLS, ids=lambda v: str(v)[:30])
def test_bad_sells_name_the_field_and_store_nothing(kakao, rt, overrides, label, reason):
    register(kakao)
    answer = sell(kakao, **overrides)
    text = texts_of(answer)
    assert f"{label}: " in text and reason in text
    assert count(rt) == 0 and count(rt, ListingPhoto) == 0
    # Everything else given is kept for the next turn.
    [draft] = contexts_of(answer)
    assert draft["name"] == "sell_draft" and draft["lifeSpan"] == 5
    kept = set(draft["params"])
    assert kept == {k for k, v in GOOD_SELL.items() if k not in overrides and v is not None}


@pytest.mark.parametrize("value", [123, 4.5, True, None, ["a"], {"x": 1}])
def test_wrong_types_still_get_an_answer(kakao, rt, value):
    from chatbot.kakao import validate_skill_response

    register(kakao)
    body = kakao.payload(params=GOOD_SELL, user_key=SELLER)
    body["action"]["params"].update(title=value, price=value, category=value)
    body["action"]["detailParams"] = {}
    resp = kakao.client.post("/skills/sell", json=body)
    assert resp.status_code == 200
    answer = resp.get_json()
    validate_skill_response(answer, strict=True)
    assert "분류: " in texts_of(answer)
    assert count(rt) == 0


def test_sql_and_quotes_are_stored_as_text_not_run(kakao, rt):
    register(kakao)
    title = "Robert'); DROP TABLE listings;--"
    sell(kakao, title=title, description='1" OR "1"="1 -- 정상 설명')
    [listing] = listings(rt)
    assert listing.title == title and listing.description == '1" OR "1"="1 -- 정상 설명'


def test_a_bad_price_then_only_the_price_creates_the_listing_with_the_rest(kakao, rt):
    register(kakao)
    first = sell(kakao, price="-3000", images=secureimage(SECURE_URL))
    assert "가격: 0원 이상" in texts_of(first) and count(rt) == 0
    second = call_with_contexts(
        kakao, "sell", contexts=contexts_of(first), params={"price": "3만5천원"}, user_key=SELLER
    )
    assert "올렸어요" in texts_of(second)
    [listing] = listings(rt)
    assert (listing.title, listing.price, listing.place) == (GOOD_SELL["title"], 35000, "부천역")
    with rt.sessions() as session:
        assert session.scalars(select(ListingPhoto.source_url)).all() == [SECURE_URL]
    assert contexts_of(second)[0]["lifeSpan"] == 0  # the draft is over


def test_a_non_member_is_led_to_register_with_the_draft_kept(kakao, rt):
    answer = sell(kakao, user_key=BUYER)
    assert quick_reply(answer, "회원가입")["extra"] == {"next": "sell"}
    assert contexts_of(answer)[0]["params"]["title"] == GOOD_SELL["title"]
    assert count(rt) == 0


# --- browsing ------------------------------------------------------------------------------------


def _make(
    rt, n: int, *, category: str = "digital", seller_key: str = SELLER, title: str = "물건"
) -> list[int]:
    from chatbot.models import Member

    with rt.sessions() as session:
        seller = session.scalar(select(Member).where(Member.bot_user_key == seller_key))
        if seller is None:
            seller = Member(bot_user_key=seller_key, nickname=seller_key[:12], phone="010-0000-0000")
        fields = {"price": 1000, "category": category, "trade_method": "direct"}
        return [
            service.create_listing(session, seller, {**fields, "title": f"{title} {i}"}).id for i in range(n)
        ]


def test_browsing_a_category_pages_by_cursor_newest_first(kakao, rt):
    ids = _make(rt, 25)
    _make(rt, 3, category="book", seller_key="bookseller")
    seen, extra, pages = [], {"category": "digital"}, 0
    while True:
        answer = kakao.call("listings", client_extra=extra)
        seen += listing_ids(answer)
        pages += 1
        nxt = quick_reply(answer, "다음")
        if nxt is None:
            break
        assert set(nxt["extra"]) == {"category", "before"}
        extra = nxt["extra"]
    assert seen == sorted(ids, reverse=True) and pages == 3


def test_a_listing_posted_while_paging_shifts_nothing(kakao, rt):
    """Keyset paging, not OFFSET: new listings arriving between two pages neither repeat a card
    on the next page nor hide one."""
    ids = _make(rt, 15)
    first = kakao.call("listings", client_extra={"category": "digital"})
    _make(rt, 3, title="새 물건")  # posted while the user reads page 1
    second = kakao.call("listings", client_extra=quick_reply(first, "다음")["extra"])
    assert listing_ids(first) + listing_ids(second) == sorted(ids, reverse=True)


def test_browsing_without_a_category_offers_the_ten(kakao):
    answer = kakao.call("listings", "중고거래")
    assert [q["label"] for q in answer["template"]["quickReplies"]] == list(service.CATEGORIES.values())
    assert listing_ids(kakao.call("listings", "도서")) == []  # the utterance names a category


def test_hidden_and_deleted_listings_are_not_browsed(kakao, rt):
    ids = _make(rt, 3)
    with rt.sessions() as session:
        session.get(Listing, ids[0]).status = "hidden"
        session.get(Listing, ids[1]).status = "deleted"
        session.commit()
    assert listing_ids(kakao.call("listings", client_extra={"category": "all"})) == [ids[2]]


def test_the_detail_card_and_view_counts(kakao, rt, runner):
    register(kakao)
    sell(kakao)
    [listing] = listings(rt)
    for _ in range(3):
        answer = kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=BUYER)
    text = texts_of(answer)
    for expected in ("420,000원", "판매중", "판매왕", "부천역", "디지털기기", "👀 3", "배터리 88%"):
        assert expected in text
    assert cards(answer, "basicCard")[0]["buttons"][0]["webLinkUrl"] == GOOD_SELL["open_chat_url"]
    assert listings(rt)[0].view_count == 0  # a view is not a DB write
    owner = kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=SELLER)
    assert "숨기기" in [b["label"] for b in cards(owner, "basicCard")[0]["buttons"]]
    result = runner.invoke(args=["sync-views"])
    assert result.exit_code == 0 and "synced 3 views" in result.output
    assert listings(rt)[0].view_count == 3 and rt.redis.get(service.VIEWS_KEY.format(listing.id)) is None
    assert "👀 4" in texts_of(kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=BUYER))


def mark_photos_ready(rt) -> None:
    """Every photo row as the photo worker leaves it: `ready`, stored as big<pos> and th<pos>."""
    with rt.sessions() as session:
        for photo in session.scalars(select(ListingPhoto)):
            photo.status, photo.image_key, photo.thumb_key = (
                "ready",
                f"big{photo.position}",
                f"th{photo.position}",
            )
        session.commit()


def test_a_ready_photo_is_shown_through_photo_url(kakao, rt, monkeypatch):
    monkeypatch.setattr("chatbot.services.photos.photo_url", lambda settings, key: f"https://cdn.test/{key}")
    register(kakao)
    sell(kakao, images=secureimage(SECURE_URL, SECURE_URL + "&2"))
    mark_photos_ready(rt)
    listing_id = listings(rt)[0].id
    detail = kakao.call("listing", client_extra={"listing_id": listing_id})
    images = [c["thumbnail"]["imageUrl"] for c in cards(detail, "basicCard")]
    assert images == ["https://cdn.test/big0", "https://cdn.test/big1"]
    assert cards(kakao.call("listings", client_extra={"category": "digital"}))[0]["thumbnails"][0][
        "imageUrl"
    ] == ("https://cdn.test/th0")


def test_concurrent_sync_runs_move_every_view_exactly_once(app, rt):
    ids = _make(rt, 3)
    for i in range(300):
        service.record_view(rt.redis, ids[i % 3])
    errors = []

    def run():
        try:
            with rt.sessions() as session:
                service.sync_views(session, rt.redis)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(60):
        service.record_view(rt.redis, ids[i % 3])
    for t in threads:
        t.join()
    run()
    assert not errors
    assert [listing.view_count for listing in listings(rt)] == [120, 120, 120]
    assert rt.redis.scard(service.DIRTY_KEY) == 0


def test_my_listings_shows_mine_in_every_status_but_deleted(kakao, rt):
    register(kakao)
    mine = _make(rt, 3)
    _make(rt, 2, seller_key="someone")
    with rt.sessions() as session:
        session.get(Listing, mine[0]).status = "hidden"
        session.get(Listing, mine[1]).status = "deleted"
        session.commit()
    answer = kakao.call("my-listings", user_key=SELLER)
    assert listing_ids(answer) == [mine[2], mine[0]]
    assert "[숨김]" in texts_of(answer) and "다시 판매" in texts_of(answer)
    assert quick_reply(kakao.call("my-listings", user_key="nobody"), "회원가입")["extra"] == {
        "next": "my-listings"
    }


def test_seed_demo_fills_every_category_once(runner, rt, kakao):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "created" in result.output
    assert {listing.category for listing in listings(rt)} == set(service.CATEGORIES)
    assert "already" in runner.invoke(args=["seed-demo"]).output
    assert count(rt) == 20
    assert listing_ids(kakao.call("search", params={"query": "아이폰"}))
    for code in service.CATEGORIES:  # every category's page shows its two listings as cards
        assert len(listing_ids(kakao.call("listings", client_extra={"category": code}))) == 2


def test_a_listing_at_every_limit_renders_valid_cards(kakao, rt, monkeypatch):
    """40-character title and place, 1000-character description, 1억 원, 10 ready photos: every
    answer that shows it is a strictly valid SkillResponse (texts cut with "…", not refused)."""
    monkeypatch.setattr("chatbot.services.photos.photo_url", lambda settings, key: f"https://cdn.test/{key}")
    register(kakao)
    urls = [f"{SECURE_URL}&n={i}" for i in range(service.PHOTOS_MAX)]
    title, place = "가" * service.TITLE_MAX, "나" * service.PLACE_MAX
    description = ("긴 설명입니다. " * 200)[: service.DESCRIPTION_MAX]
    posted = sell(
        kakao, title=title, place=place, description=description, price="1억", images=secureimage(*urls)
    )
    assert "올렸어요" in texts_of(posted) and "사진 10장" in texts_of(posted)
    mark_photos_ready(rt)
    [listing] = listings(rt)
    assert (len(listing.title), len(listing.place), len(listing.description)) == (40, 40, 1000)

    detail = kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=BUYER)
    assert [c["thumbnail"]["imageUrl"] for c in cards(detail, "basicCard")] == [
        f"https://cdn.test/big{i}" for i in range(10)
    ]
    assert "100,000,000원" in texts_of(detail)
    kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=SELLER)
    for answer in (
        kakao.call("listings", client_extra={"category": "digital"}),
        kakao.call("search", params={"query": "가가가"}),
        kakao.call("my-listings", user_key=SELLER),
    ):
        [card] = cards(answer)
        assert card["title"].endswith("…") and card["price"] == 100_000_000
        assert card["thumbnails"][0]["imageUrl"] == "https://cdn.test/th0"


def test_a_page_view_writes_nothing_to_the_database(kakao, rt):
    """Views are counted in Redis only: opening a listing sends the DB reads, never a write."""
    from sqlalchemy import event

    register(kakao)
    sell(kakao)
    [listing] = listings(rt)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(rt.engine, "before_cursor_execute", record)
    try:
        for _ in range(5):
            kakao.call("listing", client_extra={"listing_id": listing.id}, user_key=BUYER)
    finally:
        event.remove(rt.engine, "before_cursor_execute", record)
    assert statements and set(statements) <= {"SELECT"}
    assert rt.redis.get(service.VIEWS_KEY.format(listing.id)) == "5"
