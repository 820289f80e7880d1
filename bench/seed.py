"""Bench helper run with the project's virtualenv: market data for the listing and trade scenarios.

    .venv/bin/python -m bench.seed market LISTINGS SELLERS QUERY   # sellers + listings, JSON out
    .venv/bin/python -m bench.seed buy-pool COUNT SELLERS          # on-sale listings to buy, JSON ids
    .venv/bin/python -m bench.seed history BOT_USER_KEY            # 20 orders of one member, JSON

Reads `DATABASE_URL` (bench/runner.py passes the bench database's) and refuses any database whose
name does not start with "bench". Listings are inserted in bulk (one executemany per batch), but
every value goes through the service's own rules first: `listings.validate_listing_fields` (price
words, category labels, trade methods, text cleaning) and `search.document_tokens` for
`search_text`, exactly as `listings.create_listing` fills them. Orders go through
`orders.place_order`/`act`/`apply` one by one, so their states, events and listings are the state
machine's. Deterministic: the same arguments give the same rows.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from chatbot.extensions import make_engine, make_session_factory
from chatbot.models import Listing, Member
from chatbot.services import listings as listing_service
from chatbot.services import members as member_service
from chatbot.services import orders as order_service
from chatbot.services import search as search_service
from chatbot.timeutil import utcnow

MARKET_KEY_PREFIX = "bench-market-"  # botUserKeys of the seeded sellers
BATCH = 1000  # rows per executemany

# What people sell, per category code: (item, typical price in KRW). The words are chosen so that
# the bench's search query ("원목 책상") matches a realistic slice of the market (~1 %), and so that
# the buy pool (category `etc`) never matches it.
ITEMS: dict[str, tuple[tuple[str, int], ...]] = {
    "fashion": (
        ("나이키 에어포스", 60000),
        ("아디다스 슈퍼스타", 50000),
        ("노스페이스 패딩", 150000),
        ("리바이스 청바지", 30000),
        ("가죽 크로스백", 40000),
        ("캔버스 토트백", 15000),
        ("울 코트", 80000),
        ("뉴발란스 운동화", 55000),
        ("컨버스 스니커즈", 30000),
        ("레인부츠", 20000),
        ("실크 스카프", 25000),
        ("캐시미어 니트", 45000),
    ),
    "appliance": (
        ("다이슨 무선청소기", 250000),
        ("미니 제습기", 35000),
        ("공기청정기", 120000),
        ("전자레인지", 50000),
        ("에어프라이어", 40000),
        ("전기포트", 15000),
        ("로봇청소기", 180000),
        ("캡슐 커피머신", 70000),
        ("스탠드 선풍기", 25000),
        ("초음파 가습기", 30000),
        ("드럼세탁기", 300000),
        ("미니 냉장고", 90000),
    ),
    "furniture": (
        ("원목 책상", 80000),
        ("패브릭 소파", 150000),
        ("원목 식탁", 120000),
        ("사무용 의자", 60000),
        ("철제 선반", 30000),
        ("수납장", 40000),
        ("침대 프레임", 100000),
        ("전신 거울", 25000),
        ("5단 책장", 35000),
        ("화장대", 70000),
        ("원목 스툴", 20000),
        ("접이식 책상", 25000),
    ),
    "beauty": (
        ("헤어드라이어", 50000),
        ("고데기", 40000),
        ("향수 50ml", 70000),
        ("수분크림", 20000),
        ("선크림 세트", 15000),
        ("쿠션 팩트", 18000),
        ("립스틱 세트", 25000),
        ("전동칫솔", 45000),
        ("안마기", 60000),
        ("네일 세트", 12000),
    ),
    "ticket": (
        ("영화 관람권 2매", 16000),
        ("카페 기프티콘", 8000),
        ("뮤지컬 티켓", 90000),
        ("놀이공원 자유이용권", 40000),
        ("백화점 상품권 5만원권", 47000),
        ("편의점 모바일상품권", 9000),
        ("콘서트 티켓", 130000),
        ("호텔 숙박권", 150000),
    ),
    "digital": (
        ("아이폰 13 미니 128GB", 420000),
        ("아이폰 14 프로", 900000),
        ("갤럭시 S23", 600000),
        ("갤럭시 버즈2", 55000),
        ("에어팟 프로", 150000),
        ("아이패드 에어 5세대", 550000),
        ("맥북 에어 M1", 700000),
        ("갤럭시탭 S8", 450000),
        ("애플워치 SE", 180000),
        ("기계식 키보드", 80000),
        ("무선 마우스", 25000),
        ("27인치 모니터", 150000),
        ("블루투스 스피커", 50000),
        ("게이밍 노트북", 900000),
    ),
    "book": (
        ("해리포터 전집", 35000),
        ("정보처리기사 필기 교재", 12000),
        ("토익 교재 세트", 15000),
        ("어린이 그림책 30권", 40000),
        ("만화책 전권", 60000),
        ("요리책", 8000),
        ("소설책 10권 묶음", 20000),
        ("수능 문제집", 10000),
        ("영어 원서", 9000),
        ("자기계발서", 7000),
    ),
    "hobby": (
        ("닌텐도 스위치 OLED", 280000),
        ("플레이스테이션5", 450000),
        ("LP 레코드 10장", 90000),
        ("레고 테크닉", 120000),
        ("통기타", 100000),
        ("전자 피아노", 250000),
        ("보드게임 묶음", 30000),
        ("필름 카메라", 150000),
        ("건담 프라모델", 40000),
        ("퍼즐 1000피스", 10000),
    ),
    "sports": (
        ("로드 자전거", 350000),
        ("요가매트 10mm", 10000),
        ("4인용 캠핑 텐트", 150000),
        ("골프채 풀세트", 400000),
        ("덤벨 세트", 50000),
        ("고어텍스 등산화", 80000),
        ("스노보드 세트", 200000),
        ("배드민턴 라켓", 40000),
        ("접이식 런닝머신", 200000),
        ("캠핑 의자 2개", 25000),
    ),
    "etc": (
        ("이사 박스 20개", 0),
        ("몬스테라 화분", 15000),
        ("장우산", 5000),
        ("28인치 캐리어", 50000),
        ("반려동물 이동장", 20000),
        ("휴대용 유모차", 80000),
        ("아기 카시트", 70000),
        ("공구 세트", 30000),
        ("보온 텀블러", 10000),
        ("극세사 담요", 8000),
    ),
}
CONDITIONS = ("미개봉", "새상품", "거의 새것", "풀박스", "급처", "S급", "정품", "상태 좋음", "실사용 적음")
TITLE_FORMS = (
    "{item} {cond}",
    "{item} 팝니다",
    "[{cond}] {item}",
    "{item} {cond} 판매해요",
    "{item} 싸게 드려요",
)
STATE_SENTENCES = (
    "구매한 지 {months}개월 됐어요.",
    "생활기스 조금 있어요.",
    "박스랑 구성품 다 있어요.",
    "한두 번 사용했어요.",
    "흠집 없이 깨끗해요.",
    "실내에서만 썼어요.",
    "정품 인증 가능해요.",
    "사진보다 실물이 더 좋아요.",
)
REASON_SENTENCES = (
    "이사 가게 돼서 정리해요.",
    "선물 받았는데 쓸 일이 없어요.",
    "새로 사서 내놓아요.",
    "자리만 차지해서 팝니다.",
    "아이가 커서 더는 안 써요.",
)
TRADE_SENTENCES = (
    "{place} 근처에서 직거래 원해요.",
    "택배비는 별도예요.",
    "네고는 조금 가능해요.",
    "퇴근 후 저녁에 거래 가능해요.",
    "궁금한 점은 오픈채팅으로 물어봐 주세요.",
    "쿨거래 하시면 조금 빼 드려요.",
)
PLACES = (
    "부천역",
    "상동",
    "중동",
    "송내동",
    "역곡",
    "부천시청",
    "신중동역",
    "소사역",
    "춘의역",
    "강남역",
    "홍대입구역",
    "잠실역",
    "수원역",
    "인천터미널",
    "판교역",
)
TRADE_WORDS = ("직거래", "택배", "둘 다")  # as people type them: parse_trade_method turns them into codes
NICK_HEADS = ("알뜰", "행복", "초보", "부천", "상동", "깔끔", "친절", "빠른", "정직", "느긋")
NICK_TAILS = ("살림", "판매자", "거래왕", "나눔이", "집사", "엄마", "아빠", "학생", "직장인", "캠퍼")


def price_words(rng: random.Random, price: int) -> str:
    """`price` the way a seller might type it ("35000", "35,000원", "3.5만", "무료"), for parse_price."""
    if price == 0:
        return rng.choice(("무료", "나눔", "0"))
    forms = [str(price), f"{price:,}원"]
    if price % 1000 == 0 and price >= 10000:
        forms.append(f"{price / 10000:g}만")
    return rng.choice(forms)


def raw_listing(rng: random.Random, category: str) -> dict[str, Any]:
    """One listing as a seller would fill the sell form: Korean title and description, the price
    as typed, the category by its label, the trade method as a word, a place, sometimes a link."""
    item, base = rng.choice(ITEMS[category])
    price = round(base * rng.uniform(0.6, 1.3), -3) if base else 0
    title = rng.choice(TITLE_FORMS).format(item=item, cond=rng.choice(CONDITIONS))
    place = rng.choice(PLACES)
    sentences = [f"{item} 팝니다."]
    sentences += [s.format(months=rng.randint(1, 24)) for s in rng.sample(STATE_SENTENCES, rng.randint(1, 3))]
    sentences += rng.sample(REASON_SENTENCES, rng.randint(0, 1))
    sentences += [s.format(place=place) for s in rng.sample(TRADE_SENTENCES, rng.randint(1, 2))]
    return {
        "title": title,
        "price": price_words(rng, int(price)),
        "category": listing_service.CATEGORIES[category],
        "description": " ".join(sentences),
        "trade_method": rng.choice(TRADE_WORDS),
        "place": place if rng.random() < 0.8 else None,
        "open_chat_url": f"https://open.kakao.com/o/s{rng.randrange(16**7):07x}"
        if rng.random() < 0.4
        else None,
    }


def listing_row(
    raw: dict[str, Any], seller_id: int, status: str, created_at: Any, views: int
) -> dict[str, Any]:
    """A `listings` row from `raw` (validated by the sell form's own rules; `search_text` filled as
    `listings.create_listing` fills it)."""
    fields, errors = listing_service.validate_listing_fields(raw)
    if errors:
        raise SystemExit(f"seed: generated listing rejected by validate_listing_fields: {errors} {raw}")
    return {
        "seller_id": seller_id,
        "title": fields["title"],
        "price": fields["price"],
        "category": fields["category"],
        "description": fields.get("description", ""),
        "trade_method": fields["trade_method"],
        "place": fields.get("place") or None,
        "open_chat_url": fields.get("open_chat_url") or None,
        "status": status,
        "view_count": views,
        "search_text": search_service.document_tokens(fields["title"], fields.get("description", "")),
        "created_at": created_at,
        "updated_at": created_at,
    }


def batches(rows: list[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk_insert(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` into `table` in batches (PyMySQL turns each executemany into multi-row VALUES)."""
    with engine.begin() as conn:
        for chunk in batches(rows):
            conn.execute(insert(table), chunk)


