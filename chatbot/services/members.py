"""Members: sign-up and profile rules (issue 4 §1, DESIGN.md §5 "Member").

Identity is the botUserKey (`userRequest.user.id`); `plusfriendUserKey` and `appUserId` are stored
when a payload carries them. Validation rules are small pure functions (`check_nickname`,
`normalize_phone`) raising `InvalidInput` whose `details` maps the field to a Korean reason.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import redis
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chatbot.errors import Conflict, Forbidden, InvalidInput
from chatbot.models import Listing, Member
from chatbot.services.paging import Page, get_or_404, keyset_page, lock_or_404
from chatbot.services.validation import field_error, validate_fields

NICKNAME_MIN, NICKNAME_MAX = 2, 12
# Complete Hangul syllables, ASCII letters and digits, "_": nothing that could be markup or SQL.
_NICKNAME_RE = re.compile(r"^[가-힣A-Za-z0-9_]+$")
# Names that would let someone pass for the operator (compared case-insensitively, as substrings).
MEMBER_STATUSES = ("active", "suspended")
SUSPENDED_MESSAGE = "이용이 정지된 계정이에요. 고객센터에 문의해 주세요."
MEMBER_NOT_FOUND = "회원을 찾을 수 없어요."
RESERVED_NICKNAMES = ("관리자", "운영자", "중계나라", "admin", "operator", "kakao", "카카오")
_PHONE_NOISE = re.compile(r"[\s\-.()]")

FIELD_LABELS = {"nickname": "닉네임", "phone": "휴대폰 번호"}


def invalid(field: str, reason: str) -> InvalidInput:
    """An `InvalidInput` for one field: the message names it ("닉네임: …"), `details` = {field: reason}."""
    return field_error(field, FIELD_LABELS.get(field, field), reason)


def validate_member_fields(
    raw: dict[str, Any], *, required: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check `nickname` and `phone` in `raw` at once (see `validation.validate_fields`): gives
    `(accepted, errors)`; with `required`, a missing one is an error. Uniqueness is not checked here."""
    rules = {"nickname": check_nickname, "phone": normalize_phone}
    return validate_fields(rules, raw, ("nickname", "phone") if required else ())


def check_nickname(value: Any) -> str:
    """The nickname to store: NFKC-normalized, trimmed, 2–12 of 한글/영문/숫자/_, not reserved.

    Raises `InvalidInput` (field `nickname`) with the Korean reason otherwise.
    """
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise invalid("nickname", "닉네임을 입력해 주세요.")
    if not NICKNAME_MIN <= len(text) <= NICKNAME_MAX:
        raise invalid("nickname", f"{NICKNAME_MIN}~{NICKNAME_MAX}자로 입력해 주세요. (지금 {len(text)}자)")
    if not _NICKNAME_RE.match(text):
        raise invalid("nickname", "한글, 영문, 숫자, 밑줄(_)만 쓸 수 있어요.")
    folded = text.casefold()
    if any(word in folded for word in RESERVED_NICKNAMES):
        raise invalid("nickname", "운영자로 오해받을 수 있는 닉네임은 쓸 수 없어요.")
    return text


def normalize_phone(value: Any) -> str:
    """A Korean mobile number as `010-XXXX-XXXX`.

    Accepts the forms people type: `01012345678`, `010 1234 5678`, `010.1234.5678`,
    `+82 10-1234-5678`, `+82 010 1234 5678`, `821012345678`. Raises `InvalidInput` (field `phone`)
    for anything else (other prefixes, wrong length, letters).
    """
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", str(value or "")))
    if text.startswith("+82"):
        text = text[3:]
        text = text if text.startswith("0") else "0" + text
    elif text.startswith("82") and len(text) in (11, 12):
        text = "0" + text[2:] if not text[2:].startswith("0") else text[2:]
    if not re.fullmatch(r"010\d{8}", text):
        raise invalid("phone", "010-1234-5678 형식의 휴대폰 번호를 입력해 주세요.")
    return f"{text[:3]}-{text[3:7]}-{text[7:]}"


def mask_phone(phone: str) -> str:
    """`010-1234-5678` → `010-****-5678` (what a profile shows)."""
    return f"{phone[:4]}****{phone[8:]}" if len(phone) == 13 else "***"


def find_member(session: Session, bot_user_key: str) -> Member | None:
    """The member with this botUserKey, or None. Raises `Forbidden` for a suspended member."""
    member = session.scalar(select(Member).where(Member.bot_user_key == bot_user_key))
    if member is not None and member.status != "active":
        raise Forbidden(SUSPENDED_MESSAGE)
    return member


# Suspended botUserKeys, kept in Redis so the check on every skill call is one round trip, not a
# DB query; rebuilt from the DB when the marker is gone (Redis flushed, or hourly to bound drift).
SUSPENDED_KEY = "members:suspended"
SUSPENDED_LOADED_KEY = "members:suspended:loaded"
SUSPENDED_RELOAD_SECONDS = 3600


def ensure_not_suspended(
    cache: redis.Redis, sessions: sessionmaker[Session], bot_user_key: str | None
) -> None:
    """Raise `Forbidden` (a Korean notice) when `bot_user_key` belongs to a suspended member; a
    non-member or an active member passes. One Redis round trip; the set of suspended keys is
    reloaded from the DB (a session from `sessions`) when Redis does not hold it."""
    if not bot_user_key:
        return
    with cache.pipeline(transaction=False) as pipe:
        pipe.exists(SUSPENDED_LOADED_KEY)
        pipe.sismember(SUSPENDED_KEY, bot_user_key)
        loaded, suspended = pipe.execute()
    if not loaded:
        with sessions() as session:
            load_suspended(session, cache)
        suspended = cache.sismember(SUSPENDED_KEY, bot_user_key)
    if suspended:
        raise Forbidden(SUSPENDED_MESSAGE)


