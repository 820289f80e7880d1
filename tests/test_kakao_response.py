"""SkillResponse builders and `validate_skill_response` (chatbot.kakao) against GB-FMT's limits.

Every limit of ../shared/fixtures/kakao/INDEX.md has a test at the limit and one over it: text is cut
with "…" to exactly the limit, structural excess raises KakaoLimitError. Every saved response in
fixtures/kakao/responses validates.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chatbot.kakao import (
    ELLIPSIS,
    KakaoLimitError,
    basic_card,
    button_block,
    button_message,
    button_operator,
    button_phone,
    button_share,
    button_weblink,
    carousel,
    carousel_header,
    commerce_card,
    context_value,
    cut_lines,
    cut_text,
    error_response,
    image_title,
    item_card,
    item_card_profile,
    item_row,
    link,
    list_card,
    list_item,
    profile,
    quick_reply_block,
    quick_reply_message,
    simple_image,
    simple_text,
    skill_response,
    text_card,
    thumbnail,
    validate_skill_response,
)
from chatbot.kakao import limits as L
from tests.conftest import FIXTURES_DIR

RESPONSES_DIR = FIXTURES_DIR / "kakao" / "responses"
RESPONSE_FILES = sorted(RESPONSES_DIR.glob("*.json"))

IMG = "https://img.example/a.jpg"
BLOCK = "62654c249ac8ed78441532de"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((RESPONSES_DIR / name).read_text(encoding="utf-8"))


def _cut(text: str, limit: int) -> None:
    """Assert `text` was cut to exactly `limit` characters ending in "…"."""
    assert len(text) == limit
    assert text.endswith(ELLIPSIS)


def _resp(*outputs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return skill_response(list(outputs), **kw)


def _raises(path: str, fn: Any, *args: Any, **kwargs: Any) -> KakaoLimitError:
    with pytest.raises(KakaoLimitError) as info:
        fn(*args, **kwargs)
    assert info.value.path == path, str(info.value)
    assert isinstance(info.value, ValueError)
    return info.value


def _buttons(n: int, label: str = "버튼") -> list[dict[str, Any]]:
    return [button_message(f"{label}{i}") for i in range(n)]


def _rows(n: int) -> list[tuple[str, str]]:
    return [(f"항목{i}", f"값{i}") for i in range(n)]


def _items(n: int) -> list[dict[str, Any]]:
    return [
        list_item(f"상품 {i}", "설명", IMG, action="block", block_id=BLOCK, extra={"listing_id": i})
        for i in range(n)
    ]


# --- fixtures ---------------------------------------------------------------------------------------


def test_fixture_dir_is_populated(fixtures_dir: Path) -> None:
    assert RESPONSE_FILES, f"no responses under {RESPONSES_DIR}"


@pytest.mark.parametrize("path", RESPONSE_FILES, ids=lambda p: p.name)
def test_every_response_fixture_validates(path: Path) -> None:
    validate_skill_response(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        # GB-FMT's own horizontal textCard example: "챗봇 만들러 가기" is 9 characters, limit 8.
        (
            "resp_official_textcard_buttonlayout_horizontal.json",
            "template.outputs[0].textCard.buttons[1].label",
        ),
        # GB-FMT's own itemCard example: "Departs" (7), "Terminal" (8), limit 6 (INDEX contradiction 11).
        (
            "resp_official_itemcard_imagetitle_profile_summary.json",
            "template.outputs[0].itemCard.itemList[2].title",
        ),
    ],
)
def test_strict_mode_refuses_the_documented_display_excesses(name: str, path: str) -> None:
    resp = _fixture(name)
    validate_skill_response(resp)
    _raises(path, validate_skill_response, resp, strict=True)


def test_real_listcard_with_relative_links_passes_strict() -> None:
    validate_skill_response(_fixture("resp_real_listcard_share_button_quickreplies.json"), strict=True)


# --- helpers ----------------------------------------------------------------------------------------


def test_cut_text_and_cut_lines() -> None:
    assert cut_text("가" * 10, 10) == "가" * 10
    assert cut_text("가" * 11, 10) == "가" * 9 + "…"
    assert cut_lines("a\nb", 2) == "a\nb"
    assert cut_lines("a\nb\nc", 2) == "a\nb…"


# --- simpleText / simpleImage -----------------------------------------------------------------------


def test_simple_text_at_and_over_1000() -> None:
    assert simple_text("가" * 1000)["simpleText"]["text"] == "가" * 1000
    _cut(simple_text("가" * 1001)["simpleText"]["text"], L.SIMPLE_TEXT_MAX)


@pytest.mark.parametrize("text", ["", "   "])
def test_simple_text_needs_text(text: str) -> None:
    _raises("simpleText.text", simple_text, text)


def test_simple_image_alt_text_at_and_over_50() -> None:
    assert simple_image(IMG, "가" * 50)["simpleImage"]["altText"] == "가" * 50
    _cut(simple_image(IMG, "가" * 51)["simpleImage"]["altText"], L.ALT_TEXT_MAX)
    _raises("simpleImage.imageUrl", simple_image, "", "대체")
    _raises("simpleImage.altText", simple_image, IMG, "")


# --- textCard ---------------------------------------------------------------------------------------


def test_text_card_title_at_and_over_50() -> None:
    assert text_card("가" * 50)["textCard"]["title"] == "가" * 50
    _cut(text_card("가" * 51)["textCard"]["title"], L.TEXT_CARD_TITLE_MAX)


def test_text_card_title_plus_description_at_and_over_400() -> None:
    card = text_card("가" * 50, "나" * 350)["textCard"]
    assert card["description"] == "나" * 350
    card = text_card("가" * 50, "나" * 351)["textCard"]
    _cut(card["description"], 350)
    card = text_card(None, "나" * 401)["textCard"]
    _cut(card["description"], L.TEXT_CARD_TEXT_MAX)


def test_text_card_needs_title_or_description() -> None:
    _raises("textCard", text_card)
    _raises("textCard", text_card, " ", "")


def test_text_card_description_in_carousel_at_and_over_128() -> None:
    ok = carousel("textCard", [text_card("t", "가" * 128)])
    assert ok["carousel"]["items"][0]["description"] == "가" * 128
    single = text_card("t", "가" * 300)
    out = carousel("textCard", [single])
    _cut(out["carousel"]["items"][0]["description"], L.TEXT_CARD_DESCRIPTION_CAROUSEL_MAX)
    assert len(single["textCard"]["description"]) == 300  # the single card is not changed
    _resp(out)


# --- basicCard --------------------------------------------------------------------------------------


def test_basic_card_title_and_description_limits() -> None:
    card = basic_card(IMG, "가" * 50, "나" * 230)["basicCard"]
    assert (len(card["title"]), len(card["description"])) == (50, 230)
    card = basic_card(IMG, "가" * 51, "나" * 231)["basicCard"]
    _cut(card["title"], L.BASIC_CARD_TITLE_MAX)
    _cut(card["description"], L.BASIC_CARD_DESCRIPTION_MAX)


def test_basic_card_needs_a_thumbnail() -> None:
    _raises("thumbnail.imageUrl", basic_card, "", "제목")
    _raises("basicCard.thumbnail", basic_card, {"link": {"web": IMG}}, "제목")


def test_basic_card_full_shape_validates() -> None:
    card = basic_card(
        thumbnail(IMG, link="https://x.example", alt_text="가" * 60),
        "의자",
        "튼튼해요",
        buttons=[button_weblink("보기", "https://x.example"), button_share()],
        profile=profile("중계나라", IMG),
        forwardable=True,
    )
    _cut(card["basicCard"]["thumbnail"]["altText"], L.THUMBNAIL_ALT_TEXT_MAX)
    assert card["basicCard"]["thumbnail"]["link"] == {"web": "https://x.example"}
    resp = _resp(card)
    assert json.loads(json.dumps(resp)) == resp


# --- buttons ----------------------------------------------------------------------------------------


def test_vertical_buttons_at_and_over_3() -> None:
    assert len(basic_card(IMG, "t", buttons=_buttons(3))["basicCard"]["buttons"]) == 3
    _raises("basicCard.buttons", basic_card, IMG, "t", buttons=_buttons(4))
    _raises("textCard.buttons", text_card, "t", buttons=_buttons(4))
    _raises("listCard.buttons", list_card, "h", _items(1), _buttons(4))


def test_horizontal_buttons_at_and_over_2() -> None:
    assert len(text_card("t", buttons=_buttons(2), button_layout="horizontal")["textCard"]["buttons"]) == 2
    _raises("textCard.buttons", text_card, "t", buttons=_buttons(3), button_layout="horizontal")


def test_fixed_ratio_thumbnail_means_horizontal_unless_layout_overrides() -> None:
    square = thumbnail(IMG, fixed_ratio=True)
    _raises("basicCard.buttons", basic_card, square, "t", buttons=_buttons(3))
    assert (
        len(basic_card(square, "t", buttons=_buttons(3), button_layout="vertical")["basicCard"]["buttons"])
        == 3
    )


def test_button_label_at_and_over_14() -> None:
    assert button_message("가" * 14)["label"] == "가" * 14
    button = button_message("가" * 15)
    _cut(button["label"], L.BUTTON_LABEL_MAX)
    assert button["messageText"] == "가" * 15  # what is said is never cut


def test_button_label_at_and_over_8_when_two_side_by_side() -> None:
    labels = ["가" * 8, "나" * 9]
    card = text_card("t", buttons=[button_message(x) for x in labels], button_layout="horizontal")
    first, second = card["textCard"]["buttons"]
    assert first["label"] == "가" * 8
    _cut(second["label"], L.BUTTON_LABEL_HORIZONTAL_MAX)
    # one horizontal button, or two vertical ones, keep 14
    one = text_card("t", buttons=[button_message("나" * 14)], button_layout="horizontal")
    assert one["textCard"]["buttons"][0]["label"] == "나" * 14
    two = text_card("t", buttons=[button_message("나" * 14)] * 2)
    assert two["textCard"]["buttons"][1]["label"] == "나" * 14
    _resp(card)


def test_button_actions_and_required_fields() -> None:
    assert button_weblink("열기", "https://x") == {
        "label": "열기",
        "action": "webLink",
        "webLinkUrl": "https://x",
    }
    assert button_message("네") == {"label": "네", "action": "message", "messageText": "네"}
    assert button_block("구매", BLOCK, message_text="구매할래요", extra={"listing_id": 3}) == {
        "label": "구매",
        "action": "block",
        "blockId": BLOCK,
        "messageText": "구매할래요",
        "extra": {"listing_id": 3},
    }
    assert button_phone("전화", "010-0000-0000")["phoneNumber"] == "010-0000-0000"
    assert button_share() == {"label": "공유하기", "action": "share"}
    assert button_operator()["action"] == "operator"
    _raises("button.blockId", button_block, "구매", "")
    _raises("button.webLinkUrl", button_weblink, "열기", "")
    _raises("button.phoneNumber", button_phone, "전화", " ")
    _raises("button.label", button_share, "")
    _raises("button.extra", button_message, "네", "네", ["not", "a", "map"])


# --- commerceCard -----------------------------------------------------------------------------------


def test_commerce_card_title_30_description_40() -> None:
    card = commerce_card(IMG, 10000, "가" * 30, "나" * 40)["commerceCard"]
    assert (len(card["title"]), len(card["description"])) == (30, 40)
    card = commerce_card(IMG, 10000, "가" * 31, "나" * 41)["commerceCard"]
    _cut(card["title"], L.COMMERCE_CARD_TITLE_MAX)
    _cut(card["description"], L.COMMERCE_CARD_DESCRIPTION_MAX)


def test_commerce_card_exactly_one_thumbnail() -> None:
    card = commerce_card([thumbnail(IMG, link="https://shop")], 1000)["commerceCard"]
    assert card["thumbnails"] == [{"imageUrl": IMG, "link": {"web": "https://shop"}}]
    assert card["currency"] == "won"
    _raises("commerceCard.thumbnails", commerce_card, [], 1000)
    _raises("commerceCard.thumbnails", commerce_card, [IMG, IMG], 1000)


@pytest.mark.parametrize("price", [-1, 1.5, "1000", True, None])
def test_commerce_card_price_is_a_non_negative_int(price: Any) -> None:
    _raises("commerceCard.price", commerce_card, IMG, price)


def test_commerce_card_discounts() -> None:
    card = commerce_card(IMG, 10000, discount=1000)["commerceCard"]
    assert card["discount"] == 1000
    card = commerce_card(IMG, 10000, discount_rate=10, discounted_price=9000)["commerceCard"]
    assert (card["discountRate"], card["discountedPrice"]) == (10, 9000)
    _raises("commerceCard.discountRate", commerce_card, IMG, 10000, discount_rate=10)
    _raises("commerceCard.discountRate", commerce_card, IMG, 10000, discount_rate=101, discounted_price=0)
    _resp(commerce_card(IMG, 10000, "의자", buttons=_buttons(3), profile=profile("판매자")))


# --- listCard ---------------------------------------------------------------------------------------


def test_list_card_items_at_and_over_5() -> None:
    assert len(list_card("헤더", _items(5))["listCard"]["items"]) == 5
    _raises("listCard.items", list_card, "헤더", _items(6))
    _raises("listCard.items", list_card, "헤더", [])


def test_list_card_in_carousel_at_and_over_4_items_whatever_the_call_order() -> None:
    ok = carousel("listCard", [list_card("a", _items(4)), list_card("b", _items(4))])
    _resp(ok)
    five = list_card("b", _items(5))  # fine on its own ...
    _resp(five)
    _raises(
        "carousel.items[1].items", carousel, "listCard", [list_card("a", _items(1)), five]
    )  # ... not here


def test_list_card_header_and_item_text_limits() -> None:
    card = list_card("가" * 51, [list_item("나" * 51, "다" * 51)])["listCard"]
    _cut(card["header"]["title"], L.LIST_ITEM_TITLE_MAX)
    _cut(card["items"][0]["title"], L.LIST_ITEM_TITLE_MAX)
    _cut(card["items"][0]["description"], L.LIST_ITEM_DESCRIPTION_MAX)
    card = list_card({"title": "헤더"}, [list_item("나" * 50, "다" * 50)])["listCard"]
    assert (len(card["items"][0]["title"]), len(card["items"][0]["description"])) == (50, 50)
    _raises("listCard.header.title", list_card, "", _items(1))
    _raises("listCard.header.title", list_card, {"imageUrl": IMG}, _items(1))


def test_list_item_actions() -> None:
    item = list_item("의자", action="block", block_id=BLOCK, extra={"listing_id": 1})
    assert item == {"title": "의자", "action": "block", "blockId": BLOCK, "extra": {"listing_id": 1}}
    assert list_item("의자", action="message")["messageText"] == "의자"
    assert list_item("의자", link="https://x")["link"] == {"web": "https://x"}
    _raises("listItem.blockId", list_item, "의자", action="block")
    _raises("listItem.action", list_item, "의자", action="webLink")
    _raises("listItem.extra", list_item, "의자", extra={"a": 1})
    _raises("listItem.title", list_item, "")
    _raises("link", list_item, "의자", link={})


# --- itemCard ---------------------------------------------------------------------------------------


def test_item_card_rows_at_and_over_10_and_5_in_carousel() -> None:
    assert len(item_card(_rows(10))["itemCard"]["itemList"]) == 10
    _raises("itemCard.itemList", item_card, _rows(11))
    _raises("itemCard.itemList", item_card, [])
    _resp(carousel("itemCard", [item_card(_rows(5))]))
    _raises("carousel.items[0].itemList", carousel, "itemCard", [item_card(_rows(6))])


def test_item_list_title_at_and_over_6() -> None:
    assert item_row("가" * 6, "값")["title"] == "가" * 6
    _cut(item_row("Terminal", "1")["title"], L.ITEM_LIST_TITLE_MAX)
    _cut(item_card([("Departs", "9:50 AM")])["itemCard"]["itemList"][0]["title"], L.ITEM_LIST_TITLE_MAX)


def test_item_list_summary_amount_at_and_over_14_is_refused_not_cut() -> None:
    card = item_card(_rows(1), item_list_summary=("Total", "₩1,234,567,890"))["itemCard"]
    assert card["itemListSummary"] == {"title": "Total", "description": "₩1,234,567,890"}
    _raises(
        "itemCard.itemListSummary.description",
        item_card,
        _rows(1),
        item_list_summary=("합계", "₩12,345,678,901"),
    )


def test_item_card_title_plus_description_200_then_100_in_carousel() -> None:
    card = item_card(_rows(1), title="가" * 50, description="나" * 150)["itemCard"]
    assert len(card["description"]) == 150
    card = item_card(_rows(1), title="가" * 50, description="나" * 151)["itemCard"]
    _cut(card["description"], 150)
    inner = carousel("itemCard", [item_card(_rows(1), title="가" * 50, description="나" * 150)])
    _cut(inner["carousel"]["items"][0]["description"], 50)
    _resp(inner)


def test_item_card_lines_at_and_over_12() -> None:
    card = item_card(_rows(1), title="제목", description="\n".join("줄" for _ in range(11)))["itemCard"]
    assert card["description"].count("\n") == 10
    card = item_card(_rows(1), title="제목", description="\n".join("줄" for _ in range(12)))["itemCard"]
    assert card["description"].count("\n") == 10
    assert card["description"].endswith(ELLIPSIS)
    _resp({"itemCard": card})


def test_item_card_profile_head_and_description_rules() -> None:
    assert item_card_profile("가" * 15, IMG)["title"] == "가" * 15
    _cut(item_card_profile("가" * 16)["title"], L.ITEM_CARD_PROFILE_TITLE_MAX)
    _raises("itemCard.profile", item_card, _rows(1), head="머리", profile=item_card_profile("p"))
    _raises("itemCard.description", item_card, _rows(1), description="설명만")
    full = item_card(
        _rows(3),
        title="주문",
        description="설명",
        thumbnail=thumbnail(IMG, width=800, height=800),
        profile=item_card_profile("중계나라", IMG),
        image_title=image_title("예약 완료\n둘째 줄\n셋째 줄", "설명\n둘째", IMG),
        item_list_alignment="right",
        item_list_summary=("합계", "₩40,000"),
        buttons=_buttons(3),
        button_layout="vertical",
    )
    assert full["itemCard"]["imageTitle"]["title"] == "예약 완료\n둘째 줄…"
    assert full["itemCard"]["imageTitle"]["description"] == "설명…"
    _resp(full)


def test_item_card_thumbnail_in_carousel_must_be_2_to_1() -> None:
    _resp(carousel("itemCard", [item_card(_rows(1), thumbnail=thumbnail(IMG, width=800, height=400))]))
    square = carousel("itemCard", [item_card(_rows(1), thumbnail=thumbnail(IMG, width=800, height=800))])
    _raises("template.outputs[0].carousel.items[0].thumbnail", _resp, square)


# --- carousel ---------------------------------------------------------------------------------------


def test_carousel_items_at_and_over_10() -> None:
    cards = [basic_card(IMG, f"카드 {i}") for i in range(11)]
    assert len(carousel("basicCard", cards[:10])["carousel"]["items"]) == 10
    _raises("carousel.items", carousel, "basicCard", cards)
    _raises("carousel.items", carousel, "basicCard", [])


def test_list_card_carousel_at_and_over_5() -> None:
    cards = [list_card(f"h{i}", _items(2)) for i in range(6)]
    _resp(carousel("listCard", cards[:5]))
    _raises("carousel.items", carousel, "listCard", cards)


def test_carousel_refuses_mixed_item_types_and_unknown_kinds() -> None:
    _raises("carousel.items[1]", carousel, "basicCard", [basic_card(IMG, "a"), text_card("b")])
    _raises("carousel.type", carousel, "simpleText", [simple_text("a")])


def test_carousel_accepts_bare_cards() -> None:
    bare = basic_card(IMG, "a")["basicCard"]
    assert carousel("basicCard", [bare])["carousel"]["items"] == [bare]


def test_carousel_header() -> None:
    header = carousel_header("첫 줄\n둘째 줄\n셋째 줄", "1\n2\n3\n4", IMG)
    assert header == {"title": "첫 줄\n둘째 줄…", "description": "1\n2\n3…", "thumbnail": {"imageUrl": IMG}}
    out = carousel("commerceCard", [commerce_card(IMG, 1000)], header=header)
    _resp(out)
    _raises("carousel.header", carousel, "listCard", [list_card("h", _items(1))], header=header)
    _raises("carousel.header", carousel, "textCard", [text_card("t")], header=header)


# --- quickReplies, outputs, context -------------------------------------------------------------------


def test_quick_replies_at_and_over_10() -> None:
    replies = [quick_reply_message(f"메뉴{i}") for i in range(11)]
    assert len(_resp(simple_text("hi"), quick_replies=replies[:10])["template"]["quickReplies"]) == 10
    _raises("template.quickReplies", _resp, simple_text("hi"), quick_replies=replies)


def test_quick_reply_label_at_and_over_14() -> None:
    assert quick_reply_message("가" * 14)["label"] == "가" * 14
    reply = quick_reply_message("가" * 15)
    _cut(reply["label"], L.QUICK_REPLY_LABEL_MAX)
    assert reply["messageText"] == "가" * 15


def test_quick_reply_block_with_extra() -> None:
    reply = quick_reply_block("판매하기", BLOCK, extra={"listing_id": 7}, message_text="판매할래요")
    assert reply == {
        "label": "판매하기",
        "action": "block",
        "blockId": BLOCK,
        "messageText": "판매할래요",
        "extra": {"listing_id": 7},
    }
    assert quick_reply_message("핫딜", extra={"board": "ppomppu"})["extra"] == {"board": "ppomppu"}
    _raises("quickReply.blockId", quick_reply_block, "판매하기", "")
    _raises("quickReply.label", quick_reply_message, "")


def test_outputs_at_and_over_3() -> None:
    assert len(_resp(*(simple_text(str(i)) for i in range(3)))["template"]["outputs"]) == 3
    _raises("template.outputs", _resp, *(simple_text(str(i)) for i in range(4)))
    _raises("template.outputs", skill_response, [])


def test_context_values() -> None:
    value = context_value("sell", 5, {"step": 2, "ok": True, "title": "의자", "obj": {"a": "가"}}, ttl=600)
    assert value == {
        "name": "sell",
        "lifeSpan": 5,
        "ttl": 600,
        "params": {"step": "2", "ok": "true", "title": "의자", "obj": '{"a":"가"}'},
    }
    assert context_value("sell", 0) == {"name": "sell", "lifeSpan": 0}  # lifeSpan 0 deletes
    resp = _resp(simple_text("hi"), context=[value], data={"k": "v"})
    assert resp["context"] == {"values": [value]}
    assert resp["data"] == {"k": "v"}
    _raises("context.lifeSpan", context_value, "sell", -1)
    _raises("context.lifeSpan", context_value, "sell", True)
    _raises("context.ttl", context_value, "sell", 1, ttl=-5)
    _raises("context.name", context_value, "", 1)
    _raises("context.params.k", context_value, "sell", 1, {"k": None})


def test_skill_response_shape() -> None:
    resp = skill_response(simple_text("안녕하세요"))
    assert resp == {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": "안녕하세요"}}]}}


def test_skill_response_validates_hand_made_parts() -> None:
    _raises(
        "template.outputs[0].basicCard.buttons[0].blockId",
        skill_response,
        [{"basicCard": {"thumbnail": {"imageUrl": IMG}, "buttons": [{"label": "x", "action": "block"}]}}],
    )
    # builders guarantee strict limits, so skill_response demands them of hand-made parts too
    _raises(
        "template.quickReplies[0].label",
        skill_response,
        [simple_text("hi")],
        [{"label": "가" * 15, "action": "message", "messageText": "x"}],
    )


def test_error_response() -> None:
    resp = error_response("잠시 후 다시 시도해 주세요.")
    assert resp["template"]["outputs"] == [{"simpleText": {"text": "잠시 후 다시 시도해 주세요."}}]
    validate_skill_response(resp, strict=True)
    assert _hangul_text(error_response("")["template"]["outputs"][0]["simpleText"]["text"])
    _cut(error_response("가" * 2000)["template"]["outputs"][0]["simpleText"]["text"], L.SIMPLE_TEXT_MAX)


def _hangul_text(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


def test_link_builder() -> None:
    assert link("https://w", pc="https://p") == {"web": "https://w", "pc": "https://p"}
    _raises("link", link)


# --- validate_skill_response: precise paths ----------------------------------------------------------


SIMPLE = {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": "hi"}}]}}
CAROUSEL = "resp_official_carousel_basiccard.json"
LIST_CAROUSEL = "resp_official_carousel_listcard_with_quickreplies_message.json"
LIST = "resp_official_listcard_header_items_buttons.json"
COMMERCE = "resp_official_commercecard_price_discount_profile.json"
TEXT = "resp_official_textcard_weblink_buttons.json"
TEXT_H = "resp_official_textcard_buttonlayout_horizontal.json"
ITEM = "resp_official_itemcard_imagetitle_profile_summary.json"
ITEM_CAROUSEL = "resp_official_carousel_itemcard_after_simpletext_quickreplies.json"
CONTEXT = "resp_official_context_control_lifespan_ttl.json"
HEADER = "resp_official_carousel_commercecard_with_header.json"

C0 = "template.outputs.0.carousel"
QR_MSG = {"label": "a", "action": "message", "messageText": "a"}
ROW = {"title": "a", "description": "b"}
SHARE = {"label": "x", "action": "share"}

# (id, base: fixture name or dict, where: dotted path to change, op, value, expected error path)
# op: "set" updates the object at `where` with `value`; "pop" removes key `value`; "add" extends the
# list at `where` with `value` (a list); "put0" replaces the list's first element with `value`.
BROKEN: list[tuple[str, Any, str, str, Any, str]] = [
    ("version missing", SIMPLE, "", "pop", "version", "version"),
    ("version 1.0", SIMPLE, "", "set", {"version": "1.0"}, "version"),
    ("nothing in it", {"version": "2.0"}, "", "set", {}, "template"),
    ("useCallback not bool", {"version": "2.0"}, "", "set", {"useCallback": "yes"}, "useCallback"),
    ("data not an object", {"version": "2.0"}, "", "set", {"data": []}, "data"),
    ("no outputs", SIMPLE, "template", "set", {"outputs": []}, "template.outputs"),
    ("4 outputs", SIMPLE, "template.outputs", "add", [{"simpleText": {"text": "x"}}] * 3, "template.outputs"),
    ("two kinds in one output", SIMPLE, "template.outputs.0", "set", {"simpleImage": {}},
     "template.outputs[0]"),
    ("unknown output", SIMPLE, "template", "set", {"outputs": [{"video": {}}]}, "template.outputs[0]"),
    ("empty text", SIMPLE, "template.outputs.0.simpleText", "set", {"text": ""},
     "template.outputs[0].simpleText.text"),
    ("text over 1000", SIMPLE, "template.outputs.0.simpleText", "set", {"text": "x" * 1001},
     "template.outputs[0].simpleText.text"),
    ("11 quickReplies", SIMPLE, "template", "set", {"quickReplies": [QR_MSG] * 11}, "template.quickReplies"),
    ("quickReply block without blockId", SIMPLE, "template", "set",
     {"quickReplies": [{"label": "a", "action": "block"}]}, "template.quickReplies[0].blockId"),
    ("quickReply unknown action", SIMPLE, "template", "set",
     {"quickReplies": [{"label": "a", "action": "webLink"}]}, "template.quickReplies[0].action"),
    ("quickReply extra not a map", SIMPLE, "template", "set",
     {"quickReplies": [{**QR_MSG, "extra": "x"}]}, "template.quickReplies[0].extra"),
    ("carousel button without blockId", CAROUSEL, f"{C0}.items.1.buttons", "put0",
     {"label": "x", "action": "block"},
     "template.outputs[0].carousel.items[1].buttons[0].blockId"),
    ("4 buttons", CAROUSEL, f"{C0}.items.2.buttons", "add", [SHARE] * 2,
     "template.outputs[0].carousel.items[2].buttons"),
    ("weblink without url", CAROUSEL, f"{C0}.items.0.buttons.1", "pop", "webLinkUrl",
     "template.outputs[0].carousel.items[0].buttons[1].webLinkUrl"),
    ("unknown button action", CAROUSEL, f"{C0}.items.0.buttons.1", "set", {"action": "osLink"},
     "template.outputs[0].carousel.items[0].buttons[1].action"),
    ("basicCard without thumbnail", CAROUSEL, f"{C0}.items.0", "pop", "thumbnail",
     "template.outputs[0].carousel.items[0].thumbnail"),
    ("wrapped carousel item", CAROUSEL, f"{C0}.items", "put0", {"basicCard": {}},
     "template.outputs[0].carousel.items[0]"),
    ("11 carousel items", CAROUSEL, f"{C0}.items", "add", [{"title": "x"}] * 8,
     "template.outputs[0].carousel.items"),
    ("mixed fixedRatio", CAROUSEL, f"{C0}.items.1.thumbnail", "set", {"fixedRatio": True},
     "template.outputs[0].carousel.items"),
    ("carousel type typo", CAROUSEL, C0, "set", {"type": "basiccard"}, "template.outputs[0].carousel.type"),
    ("header on listCard carousel", LIST_CAROUSEL, C0, "set",
     {"header": {"title": "t", "thumbnail": {"imageUrl": IMG}}},
     "template.outputs[0].carousel.header"),
    ("5 listCard rows in carousel", LIST_CAROUSEL, f"{C0}.items.0.items", "add", [{"title": "x"}],
     "template.outputs[0].carousel.items[0].items"),
    ("6 listCard rows", LIST, "template.outputs.0.listCard.items", "add", [{"title": "x"}] * 3,
     "template.outputs[0].listCard.items"),
    ("listItem block without blockId", LIST, "template.outputs.0.listCard.items.1", "pop", "blockId",
     "template.outputs[0].listCard.items[1].blockId"),
    ("listCard without header", LIST, "template.outputs.0.listCard", "pop", "header",
     "template.outputs[0].listCard.header"),
    ("empty link", LIST, "template.outputs.0.listCard.items.0", "set", {"link": {}},
     "template.outputs[0].listCard.items[0].link"),
    ("commerce two thumbnails", COMMERCE,
     "template.outputs.0.commerceCard.thumbnails", "add", [{"imageUrl": IMG}],
     "template.outputs[0].commerceCard.thumbnails"),
    ("commerce currency WON", COMMERCE, "template.outputs.0.commerceCard", "set", {"currency": "WON"},
     "template.outputs[0].commerceCard.currency"),
    ("commerce price string", COMMERCE, "template.outputs.0.commerceCard", "set", {"price": "10000"},
     "template.outputs[0].commerceCard.price"),
    ("commerce rate without discountedPrice", COMMERCE, "template.outputs.0.commerceCard", "set",
     {"discountRate": 10},
     "template.outputs[0].commerceCard.discountRate"),
    ("commerce title over 30", COMMERCE, "template.outputs.0.commerceCard", "set", {"title": "가" * 31},
     "template.outputs[0].commerceCard.title"),
    ("profile without nickname", COMMERCE, "template.outputs.0.commerceCard.profile", "pop", "nickname",
     "template.outputs[0].commerceCard.profile.nickname"),
    ("textCard over 400", TEXT, "template.outputs.0.textCard", "set", {"description": "가" * 380},
     "template.outputs[0].textCard.description"),
    ("3 horizontal buttons", TEXT_H, "template.outputs.0.textCard.buttons", "add", [SHARE],
     "template.outputs[0].textCard.buttons"),
    ("bad buttonLayout", TEXT_H, "template.outputs.0.textCard", "set", {"buttonLayout": "grid"},
     "template.outputs[0].textCard.buttonLayout"),
    ("itemCard head and profile", ITEM, "template.outputs.0.itemCard", "set", {"head": {"title": "h"}},
     "template.outputs[0].itemCard.profile"),
    ("itemCard 11 rows", ITEM, "template.outputs.0.itemCard.itemList", "add", [ROW] * 6,
     "template.outputs[0].itemCard.itemList"),
    ("itemCard summary over 14", ITEM, "template.outputs.0.itemCard.itemListSummary", "set",
     {"description": "$1,234,567,890.00"}, "template.outputs[0].itemCard.itemListSummary.description"),
    ("itemCard description, no title", ITEM, "template.outputs.0.itemCard", "set", {"description": "설명"},
     "template.outputs[0].itemCard.description"),
    ("itemCard profile title over 15", ITEM, "template.outputs.0.itemCard.profile", "set",
     {"title": "가" * 16},
     "template.outputs[0].itemCard.profile.title"),
    ("itemCard carousel 6 rows", ITEM_CAROUSEL,
     "template.outputs.1.carousel.items.0.itemList", "add", [ROW] * 2,
     "template.outputs[1].carousel.items[0].itemList"),
    ("simpleImage altText over 50", "resp_official_simpleimage.json", "template.outputs.0.simpleImage", "set",
     {"altText": "가" * 51}, "template.outputs[0].simpleImage.altText"),
    ("context lifeSpan missing", CONTEXT, "context.values.2", "pop", "lifeSpan",
     "context.values[2].lifeSpan"),
    ("context param not a string", CONTEXT, "context.values.1.params", "set", {"key3": 1},
     "context.values[1].params.key3"),
    ("header thumbnail missing", HEADER, f"{C0}.header", "pop", "thumbnail",
     "template.outputs[0].carousel.header.thumbnail"),
    ("header title 3 lines", HEADER, f"{C0}.header", "set", {"title": "a\nb\nc"},
     "template.outputs[0].carousel.header.title"),
]  # fmt: skip


def _broken(base: Any, where: str, op: str, value: Any) -> dict[str, Any]:
    resp = copy.deepcopy(_fixture(base) if isinstance(base, str) else base)
    target: Any = resp
    for part in filter(None, where.split(".")):
        target = target[int(part)] if isinstance(target, list) else target[part]
    if op == "set":
        target.update(value)
    elif op == "pop":
        target.pop(value)
    elif op == "add":
        target.extend(copy.deepcopy(value))
    else:
        target[0] = value
    return resp


@pytest.mark.parametrize(("why", "base", "where", "op", "value", "path"), BROKEN, ids=[b[0] for b in BROKEN])
def test_validator_names_the_path(why: str, base: Any, where: str, op: str, value: Any, path: str) -> None:
    _raises(path, validate_skill_response, _broken(base, where, op, value))


def test_validator_accepts_non_dict_gracefully() -> None:
    _raises("(response)", validate_skill_response, [])


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda b: b.update(extra={"a": 1}), "template.outputs[0].basicCard.buttons[1].extra"),
        (lambda b: b.update(label="가" * 15), "template.outputs[0].basicCard.buttons[1].label"),
        (lambda b: b.update(action="mention"), "template.outputs[0].basicCard.buttons[1].action"),
    ],
)
def test_strict_only_rules(change: Any, path: str) -> None:
    resp = _fixture("resp_official_basiccard_thumbnail_buttons.json")
    change(resp["template"]["outputs"][0]["basicCard"]["buttons"][1])
    validate_skill_response(resp)
    _raises(path, validate_skill_response, resp, strict=True)


def test_builders_output_is_always_strictly_valid_and_json_ready() -> None:
    resp = skill_response(
        [
            simple_text("가" * 5000),
            carousel(
                "basicCard",
                [
                    basic_card(
                        thumbnail(IMG, fixed_ratio=True),
                        "가" * 100,
                        "나" * 500,
                        buttons=[
                            button_block("가" * 20, BLOCK, extra={"id": 1}),
                            button_weblink("나" * 20, "https://x"),
                        ],
                    )
                    for _ in range(10)
                ],
                header=carousel_header("헤더", "설명", IMG),
            ),
            list_card("가" * 80, _items(5), [button_share("가" * 30)]),
        ],
        quick_replies=[quick_reply_block("가" * 30, BLOCK, extra={"n": i}) for i in range(10)],
        context=[context_value("c", 3, {"k": 1})],
    )
    validate_skill_response(resp, strict=True)
    assert json.loads(json.dumps(resp, ensure_ascii=False)) == resp
    buttons = resp["template"]["outputs"][1]["carousel"]["items"][0]["buttons"]
    assert [len(b["label"]) for b in buttons] == [8, 8]