def engine_from_env() -> Engine:
    """The engine for `DATABASE_URL`, which must name a database starting with "bench"."""
    url = os.environ.get("DATABASE_URL", "")
    name = make_url(url).database or "" if url else ""
    if not name.startswith("bench"):
        raise SystemExit(f"seed: refusing DATABASE_URL database {name!r}: its name must start with 'bench'")
    return make_engine(url)


def _seller_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        stmt = select(Member.id).where(Member.bot_user_key.like(f"{MARKET_KEY_PREFIX}%")).order_by(Member.id)
        return list(conn.scalars(stmt))


def sellers(engine: Engine, count: int) -> list[int]:
    """The ids of the seeded sellers; seeds `count` of them first when there are none yet: members
    with valid nicknames and phones (the members service's own rules)."""
    ids = _seller_ids(engine)
    if ids:
        return ids
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for i in range(count):
        nickname = f"{NICK_HEADS[i % 10]}{NICK_TAILS[i // 10 % 10]}{i // 100 or ''}"
        rows.append(
            {
                "bot_user_key": f"{MARKET_KEY_PREFIX}{i:04d}",
                "nickname": member_service.check_nickname(nickname),
                "phone": member_service.normalize_phone(f"010{7000_0000 + i:08d}"),
                "grade": "basic",
                "status": "active",
                "created_at": now - timedelta(days=90),
                "updated_at": now - timedelta(days=90),
            }
        )
    bulk_insert(engine, Member.__table__, rows)
    return _seller_ids(engine)