def load_suspended(session: Session, cache: redis.Redis) -> int:
    """Copy every suspended member's botUserKey from the DB into Redis; gives how many there are."""
    keys = session.scalars(select(Member.bot_user_key).where(Member.status != "active")).all()
    with cache.pipeline(transaction=True) as pipe:
        pipe.delete(SUSPENDED_KEY)
        if keys:
            pipe.sadd(SUSPENDED_KEY, *keys)
        pipe.set(SUSPENDED_LOADED_KEY, "1", ex=SUSPENDED_RELOAD_SECONDS)
        pipe.execute()
    return len(keys)


# --- staff (admin API) ---------------------------------------------------------------------------


def staff_members(
    session: Session,
    *,
    status: str | None = None,
    keyword: str | None = None,
    before: int | None = None,
    limit: int = 20,
) -> Page[Member]:
    """Members newest first, filtered by `status` and a `keyword` found in the nickname."""
    stmt = select(Member)
    if status:
        stmt = stmt.where(Member.status == status)
    if keyword:
        stmt = stmt.where(Member.nickname.icontains(keyword, autoescape=True))
    return keyset_page(session, stmt, Member.id, before, limit)


def get_member(session: Session, member_id: int) -> Member:
    """The member `member_id`; raises `NotFound`."""
    return get_or_404(session, Member, member_id, MEMBER_NOT_FOUND)


def listing_counts(session: Session, member: Member) -> dict[str, int]:
    """How many listings `member` has in each status (statuses with none are left out)."""
    rows = session.execute(
        select(Listing.status, func.count()).where(Listing.seller_id == member.id).group_by(Listing.status)
    )
    return {status: count for status, count in rows}


def set_status(session: Session, cache: redis.Redis, member_id: int, status: str) -> Member:
    """Suspend (`suspended`) or reinstate (`active`) member `member_id`, commit, and update the
    suspended set in `cache` that `ensure_not_suspended` reads; returns the member.

    A suspended member's every skill answers `SUSPENDED_MESSAGE` (`ensure_not_suspended`). Raises
    `InvalidInput` for another status, `NotFound`, and `Conflict` when the member already has it.
    """
    if status not in MEMBER_STATUSES:
        raise invalid("status", "active 또는 suspended 중 하나여야 해요.")
    member = lock_or_404(session, Member, member_id, MEMBER_NOT_FOUND)
    if member.status == status:
        session.rollback()
        raise Conflict("이미 정지된 회원이에요." if status == "suspended" else "이미 활동 중인 회원이에요.")
    member.status = status
    session.commit()
    if status == "active":
        cache.srem(SUSPENDED_KEY, member.bot_user_key)
    else:
        cache.sadd(SUSPENDED_KEY, member.bot_user_key)
    return member


def _nickname_taken(session: Session, nickname: str, except_id: int | None = None) -> bool:
    stmt = select(Member.id).where(func.lower(Member.nickname) == nickname.lower())
    if except_id is not None:
        stmt = stmt.where(Member.id != except_id)
    return session.scalar(stmt.limit(1)) is not None


def _commit_unique(session: Session) -> None:
    """Commit; a unique-key race (same nickname at once) becomes `Conflict` with nothing stored."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("닉네임: 이미 누가 쓰고 있어요. 다른 닉네임을 골라 주세요.") from None


def register(
    session: Session,
    bot_user_key: str,
    nickname: Any,
    phone: Any,
    *,
    plusfriend_user_key: str | None = None,
    app_user_id: str | None = None,
) -> Member:
    """Sign up the user `bot_user_key` and return the new `Member` (committed).

    Raises `InvalidInput` for a bad nickname or phone (checked in that order), `Conflict` when
    the user is already a member or the nickname is taken (case-insensitively).
    """
    if find_member(session, bot_user_key) is not None:
        raise Conflict("이미 가입되어 있어요.")
    nick = check_nickname(nickname)
    number = normalize_phone(phone)
    if _nickname_taken(session, nick):
        raise invalid("nickname", "이미 누가 쓰고 있어요. 다른 닉네임을 골라 주세요.")
    member = Member(
        bot_user_key=bot_user_key,
        nickname=nick,
        phone=number,
        plusfriend_user_key=(plusfriend_user_key or None) and plusfriend_user_key[:100],
        app_user_id=(app_user_id or None) and app_user_id[:100],
    )
    session.add(member)
    _commit_unique(session)
    return member


def update_profile(
    session: Session,
    member: Member,
    *,
    nickname: Any = None,
    phone: Any = None,
    plusfriend_user_key: str | None = None,
    app_user_id: str | None = None,
) -> Member:
    """Change the given fields of `member` (None/"" = keep) and commit; returns `member`.

    Every given value is validated before anything changes: `InvalidInput` or `Conflict` (nickname
    taken) leave the member as it was. Kakao keys are refreshed when the payload carries them.
    """
    new_nick = check_nickname(nickname) if nickname not in (None, "") else None
    new_phone = normalize_phone(phone) if phone not in (None, "") else None
    if new_nick is not None and _nickname_taken(session, new_nick, except_id=member.id):
        raise invalid("nickname", "이미 누가 쓰고 있어요. 다른 닉네임을 골라 주세요.")
    if new_nick is not None:
        member.nickname = new_nick
    if new_phone is not None:
        member.phone = new_phone
    if plusfriend_user_key:
        member.plusfriend_user_key = plusfriend_user_key[:100]
    if app_user_id:
        member.app_user_id = app_user_id[:100]
    _commit_unique(session)
    return member
