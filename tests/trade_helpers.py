"""Helpers shared by the trade tests: the KakaoPay stand-in on a real local port, members and
listings made directly, and a browser walking /pay/... → KakaoPay → back."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from chatbot.kakaopay_standin import create_standin_app
from chatbot.models import Listing, Member, Order, Payment

STANDIN_KEY = "DEV-test-secret-key"


@dataclass
class StandIn:
    """The stand-in served by werkzeug on 127.0.0.1:<port> in a thread."""

    base_url: str
    app: object

    def control(self, **body) -> None:
        requests.post(f"{self.base_url}/_control", json=body, timeout=5).raise_for_status()

    def calls(self) -> list[str]:
        return requests.get(f"{self.base_url}/_control", timeout=5).json()["calls"]

    def payment(self, tid: str) -> dict:
        return self.app.extensions["kakaopay_standin"].get(tid)


@pytest.fixture(scope="session")
def standin_server() -> StandIn:
    app = create_standin_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield StandIn(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()


@pytest.fixture
def standin(standin_server) -> StandIn:
    standin_server.control(reset=True)
    return standin_server


def payment_settings(database_url: str, redis_url: str, standin: StandIn, **overrides):
    """Test settings with the client pointed at the stand-in (read timeout 1 s: delays time out)."""
    from chatbot.config import Settings

    return Settings(
        app_env="test",
        database_url=database_url,
        redis_url=redis_url,
        kakaopay_base_url=standin.base_url,
        kakaopay_secret_key=STANDIN_KEY,
        kakaopay_read_timeout=1.0,
        **overrides,
    )


def make_member(session, key: str, nickname: str) -> Member:
    member = Member(bot_user_key=key, nickname=nickname, phone="010-1234-5678")
    session.add(member)
    session.commit()
    return member


def make_parties(session) -> tuple[Member, Member, Member]:
    """A seller (판매자), a buyer (구매자) and a stranger (행인)."""
    return (
        make_member(session, "seller", "판매자"),
        make_member(session, "buyer", "구매자"),
        make_member(session, "stranger", "행인"),
    )


def make_listing(
    session, seller: Member, *, price: int = 30000, trade_method: str = "both", **fields
) -> Listing:
    listing = Listing(
        seller_id=seller.id,
        title=fields.pop("title", "원목 의자"),
        price=price,
        category="furniture",
        trade_method=trade_method,
        open_chat_url=fields.pop("open_chat_url", "https://open.kakao.com/o/sChair01"),
        **fields,
    )
    session.add(listing)
    session.commit()
    return listing


def fresh(rt, model, ident):
    """A fresh copy of a row (new session): what the database holds now."""
    with rt.sessions() as session:
        return session.get(model, ident)


def order_of(rt, order_id: int) -> Order:
    return fresh(rt, Order, order_id)


def payments_of(rt, order_id: int) -> list[Payment]:
    from sqlalchemy import select

    with rt.sessions() as session:
        return list(session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)))


def local_path(url: str) -> str:
    """`/pay/1/approve?t=…` from an absolute URL of our app (the test client takes paths)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def follow_kakaopay(client, start_url: str, *, outcome: str = "approve", user_agent: str = "Mozilla/5.0"):
    """The buyer's browser: GET our /start (302 to KakaoPay's page), KakaoPay's page (302 back to
    approval/cancel/fail URL), then our return page. Gives (return URL, our final response)."""
    first = client.get(local_path(start_url), headers={"User-Agent": user_agent})
    assert first.status_code == 302, first.get_data(as_text=True)
    kakaopay_page = first.headers["Location"]
    if outcome != "approve":
        kakaopay_page += f"&outcome={outcome}"
    back = requests.get(kakaopay_page, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    return_url = back.headers["Location"]
    return return_url, client.get(local_path(return_url))