def seed_market(engine: Engine, listings: int, seller_count: int, query: str) -> dict[str, Any]:
    """`seller_count` members (unless seeded already) and `listings` listings spread evenly over the
    ten categories, newest last (ids grow with `created_at`, one every ~6 minutes back from now);
    ~92 % on sale, 5 % hidden, 3 % deleted. Returns counts, the listing to show in detail and how
    many rows `query` matches."""
    started = time.monotonic()
    rng = random.Random(4)
    ids = sellers(engine, seller_count)
    now = utcnow()
    codes = list(listing_service.CATEGORIES)
    rows: list[dict[str, Any]] = []
    for i in range(listings):
        roll = rng.random()
        status = "on_sale" if roll < 0.92 else "hidden" if roll < 0.97 else "deleted"
        created = now - timedelta(minutes=6 * (listings - i) + rng.random())
        raw = raw_listing(rng, codes[i % len(codes)])
        rows.append(listing_row(raw, rng.choice(ids), status, created, rng.randint(0, 300)))
    bulk_insert(engine, Listing.__table__, rows)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE TABLE members, listings"))
    factory = make_session_factory(engine)
    with factory() as session:
        detail = session.scalars(
            select(Listing)
            .where(
                Listing.status == "on_sale",
                Listing.category == "digital",
                Listing.open_chat_url.is_not(None),
                Listing.place.is_not(None),
            )
            .order_by(Listing.id.desc())
            .offset(25)  # a few pages down, as from a list
            .limit(1)
        ).one()
        matches = count_matches(session, query)
    return {
        "listings": listings,
        "sellers": len(ids),
        "statuses": dict(Counter(row["status"] for row in rows)),
        "search_query": query,
        "search_matches": matches,
        "detail_listing": {"id": detail.id, "title": detail.title},
        "seconds": round(time.monotonic() - started, 2),
    }


