"""Keyword search: the bigram tokenizer, FULLTEXT on the real MariaDB, LIKE on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from chatbot.models import Member
from chatbot.services import listings as service
from chatbot.services import search
from tests.conftest import texts_of
from tests.market_helpers import listing_ids, quick_reply

# --- the tokenizer (one function, pure) ----------------------------------------------------------


def test_a_two_syllable_word_is_one_token_of_at_least_three_characters():
    [token] = search.tokens("의자")
    assert token == search.bigram_token("의자") and len(token) == 12 and token.isalnum()


def test_tokens_are_bigrams_of_each_word_in_order_without_duplicates():
    assert search.tokens("아이폰 아이폰") == [search.bigram_token("아이"), search.bigram_token("이폰")]
    assert search.tokens("가 나") == []  # one-character words are left to LIKE
    assert search.tokens("a-b_c") == []  # punctuation and "_" separate words


def test_normalization_folds_case_and_width():
    assert search.tokens("ＩＰｈｏｎｅ") == search.tokens("iphone")
    assert search.words("Galaxy S24, 울트라!") == ["galaxy", "s24", "울트라"]


def test_document_and_boolean_query():
    doc = search.document_tokens("원목 의자", "튼튼해요")
    assert set(search.tokens("의자")) <= set(doc.split())
    # The bigram across the space is in the document (for "원목의자"), not in a query's tokens.
    assert search.bigram_token("목의") in doc.split()
    assert search.bigram_token("자튼") not in doc.split()  # title and description are apart
    assert search.bigram_token("목의") not in search.boolean_query("원목 의자")
    assert search.boolean_query("의자 원목") == " ".join("+" + t for t in search.tokens("의자 원목"))
    assert search.boolean_query("' OR 1=1 --") == "+" + search.bigram_token("or")
    assert search.boolean_query("") == ""


# --- against the database ------------------------------------------------------------------------


def _seed(rt, rows: list[tuple[str, str]], status: str = "on_sale") -> list[int]:
    with rt.sessions() as session:
        seller = session.scalar(select(Member).where(Member.bot_user_key == "s")) or Member(
            bot_user_key="s", nickname="셀러", phone="010-0000-0000"
        )
        ids = []
        for title, description in rows:
            fields = {
                "title": title,
                "description": description,
                "price": 1,
                "category": "etc",
                "trade_method": "direct",
            }
            listing = service.create_listing(session, seller, fields)  # committed: FULLTEXT sees it
            listing.status = status
            ids.append(listing.id)
        session.commit()
    return ids


ROWS = [
    ("원목 의자 팝니다", "튼튼해요"),
    ("사무용 의자", "등받이 조절"),
    ("아이폰 13 미니", "배터리 88%"),
    ("책상", "의자는 없어요"),
    ("Galaxy S24 Ultra", "자급제 256GB"),
    ("가방", "여행용 캐리어 대형"),
]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("의자", [3, 1, 0]),  # title or description, newest first
        ("원목 의자", [0]),  # every word
        ("아이폰", [2]),
        ("GALAXY", [4]),
        ("ultra 자급제", [4]),
        ("캐리어", [5]),
        ("없는물건", []),
        ("' OR 1=1 --", []),
        ("%", []),
        ("가", [5]),  # one character: LIKE
        ("원목의자", [0]),  # typed without the space the title has
        ("아이폰13", [2]),
        ("의자원목", []),  # but the words' order still counts within a word
    ],
)
def test_search_finds_every_word_newest_first(rt, query, expected):
    ids = _seed(rt, ROWS)
    with rt.sessions() as session:
        found = [listing.id for listing in service.search(session, query).items]
    assert found == [ids[i] for i in expected]


def test_hidden_listings_are_not_found_and_paging_uses_the_cursor(rt, kakao):
    _seed(rt, [("숨긴 의자", "")], status="hidden")
    ids = _seed(rt, [(f"의자 {i}", "") for i in range(13)])
    first = kakao.call("search", "검색 의자")
    nxt = quick_reply(first, "다음")
    second = kakao.call("search", nxt["messageText"], client_extra=nxt["extra"])
    assert listing_ids(first) + listing_ids(second) == sorted(ids, reverse=True)
    assert quick_reply(second, "다음") is None


def test_search_answers_for_empty_long_and_marked_up_queries(kakao):
    assert "무엇을 찾을까요" in texts_of(kakao.call("search", "검색"))
    assert "검색어: 40자 이내" in texts_of(kakao.call("search", params={"query": "가" * 10_000}))
    assert "검색어: HTML" in texts_of(kakao.call("search", params={"query": "<b>의자</b>"}))


def test_mariadb_uses_a_fulltext_index_because_short_words_would_be_dropped(rt):
    if rt.engine.dialect.name not in ("mysql", "mariadb"):
        pytest.skip("MariaDB only")
    _seed(rt, ROWS)
    with rt.engine.connect() as conn:
        min_token = conn.execute(text("SHOW VARIABLES LIKE 'innodb_ft_min_token_size'")).one()[1]
        assert int(min_token) >= 3 > len("의자")  # why the column holds hex bigrams
        index = conn.execute(
            text("SHOW INDEX FROM listings WHERE Key_name = 'ix_listings_search_text'")
        ).one()
        assert index._mapping["Index_type"] == "FULLTEXT"
        with rt.sessions() as session:
            condition = search.keyword_condition(session, "의자")
            stmt = select(service.Listing.id).where(condition)
            sql = str(stmt.compile(rt.engine, compile_kwargs={"literal_binds": True}))
        plan = conn.execute(text("EXPLAIN " + sql)).mappings().all()
        assert plan[0]["type"] == "fulltext" and plan[0]["key"] == "ix_listings_search_text"

    # The statement `search` really sends (status filter, newest first, one page) uses it too.
    from sqlalchemy import event

    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "MATCH" in statement:
            sent.append((statement, parameters))

    event.listen(rt.engine, "before_cursor_execute", record)
    try:
        with rt.sessions() as session:
            assert len(service.search(session, "원목 의자").items) == 1
    finally:
        event.remove(rt.engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    with rt.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
    listings_row = next(row for row in plan if row["table"] == "listings")
    assert listings_row["type"] == "fulltext" and listings_row["key"] == "ix_listings_search_text"


def test_sqlite_falls_back_to_like(tmp_path):
    from chatbot import create_app, runtime
    from chatbot.config import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", redis_url=None))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    ids = _seed(runtime(app), ROWS)
    with runtime(app).sessions() as session:
        assert [x.id for x in service.search(session, "원목 의자").items] == [ids[0]]
        assert [x.id for x in service.search(session, "의자").items] == [ids[3], ids[1], ids[0]]


def test_the_migration_recomputes_search_text_of_existing_listings(tmp_path):
    """Revision c0ffee080001 rewrites `search_text` of listings stored before it (same SQL on
    SQLite and MariaDB), so they gain the bigrams across word gaps."""
    from sqlalchemy import create_engine

    from chatbot import schema

    url = f"sqlite:///{tmp_path / 'm.db'}"
    schema.upgrade(url, "c0ffee070001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO members (id, bot_user_key, nickname, phone, grade, status, created_at,"
                " updated_at) VALUES (1, 'k', '셀러', '010-0000-0000', 'basic', 'active', :t, :t)"
            ),
            {"t": "2026-11-30 00:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO listings (id, seller_id, title, price, category, description, trade_method,"
                " status, view_count, search_text, created_at, updated_at) VALUES (1, 1, '원목 의자',"
                " 1, 'etc', '튼튼해요', 'direct', 'on_sale', 0, :old, :t, :t)"
            ),
            {"old": " ".join(search.tokens("원목 의자\n튼튼해요")), "t": "2026-11-30 00:00:00"},
        )
    schema.upgrade(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT search_text FROM listings WHERE id = 1")).scalar_one()
    engine.dispose()
    assert stored == search.document_tokens("원목 의자", "튼튼해요")
    assert search.bigram_token("목의") in stored.split()
