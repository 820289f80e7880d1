"""Listing status (DESIGN.md §5): every legal and illegal transition, and owner-only changes."""

from __future__ import annotations

import itertools

import pytest

from chatbot.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from chatbot.models import Listing, Member
from chatbot.services import listings as service

STATUSES = list(service.STATUS_LABELS)
LEGAL = {
    ("on_sale", "reserved"),
    ("reserved", "sold"),
    ("reserved", "on_sale"),
    ("on_sale", "hidden"),
    ("hidden", "on_sale"),
    ("on_sale", "deleted"),
    ("reserved", "deleted"),
    ("sold", "deleted"),
    ("hidden", "deleted"),
}


def test_the_table_is_design_md():
    assert {(a, b) for a, targets in service.TRANSITIONS.items() for b in targets} == LEGAL


@pytest.mark.parametrize("current,target", sorted(LEGAL))
def test_legal_transitions(current, target):
    listing = Listing(status=current)
    assert service.transition(listing, target) is listing
    assert listing.status == target


@pytest.mark.parametrize(
    "current,target", [p for p in itertools.product(STATUSES, [*STATUSES, "bogus"]) if p not in LEGAL]
)
def test_illegal_transitions_raise_in_korean_and_change_nothing(current, target):
    listing = Listing(status=current)
    with pytest.raises(InvalidTransition) as exc:
        service.transition(listing, target)
    assert listing.status == current
    assert any("가" <= ch <= "힣" for ch in exc.value.user_message)


@pytest.mark.parametrize(
    "word,status",
    [
        ("숨김", "hidden"),
        ("숨기기", "hidden"),
        ("판매중", "on_sale"),
        ("다시 판매", "on_sale"),
        ("재등록", "on_sale"),
        ("삭제", "deleted"),
        ("deleted", "deleted"),
    ],
)
def test_status_commands(word, status):
    assert service.parse_status_command(word) == status


@pytest.mark.parametrize("word", ["판매완료", "예약중", "", None, "<b>삭제</b>", "x" * 10_000])
def test_other_status_commands_are_refused(word):
    with pytest.raises(InvalidInput):
        service.parse_status_command(word)


@pytest.fixture
def two_members_and_a_listing(rt):
    with rt.sessions() as session:
        owner = Member(bot_user_key="owner", nickname="주인", phone="010-1111-1111")
        other = Member(bot_user_key="other", nickname="남", phone="010-2222-2222")
        session.add_all([owner, other])
        session.commit()
        fields = {"title": "의자", "price": 1000, "category": "etc", "trade_method": "direct"}
        listing = service.create_listing(session, owner, fields)
        return owner, other, listing.id


def test_only_the_owner_changes_status(rt, two_members_and_a_listing):
    owner, other, listing_id = two_members_and_a_listing
    with rt.sessions() as session:
        with pytest.raises(Forbidden):
            service.change_status(session, listing_id, other, "deleted")
        assert session.get(Listing, listing_id).status == "on_sale"
        assert service.change_status(session, listing_id, owner, "hidden").status == "hidden"
        with pytest.raises(InvalidTransition):
            service.change_status(session, listing_id, owner, "hidden")
        service.change_status(session, listing_id, owner, "deleted")
        with pytest.raises(NotFound):
            service.change_status(session, listing_id, owner, "on_sale")
        with pytest.raises(NotFound):
            service.change_status(session, 999_999, owner, "hidden")
    with rt.sessions() as session:
        assert session.get(Listing, listing_id).status == "deleted"


def test_the_status_skill_refuses_strangers_and_bad_ids(kakao, rt, two_members_and_a_listing):
    from tests.conftest import texts_of

    _, _, listing_id = two_members_and_a_listing
    for extra, expected in [
        ({"listing_id": listing_id, "status": "삭제"}, "내가 올린 판매글만"),
        ({"listing_id": "abc", "status": "삭제"}, "어떤 판매글인지"),
        ({"listing_id": listing_id, "status": "판매완료"}, "상태:"),
        ({"listing_id": -1, "status": "숨김"}, "어떤 판매글인지"),
    ]:
        assert expected in texts_of(kakao.call("listing-status", client_extra=extra, user_key="other"))
    with rt.sessions() as session:
        assert session.get(Listing, listing_id).status == "on_sale"
    stranger = kakao.call(
        "listing-status", client_extra={"listing_id": listing_id, "status": "삭제"}, user_key="not-a-member"
    )
    assert "회원가입" in texts_of(stranger)


@pytest.mark.parametrize("word", ["숨김", "판매중", "삭제"])
def test_a_reserved_listing_is_moved_only_by_its_trade(kakao, rt, two_members_and_a_listing, word):
    """예약중 is held by an order (services.orders): the seller's own status command refuses it."""
    from tests.conftest import texts_of

    _, _, listing_id = two_members_and_a_listing
    with rt.sessions() as session:
        service.transition(session.get(Listing, listing_id), "reserved")
        session.commit()
    answer = kakao.call(
        "listing-status", client_extra={"listing_id": listing_id, "status": word}, user_key="owner"
    )
    assert "거래 중인 판매글" in texts_of(answer)
    with rt.sessions() as session:
        assert session.get(Listing, listing_id).status == "reserved"