def count_matches(session: Session, query: str) -> int:
    """Rows the `search` skill would page through for `query` (public statuses, the service's own
    keyword condition)."""
    condition = search_service.keyword_condition(session, query)
    if condition is None:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(Listing)
            .where(Listing.status.in_(listing_service.PUBLIC_STATUSES), condition)
        )
        or 0
    )


def seed_buy_pool(engine: Engine, count: int, seller_count: int) -> dict[str, Any]:
    """`count` on-sale listings (category 기타, bought 직거래: trade method 직거래 or 둘 다) by the
    seeded sellers, for the `buy` scenario to reserve one per request. Returns their ids in order.

    bench/runner.py seeds them before the market, so they are its oldest rows."""
    started = time.monotonic()
    rng = random.Random(5)
    ids = sellers(engine, seller_count)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        raw = {**raw_listing(rng, "etc"), "trade_method": rng.choice(("직거래", "둘 다"))}
        created = now - timedelta(days=90) + timedelta(seconds=len(rows))  # older than the market
        rows.append(listing_row(raw, rng.choice(ids), "on_sale", created, 0))
    with engine.connect() as conn:
        first = (conn.scalar(select(func.max(Listing.id))) or 0) + 1
    bulk_insert(engine, Listing.__table__, rows)
    with engine.connect() as conn:
        pool = list(
            conn.scalars(
                select(Listing.id)
                .where(Listing.id >= first, Listing.category == "etc", Listing.status == "on_sale")
                .order_by(Listing.id)
            )
        )
    return {"count": len(pool), "ids": pool, "seconds": round(time.monotonic() - started, 2)}


