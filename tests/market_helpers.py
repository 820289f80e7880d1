"""Helpers shared by the market tests: members, listings, calls that carry contexts back."""

from __future__ import annotations

from sqlalchemy import func, select

from chatbot.kakao import validate_skill_response
from chatbot.models import Listing, Member

SELLER = "seller-key-0001"
BUYER = "buyer-key-0002"
SECURE_URL = "http://secure.kakaocdn.net/dna/abc/K6b/XXX/img_org.jpg?credential=C&expires=1702641400"

GOOD_SELL = {
    "title": "아이폰 13 미니 팝니다",
    "price": "42만원",
    "category": "디지털기기",
    "description": "배터리 88%, 케이스 같이 드려요.",
    "trade_method": "둘 다",
    "place": "부천역",
    "open_chat_url": "https://open.kakao.com/o/sAnonChT",
}


def secureimage(*urls: str) -> str:
    """A `sys.plugin.secureimage` param value as Open Builder sends it (JSON in a string)."""
    import json

    return json.dumps(
        {
            "privacyAgreement": "Y",
            "imageQuantity": str(len(urls)),
            "secureUrls": f"List({', '.join(urls)})",
            "expire": "2023-12-15T11:56:40+0000",
        }
    )


def call_with_contexts(kakao, skill: str, utterance: str = "", *, contexts=None, **kwargs) -> dict:
    """Like `kakao.call`, with `contexts` as a request carries them (from a previous answer)."""
    body = kakao.payload(utterance, **kwargs)
    body["contexts"] = [
        {
            "name": c["name"],
            "lifespan": c["lifeSpan"],
            "ttl": c.get("ttl", 600),
            "params": {k: {"value": v, "resolvedValue": v} for k, v in c.get("params", {}).items()},
        }
        for c in (contexts or [])
        if c["lifeSpan"] > 0
    ]
    resp = kakao.client.post(f"/skills/{skill}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    answer = resp.get_json()
    validate_skill_response(answer, strict=True)
    return answer


def contexts_of(answer: dict) -> list[dict]:
    return answer.get("context", {}).get("values", [])


def register(kakao, user_key: str = SELLER, nickname: str = "판매왕", phone: str = "01012345678") -> dict:
    return kakao.call("register", params={"nickname": nickname, "phone": phone}, user_key=user_key)


def sell(kakao, user_key: str = SELLER, **overrides) -> dict:
    params = {**GOOD_SELL, **overrides}
    return kakao.call("sell", params={k: v for k, v in params.items() if v is not None}, user_key=user_key)


def count(rt, model=Listing) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def members(rt) -> list[Member]:
    with rt.sessions() as session:
        return list(session.scalars(select(Member)))


def listings(rt) -> list[Listing]:
    with rt.sessions() as session:
        return list(session.scalars(select(Listing).order_by(Listing.id)))


def cards(answer: dict, kind: str = "commerceCard") -> list[dict]:
    out = []
    for output in answer["template"]["outputs"]:
        if kind in output:
            out.append(output[kind])
        out += (
            output.get("carousel", {}).get("items", [])
            if output.get("carousel", {}).get("type") == kind
            else []
        )
    return out


def listing_ids(answer: dict) -> list[int]:
    """The listing ids of the "자세히 보기" buttons of the commerceCards in `answer`."""
    return [
        int(b["extra"]["listing_id"])
        for c in cards(answer)
        for b in c.get("buttons", [])
        if b["label"] == "자세히 보기"
    ]


def quick_reply(answer: dict, label_start: str) -> dict | None:
    for reply in answer["template"].get("quickReplies", []):
        if reply["label"].startswith(label_start):
            return reply
    return None
