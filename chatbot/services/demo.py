"""Demo market data for `flask seed-demo` (issue 4 §6): a few members and listings in every category.

Members get botUserKeys starting with `demo-`, so the data is easy to find and never collides with a
real KakaoTalk user. Listings have no photos (cards show our placeholder) and go through
`listings.create_listing`, so they are indexed for search like any other.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.models import Member
from chatbot.services import listings

DEMO_KEY_PREFIX = "demo-"

DEMO_MEMBERS = (
    ("demo-seller-1", "부천토박이", "010-1111-2222"),
    ("demo-seller-2", "알뜰살림", "010-2222-3333"),
    ("demo-seller-3", "겜돌이", "010-3333-4444"),
    ("demo-seller-4", "책벌레", "010-4444-5555"),
)

# (category code, title, price KRW, description, trade method, place), two per category.
DEMO_LISTINGS = (
    ("fashion", "나이키 에어포스 270mm", 45000, "두 번 신었어요. 박스 있어요.", "both", "부천역"),
    ("fashion", "가죽 크로스백 브라운", 30000, "수납 넉넉하고 흠집 없어요.", "delivery", None),
    ("appliance", "다이슨 무선청소기 V10", 250000, "배터리 교체했어요. 헤드 3종 포함.", "direct", "상동"),
    ("appliance", "미니 제습기", 35000, "원룸에 딱 맞아요.", "both", "중동"),
    ("furniture", "원목 책상 120cm", 60000, "직접 가져가셔야 해요.", "direct", "송내동"),
    ("furniture", "패브릭 1인 소파", 40000, "반려동물 없는 집이에요.", "direct", "역곡"),
    ("beauty", "헤어드라이어 미개봉", 50000, "선물 받았는데 쓸 일이 없어요.", "delivery", None),
    ("beauty", "향수 50ml 거의 새것", 70000, "두세 번 뿌렸어요.", "both", "부천시청"),
    ("ticket", "영화 관람권 2매", 16000, "이번 달 말까지 사용 가능해요.", "delivery", None),
    ("ticket", "카페 기프티콘 1만원권", 8000, "유효기간 넉넉해요.", "delivery", None),
    ("digital", "아이폰 13 미니 128GB", 420000, "배터리 성능 88%, 케이스 같이 드려요.", "both", "부천역"),
    ("digital", "갤럭시 버즈2 화이트", 55000, "한쪽 이어팁 새것으로 바꿨어요.", "delivery", None),
    ("book", "해리포터 전집 7권", 35000, "밑줄 없어요.", "direct", "상동도서관"),
    ("book", "정보처리기사 필기 교재", 12000, "올해 판이에요.", "delivery", None),
    ("hobby", "닌텐도 스위치 OLED", 280000, "조이콘 쏠림 없어요. 게임 2개 포함.", "both", "중동"),
    ("hobby", "LP 레코드 10장 묶음", 90000, "가요 명반 위주예요.", "direct", "역곡"),
    ("sports", "로드 자전거 입문용", 180000, "작년에 샀고 실내 보관했어요.", "direct", "송내동"),
    ("sports", "요가매트 10mm", 0, "무료 나눔해요. 가져가실 분!", "direct", "부천시청"),
    ("etc", "이사 박스 20개", 0, "필요하신 분 가져가세요.", "direct", "상동"),
    ("etc", "캠핑 의자 2개", 25000, "접이식이고 가벼워요.", "both", "중동"),
)


def seed_demo(session: Session) -> tuple[int, int]:
    """Create the demo members and listings unless they exist; gives (members, listings) created.

    Idempotent: run twice, the second run creates nothing. Commits.
    """
    existing = set(session.scalars(select(Member.bot_user_key).where(Member.bot_user_key.like("demo-%"))))
    if existing:
        return 0, 0
    members = [Member(bot_user_key=key, nickname=nick, phone=phone) for key, nick, phone in DEMO_MEMBERS]
    session.add_all(members)
    session.commit()
    for i, (category, title, price, description, method, place) in enumerate(DEMO_LISTINGS):
        fields = {
            "title": title,
            "price": price,
            "category": category,
            "description": description,
            "trade_method": method,
            "place": place,
        }
        listings.create_listing(session, members[i % len(members)], fields)
    return len(members), len(DEMO_LISTINGS)