# The member's history: (role, method, moves after placing). 10 as buyer, 10 as seller, every state.
HISTORY: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = tuple(
    (role, method, moves)
    for role in ("buyer", "seller")
    for method, moves in (
        ("face_to_face", ()),  # 예약중
        ("kakaopay", ()),  # 결제대기
        ("kakaopay", (("pay", "system"),)),  # 결제완료
        ("kakaopay", (("pay", "system"), ("ship", "seller"))),  # 배송중
        ("face_to_face", (("confirm_purchase", "buyer"),)),  # 구매확정
        ("face_to_face", (("confirm_purchase", "buyer"), ("confirm_sale", "seller"))),  # 거래완료
        (
            "kakaopay",
            (
                ("pay", "system"),
                ("ship", "seller"),
                ("confirm_purchase", "buyer"),
                ("confirm_sale", "seller"),
            ),
        ),
        ("face_to_face", (("cancel", "buyer"),)),  # 취소
        ("kakaopay", (("fail_payment", "system"),)),  # 결제실패
        ("face_to_face", (("cancel", "seller"),)),  # 취소 by the seller
    )
)


def seed_history(engine: Engine, bot_user_key: str) -> dict[str, Any]:
    """Twenty orders of the member `bot_user_key` (already registered): ten as buyer of market
    listings, ten as seller of listings it posts here (`listings.create_listing`), bought by seeded
    sellers — in every state of DESIGN.md §5, each reached through the order state machine."""
    rng = random.Random(6)
    factory = make_session_factory(engine)
    made: Counter[str] = Counter()
    with factory() as session:
        member = member_service.find_member(session, bot_user_key)
        if member is None:
            raise SystemExit(f"seed: no member {bot_user_key!r}; register it first")
        others = list(
            session.scalars(select(Member).where(Member.bot_user_key.like(f"{MARKET_KEY_PREFIX}%")).limit(50))
        )
        market = list(
            session.scalars(
                select(Listing)
                .where(Listing.status == "on_sale", Listing.trade_method == "both", Listing.price > 0)
                .where(Listing.category != "etc", Listing.seller_id != member.id)
                .order_by(Listing.id.desc())
                .limit(200)
            )
        )
        rng.shuffle(market)
        for role, method, moves in HISTORY:
            if role == "buyer":
                listing, buyer = market.pop(), member
            else:
                raw = {
                    **raw_listing(rng, rng.choice(list(listing_service.CATEGORIES)[:9])),
                    "trade_method": "둘 다",
                }
                fields, _ = listing_service.validate_listing_fields(raw)
                listing = listing_service.create_listing(session, member, fields)
                buyer = rng.choice(others)
            order = order_service.place_order(session, listing.id, buyer, method)
            for action, by in moves:
                actor = {"buyer": buyer, "seller": order.seller}.get(by)
                if actor is None:  # payments are the system's moves (chatbot.services.payments)
                    order_service.apply(session, order, action, by)
                    session.commit()
                elif action == "ship":
                    number = order_service.parse_tracking_number(f"{rng.randrange(10**12):012d}")
                    order_service.act(
                        session, order.id, actor, action, courier="CJ대한통운", tracking_number=number
                    )
                else:
                    order_service.act(session, order.id, actor, action)
            made[f"{role}:{order.status}"] += 1
    return {"orders": sum(made.values()), "by_role_and_status": dict(sorted(made.items()))}


def main(argv: list[str]) -> None:
    """Dispatch `market`, `buy-pool` or `history`; prints one JSON object."""
    usage = f"usage: {argv[0]} market LISTINGS SELLERS QUERY | buy-pool COUNT SELLERS | history BOT_USER_KEY"
    if len(argv) < 3:
        raise SystemExit(usage)
    engine = engine_from_env()
    command = argv[1]
    if command == "market" and len(argv) == 5:
        out = seed_market(engine, int(argv[2]), int(argv[3]), argv[4])
    elif command == "buy-pool" and len(argv) == 4:
        out = seed_buy_pool(engine, int(argv[2]), int(argv[3]))
    elif command == "history" and len(argv) == 3:
        out = seed_history(engine, argv[2])
    else:
        raise SystemExit(usage)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
