"""Admin API resources (issue 6 §2–§3): listings, members (suspension reaches the skills), deals
(hiding reaches the snapshot, crawl requests reach the crawler loop), notices (and the `notices`
skill), the audit log, the one error shape, and the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chatbot.models import AuditEntry
from chatbot.services import deals as deal_service
from tests.admin_helpers import (
    API,
    access_token,
    assert_error,
    bearer,
    make_admins,
    make_deals,
    make_listing,
    make_member,
)
from tests.conftest import texts_of


@pytest.fixture
def admins(rt):
    """One admin per role: `viewer`, `operator`, `admin`."""
    return make_admins(rt)


@pytest.fixture
def op(rt, admins):
    """Headers of an operator."""
    return bearer(access_token(rt, admins["operator"]))


@pytest.fixture
def boss(rt, admins):
    """Headers of an admin."""
    return bearer(access_token(rt, admins["admin"]))


def audit_rows(rt) -> list[AuditEntry]:
    with rt.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# --- listings ---------------------------------------------------------------------------------------


def test_listings_filters_and_cursor_paging(client, rt, op):
    seller = make_member(rt)
    other = make_member(rt, "member-key-2", "구매왕", "01022223333")
    ids = [make_listing(rt, seller, title=f"노트북 {i}").id for i in range(5)]
    book = make_listing(rt, other, title="소설책 팝니다", category="도서").id

    page = client.get(f"{API}/listings?limit=2", headers=op).get_json()
    assert [item["id"] for item in page["items"]] == [book, ids[4]]
    page2 = client.get(f"{API}/listings?limit=2&cursor={page['next_cursor']}", headers=op).get_json()
    assert [item["id"] for item in page2["items"]] == [ids[3], ids[2]]
    last = client.get(f"{API}/listings?limit=10&cursor={ids[1] + 1}", headers=op).get_json()
    assert [item["id"] for item in last["items"]] == [ids[1], ids[0]] and last["next_cursor"] is None

    by_cat = client.get(f"{API}/listings?category=book", headers=op).get_json()["items"]
    assert [item["id"] for item in by_cat] == [book]
    by_seller = client.get(f"{API}/listings?seller_id={other.id}", headers=op).get_json()["items"]
    assert [item["seller_nickname"] for item in by_seller] == ["구매왕"]
    by_word = client.get(f"{API}/listings?keyword=소설", headers=op).get_json()["items"]
    assert [item["id"] for item in by_word] == [book]
    item = by_word[0]
    assert item["price"] == 420000 and item["status"] == "on_sale" and item["photo_count"] == 0


def test_listing_query_is_validated(client, op):
    error = assert_error(
        client.get(f"{API}/listings?status=sold_out&limit=0", headers=op), 422, "invalid_input"
    )
    assert set(error["details"]) == {"status", "limit"}
    assert_error(client.get(f"{API}/listings?category=cars", headers=op), 422)
    assert_error(client.get(f"{API}/listings?cursor=-1", headers=op), 422)


def test_hide_restore_delete_go_through_the_listing_rules_and_are_audited(client, rt, op, admins):
    seller = make_member(rt)
    listing_id = make_listing(rt, seller).id

    hidden = client.post(f"{API}/listings/{listing_id}/hide", headers=op)
    assert hidden.status_code == 200 and hidden.get_json()["status"] == "hidden"
    assert client.get(f"{API}/listings/{listing_id}", headers=op).get_json()["status"] == "hidden"
    error = assert_error(
        client.post(f"{API}/listings/{listing_id}/hide", headers=op), 409, "invalid_transition"
    )
    assert "숨김" in error["message"]

    restored = client.post(f"{API}/listings/{listing_id}/restore", headers=op)
    assert restored.status_code == 200 and restored.get_json()["status"] == "on_sale"
    assert_error(client.post(f"{API}/listings/{listing_id}/restore", headers=op), 409, "invalid_transition")

    assert client.delete(f"{API}/listings/{listing_id}", headers=op).status_code == 204
    assert_error(client.get(f"{API}/listings/{listing_id}", headers=op), 404, "not_found")
    assert_error(client.delete(f"{API}/listings/{listing_id}", headers=op), 404)
    assert client.get(f"{API}/listings?status=deleted", headers=op).get_json()["items"][0]["id"] == listing_id

    rows = audit_rows(rt)
    assert [r.action for r in rows] == ["listing.hide", "listing.restore", "listing.delete"]
    assert all(r.admin_id == admins["operator"].id and r.target_id == str(listing_id) for r in rows)
    assert (rows[0].before["status"], rows[0].after["status"]) == ("on_sale", "hidden")
    assert (rows[2].before["status"], rows[2].after["status"]) == ("on_sale", "deleted")
    assert all(len(r.request_id) == 32 for r in rows)


def test_restore_does_not_cancel_a_reservation(client, rt, op):
    from chatbot.services import listings as listing_service

    listing = make_listing(rt, make_member(rt))
    with rt.sessions() as session:
        listing_service.change_status(session, listing.id, None, "reserved")
    assert_error(client.post(f"{API}/listings/{listing.id}/restore", headers=op), 409, "invalid_transition")
    assert_error(client.post(f"{API}/listings/{listing.id}/hide", headers=op), 409, "invalid_transition")
    assert audit_rows(rt) == []  # refused writes leave no entry


def test_unknown_listing_is_404(client, op):
    assert_error(client.get(f"{API}/listings/424242", headers=op), 404, "not_found")
    assert_error(client.post(f"{API}/listings/424242/hide", headers=op), 404, "not_found")
    assert_error(client.get(f"{API}/listings/0", headers=op), 404)
    assert_error(client.get(f"{API}/listings/abc", headers=op), 404)


# --- members ----------------------------------------------------------------------------------------


def test_members_list_detail_and_masked_phone(client, rt, op):
    member = make_member(rt)
    make_listing(rt, member)
    page = client.get(f"{API}/members?keyword=판매", headers=op).get_json()
    assert [m["nickname"] for m in page["items"]] == ["판매왕"]
    detail = client.get(f"{API}/members/{member.id}", headers=op).get_json()
    assert detail["phone"] == "010-****-5678"
    assert detail["listing_counts"] == {"on_sale": 1}
    assert "01012345678" not in client.get(f"{API}/members", headers=op).get_data(as_text=True)
    assert_error(client.get(f"{API}/members/999999", headers=op), 404, "not_found")


def test_suspended_member_gets_a_korean_notice_from_every_skill(client, rt, kakao, op):
    member = make_member(rt, "suspended-key")
    resp = client.post(f"{API}/members/{member.id}/suspend", headers=op)
    assert resp.status_code == 200 and resp.get_json()["status"] == "suspended"
    assert_error(client.post(f"{API}/members/{member.id}/suspend", headers=op), 409, "conflict")
    assert client.get(f"{API}/members?status=suspended", headers=op).get_json()["items"][0]["id"] == member.id

    for skill in ("welcome", "hotdeals", "listings", "profile", "notices"):
        answer = kakao.call(skill, user_key="suspended-key")
        assert "이용이 정지된 계정" in texts_of(answer), skill
    assert "이용이 정지된" not in texts_of(kakao.call("welcome", user_key="someone-else"))
    # The suspended set lives in Redis; if Redis loses it, it is reloaded from the DB.
    rt.redis.flushdb()
    assert "이용이 정지된 계정" in texts_of(kakao.call("welcome", user_key="suspended-key"))

    assert client.post(f"{API}/members/{member.id}/unsuspend", headers=op).get_json()["status"] == "active"
    assert "이용이 정지된" not in texts_of(kakao.call("welcome", user_key="suspended-key"))
    actions = [(r.action, r.before["status"], r.after["status"]) for r in audit_rows(rt)]
    assert actions == [("member.suspend", "active", "suspended"), ("member.unsuspend", "suspended", "active")]


# --- deals ------------------------------------------------------------------------------------------


def test_hiding_a_deal_removes_it_from_the_snapshot_at_once(client, rt, op):
    deals = make_deals(rt)
    target = deals[0]
    resp = client.post(f"{API}/deals/{target.id}/hide", headers=op)
    assert resp.status_code == 200 and resp.get_json()["hidden"] is True
    snapshot = deal_service.current_snapshot(rt.redis, rt.sessions, rt.settings.snapshot_ttl)
    titles = [d["title"] for d in snapshot["boards"]["ppomppu"]["deals"]]
    assert target.title not in titles and len(titles) == 2
    assert_error(client.post(f"{API}/deals/{target.id}/hide", headers=op), 409, "conflict")
    assert [d["id"] for d in client.get(f"{API}/deals?hidden=true", headers=op).get_json()["items"]] == [
        target.id
    ]

    assert client.post(f"{API}/deals/{target.id}/unhide", headers=op).get_json()["hidden"] is False
    snapshot = deal_service.current_snapshot(rt.redis, rt.sessions, rt.settings.snapshot_ttl)
    assert len(snapshot["boards"]["ppomppu"]["deals"]) == 3
    assert [r.action for r in audit_rows(rt)] == ["deal.hide", "deal.unhide"]


def test_deals_list_filters(client, rt, op):
    make_deals(rt, 2, "ppomppu")
    make_deals(rt, 1, "clien")
    assert len(client.get(f"{API}/deals", headers=op).get_json()["items"]) == 3
    assert len(client.get(f"{API}/deals?source=clien", headers=op).get_json()["items"]) == 1
    assert len(client.get(f"{API}/deals?keyword=상품%201", headers=op).get_json()["items"]) == 1
    assert_error(client.get(f"{API}/deals?source=BAD%20NAME", headers=op), 422)
    assert_error(client.get(f"{API}/deals/999999", headers=op), 404)


def test_crawl_request_wakes_the_crawler_loop(client, rt, op):
    from crawler.pipeline import crawl_forever

    resp = client.post(f"{API}/deals/crawl", headers=op)
    assert resp.status_code == 202 and resp.get_json() == {"status": "queued"}
    assert client.post(f"{API}/deals/crawl", headers=op).get_json() == {"status": "already_queued"}
    assert [r.action for r in audit_rows(rt)] == ["deal.crawl", "deal.crawl"]

    # The loop takes the request with its pass, then waits in short naps until the next request.
    passes, naps = [], []

    class NoFetcher:
        def fetch(self, *_a, **_k):  # pragma: no cover - no source is given
            raise AssertionError

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            deal_service.request_crawl(rt.redis)  # an admin asks while the loop waits

    import crawler.pipeline as pipeline

    original = pipeline.crawl_once
    pipeline.crawl_once = lambda *a, **k: passes.append(1) or []
    try:
        crawl_forever(rt, NoFetcher(), [], stop=lambda: len(passes) >= 2, sleep=nap)
    finally:
        pipeline.crawl_once = original
    assert len(passes) == 2 and len(naps) == 2  # woken after two naps, not after a full interval
    assert not rt.redis.exists(deal_service.CRAWL_REQUEST_KEY)


# --- notices ----------------------------------------------------------------------------------------


def test_notices_crud_and_skill(client, rt, kakao, op, admins):
    assert "아직 등록된 공지사항이 없어요" in texts_of(kakao.call("notices"))
    created = client.post(
        f"{API}/notices", json={"title": "서버 점검 안내", "body": "12월 1일 새벽 점검"}, headers=op
    )
    assert created.status_code == 201
    notice = created.get_json()
    assert notice["published"] is False
    assert "아직 등록된" in texts_of(kakao.call("notices"))  # drafts are not shown

    patched = client.patch(f"{API}/notices/{notice['id']}", json={"published": True}, headers=op)
    assert patched.get_json()["published"] is True and patched.get_json()["title"] == "서버 점검 안내"
    assert "12월 1일 새벽 점검" in texts_of(kakao.call("notices"))

    client.post(
        f"{API}/notices", json={"title": "이벤트", "body": "첫 거래 이벤트", "published": True}, headers=op
    )
    answer = kakao.call("notices")
    assert answer["template"]["outputs"][1]["carousel"]["type"] == "textCard"
    assert [c["title"] for c in answer["template"]["outputs"][1]["carousel"]["items"]] == [
        "이벤트",
        "서버 점검 안내",
    ]

    assert client.get(f"{API}/notices?published=false", headers=op).get_json()["items"] == []
    assert client.get(f"{API}/notices/{notice['id']}", headers=op).get_json()["id"] == notice["id"]
    assert client.delete(f"{API}/notices/{notice['id']}", headers=op).status_code == 204
    assert_error(client.get(f"{API}/notices/{notice['id']}", headers=op), 404)

    rows = audit_rows(rt)
    assert [r.action for r in rows] == ["notice.create", "notice.update", "notice.create", "notice.delete"]
    assert rows[0].before is None and rows[0].after["title"] == "서버 점검 안내"
    assert rows[3].after is None and rows[3].before["published"] is True
    assert rows[0].target_id == str(notice["id"])


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title", "body"}),
        ({"title": "   ", "body": "x"}, {"title"}),
        ({"title": "t" * 101, "body": "x"}, {"title"}),
        ({"title": "t", "body": "x", "published": "yes"}, {"published"}),
        ({"title": "t", "body": "x", "extra": 1}, {"extra"}),
        ({"title": 5, "body": ["x"]}, {"title", "body"}),
    ],
)
def test_notice_input_errors_name_each_field(client, op, body, fields):
    error = assert_error(client.post(f"{API}/notices", json=body, headers=op), 422, "invalid_input")
    assert set(error["details"]) == fields


def test_notice_patch_rejects_null_and_wrong_content_type(client, op):
    notice = client.post(f"{API}/notices", json={"title": "t", "body": "b"}, headers=op).get_json()
    assert_error(client.patch(f"{API}/notices/{notice['id']}", json={"title": None}, headers=op), 422)
    resp = client.patch(
        f"{API}/notices/{notice['id']}", data="title=x", content_type="text/plain", headers=op
    )
    assert_error(resp, 415, "unsupported_media_type")
    assert_error(client.patch(f"{API}/notices/{notice['id']}", json=[1], headers=op), 422)


# --- audit log, error shape, OpenAPI ----------------------------------------------------------------


def test_audit_log_filters(client, rt, op, boss):
    member = make_member(rt)
    client.post(f"{API}/members/{member.id}/suspend", headers=op)
    client.post(f"{API}/notices", json={"title": "t", "body": "b"}, headers=op)
    entries = client.get(f"{API}/audit", headers=boss).get_json()["items"]
    assert [e["action"] for e in entries] == ["notice.create", "member.suspend"]
    only = client.get(f"{API}/audit?target_type=member&target_id={member.id}", headers=boss).get_json()[
        "items"
    ]
    assert [e["action"] for e in only] == ["member.suspend"]
    assert_error(client.get(f"{API}/audit", headers=op), 403, "forbidden")


def test_errors_outside_routes_keep_the_shape(client, op):
    assert_error(client.get(f"{API}/nothing-here", headers=op), 404, "not_found")
    resp = client.put(f"{API}/listings", headers=op)
    assert_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


def test_unexpected_error_is_a_json_500_without_a_trace(client, op, monkeypatch):
    from chatbot.services import listings as listing_service

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(listing_service, "staff_listings", boom)
    error = assert_error(client.get(f"{API}/listings", headers=op), 500, "internal_error")
    assert "secret internals" not in str(error) and error["details"]["request_id"]


def test_openapi_document_covers_every_route(client, app):
    resp = client.get(f"{API}/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint.endswith(("openapi_document", "docs_page")):
            continue
        path = rule.rule
        for converter in ("<int:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, (method, path)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            if op.get("security"):
                assert "401" in codes, (method, path)
            for code, response in op["responses"].items():
                if code >= "400":
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith(
                        "/ErrorResponse"
                    )
    notice_in = doc["components"]["schemas"]["NoticeIn"]
    assert notice_in["additionalProperties"] is False and notice_in["required"] == ["title", "body"]


def test_docs_page(client):
    resp = client.get(f"{API}/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert f"{API}/openapi.json" in resp.get_data(as_text=True)


def test_blank_is_exactly_what_strip_removes():
    """The schema's "not blank" pattern and the service's `strip()` must agree on every character."""
    from chatbot.services.notices import BLANK

    assert set(BLANK) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
