"""Helpers shared by the admin API tests: admins of each role, their tokens, market data."""

from __future__ import annotations

import uuid
from datetime import datetime

from admin_api import tokens
from chatbot.models import Admin
from chatbot.services import admins as admin_service
from chatbot.services import deals as deal_service
from chatbot.services import listings as listing_service
from chatbot.services import members as member_service
from chatbot.services.deals import ScrapedDeal

API = "/admin/api/v1"
PASSWORD = "correct horse battery staple"
ROLE_NAMES = ("viewer", "operator", "admin")


def make_admins(rt) -> dict[str, Admin]:
    """One active admin per role, named after the role (`viewer`, `operator`, `admin`)."""
    made = {}
    with rt.sessions() as session:
        for role in ROLE_NAMES:
            made[role] = admin_service.create_admin(
                session, email=f"{role}@example.com", username=role, password=PASSWORD, role=role
            )
    return made


def access_token(rt, admin: Admin, *, now: datetime | None = None) -> str:
    """A valid access token for `admin`, as login would issue it (family not stored: access only)."""
    return tokens.issue(rt.settings, admin, tokens.ACCESS_TYP, str(uuid.uuid4()), now=now).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client, username: str = "admin", password: str = PASSWORD):
    return client.post(f"{API}/auth/login", json={"username": username, "password": password})


def assert_error(resp, status: int, code: str | None = None) -> dict:
    """`resp` is a JSON error of the one shape with `status` (and `code`); gives the error object."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], dict) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    assert "Traceback" not in resp.get_data(as_text=True)
    return body["error"]


def make_member(rt, key: str = "member-key-1", nickname: str = "판매왕", phone: str = "01012345678"):
    with rt.sessions() as session:
        return member_service.register(session, key, nickname, phone)


def make_listing(rt, seller, **fields):
    accepted, errors = listing_service.validate_listing_fields(
        {
            "title": "아이폰 13 미니",
            "price": "42만원",
            "category": "디지털기기",
            "trade_method": "직거래",
            **fields,
        }
    )
    assert not errors, errors
    with rt.sessions() as session:
        seller = session.merge(seller)
        return listing_service.create_listing(session, seller, accepted)


def make_deals(rt, count: int = 3, source: str = "ppomppu"):
    scraped = [
        ScrapedDeal(
            source=source,
            post_id=str(100 + i),
            title=f"핫딜 상품 {i}",
            url=f"https://example.com/{source}/{i}",
        )
        for i in range(count)
    ]
    with rt.sessions() as session:
        deal_service.record_crawl(session, source, "뽐뿌", scraped)
        deal_service.refresh_snapshot(session, rt.redis, rt.settings.snapshot_ttl)
    with rt.sessions() as session:
        return list(deal_service.staff_deals(session, source=source).items)
