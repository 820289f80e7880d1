"""`register` and `profile` (DESIGN.md §4, issue 4 §1), and the detour of a non-member to `register`.

Thin: read params (and the draft kept in context) -> `chatbot.services.members` -> SkillResponse.
"""

from __future__ import annotations

from typing import Any

from chatbot.errors import InvalidInput
from chatbot.kakao import simple_text, skill_response, text_card
from chatbot.models import Member
from chatbot.services import members as member_service
from chatbot.services.members import FIELD_LABELS
from chatbot.timeutil import SEOUL
from skills.forms import draft_context, draft_of, end_draft, errors_text, form_values
from skills.nav import go_to
from skills.registry import SkillContext, skill

REGISTER_DRAFT = "register_draft"
# Skills a finished sign-up may lead back to (the `next` of the register quickReply).
NEXT_SKILLS = ("sell", "buy", "profile", "my-listings", "listings", "listing", "listing-status", "search")
NEXT_LABELS = {"sell": "판매 계속하기", "buy": "구매 계속하기"}


def current_member(ctx: SkillContext) -> Member | None:
    """The member behind this request's botUserKey, or None (`Forbidden` if suspended)."""
    return member_service.find_member(ctx.db, ctx.payload.user_key)


def registration_needed(
    ctx: SkillContext, next_skill: str, reason: str, *, context: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The answer to a non-member who tried `next_skill`: why, and a quickReply to `register`
    carrying `{"next": next_skill}` so sign-up leads back. `context` (e.g. a sell draft) is kept."""
    text = f"{reason}\n중계나라 회원가입은 닉네임과 휴대폰 번호만 있으면 1분이면 끝나요."
    replies = [
        go_to(ctx, "회원가입", "register", extra={"next": next_skill}),
        go_to(ctx, "처음으로", "welcome"),
    ]
    return skill_response([simple_text(text)], quick_replies=replies, context=context)


def _next_skill(ctx: SkillContext, draft: dict[str, str]) -> str | None:
    value = ctx.param("next", draft.get("next"))
    return value if value in NEXT_SKILLS else None


def _onward(ctx: SkillContext, next_skill: str | None) -> list[dict[str, Any]]:
    replies = []
    if next_skill:
        replies.append(go_to(ctx, NEXT_LABELS.get(next_skill, "계속하기"), next_skill))
    replies += [go_to(ctx, "내 정보", "profile"), go_to(ctx, "처음으로", "welcome")]
    return replies


@skill("register")
def register(ctx: SkillContext) -> dict[str, Any]:
    """Sign up with `nickname` and `phone`; a rejected value is named and the valid one kept (context
    `register_draft`); success offers the way back to `next` (clientExtra)."""
    draft = draft_of(ctx, REGISTER_DRAFT)
    next_skill = _next_skill(ctx, draft)
    if current_member(ctx) is not None:
        return skill_response(
            [simple_text("이미 가입되어 있어요. 😊")],
            quick_replies=_onward(ctx, next_skill),
            context=[end_draft(REGISTER_DRAFT)],
        )
    raw = form_values(ctx, ("nickname", "phone"), draft)
    accepted, errors = member_service.validate_member_fields(raw)
    if not errors:
        try:
            member = member_service.register(
                ctx.db,
                ctx.payload.user_key,
                accepted["nickname"],
                accepted["phone"],
                plusfriend_user_key=ctx.payload.plusfriend_user_key,
                app_user_id=ctx.payload.app_user_id,
            )
        except InvalidInput as exc:
            errors = dict(exc.details)
            accepted = {k: v for k, v in accepted.items() if k not in errors}
        else:
            return skill_response(
                [simple_text(f"🎉 {member.nickname}님, 가입을 환영해요!")],
                quick_replies=_onward(ctx, next_skill),
                context=[end_draft(REGISTER_DRAFT)],
            )
    keep = {**accepted, "next": next_skill or ""}
    intro = (
        "회원가입을 마치려면 아래를 확인해 주세요."
        if raw["nickname"] or raw["phone"]
        else "회원가입을 시작할게요."
    )
    return skill_response(
        [simple_text(errors_text(errors, FIELD_LABELS, intro))],
        quick_replies=[
            go_to(ctx, "다시 입력", "register", extra={"next": next_skill} if next_skill else None),
            go_to(ctx, "처음으로", "welcome"),
        ],
        context=[draft_context(REGISTER_DRAFT, keep)],
    )


@skill("profile")
def profile(ctx: SkillContext) -> dict[str, Any]:
    """Show the member's profile; with `nickname` and/or `phone` given, change them first."""
    member = current_member(ctx)
    if member is None:
        return registration_needed(ctx, "profile", "아직 회원이 아니에요.")
    nickname, phone = ctx.param("nickname"), ctx.param("phone")
    notice = ""
    if nickname or phone:
        accepted, errors = member_service.validate_member_fields(
            {"nickname": nickname, "phone": phone}, required=False
        )
        if errors:
            return skill_response(
                [simple_text(errors_text(errors, FIELD_LABELS, "정보를 바꾸지 못했어요."))],
                quick_replies=[go_to(ctx, "내 정보", "profile"), go_to(ctx, "처음으로", "welcome")],
            )
        member_service.update_profile(
            ctx.db,
            member,
            nickname=accepted.get("nickname"),
            phone=accepted.get("phone"),
            plusfriend_user_key=ctx.payload.plusfriend_user_key,
            app_user_id=ctx.payload.app_user_id,
        )
        notice = "✅ 정보를 바꿨어요.\n"
    joined = member.created_at.astimezone(SEOUL).strftime("%Y.%m.%d")
    description = (
        f"{notice}닉네임: {member.nickname}\n"
        f"휴대폰: {member_service.mask_phone(member.phone)}\n"
        f"가입일: {joined}\n\n"
        "닉네임이나 번호를 바꾸려면 '내 정보 수정'에서 새 값을 알려 주세요."
    )
    replies = [
        go_to(ctx, "내 판매글", "my-listings"),
        go_to(ctx, "판매하기", "sell"),
        go_to(ctx, "처음으로", "welcome"),
    ]
    return skill_response([text_card("👤 내 정보", description)], quick_replies=replies)
