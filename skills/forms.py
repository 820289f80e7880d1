"""Multi-turn forms (register, sell): read what the user gave now and earlier, say what was wrong.

A rejected value must not make the user type everything again (issue 4 §2). So a handler answers
with a SkillResponse `context` holding the values it accepted (GB-FMT §ContextControl, lifeSpan 5)
and reads them back from the request's `contexts` on the next call; a value given now wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from chatbot.kakao import context_value
from skills.registry import SkillContext

DRAFT_LIFESPAN = 5  # block turns a draft survives (GB-FMT §ContextControl lifeSpan)
DRAFT_TTL = 600  # seconds (what real requests show)


def draft_of(ctx: SkillContext, name: str) -> dict[str, str]:
    """The params of the request context `name` as {param: value} ({} if the block sent none)."""
    context = ctx.payload.context(name)
    if context is None:
        return {}
    out = {}
    for key, param in context.params.items():
        value = param.value if param.value not in (None, "") else param.resolved_value
        if value not in (None, ""):
            out[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return out


def form_values(ctx: SkillContext, fields: Iterable[str], draft: Mapping[str, Any]) -> dict[str, Any]:
    """For each field: what this request gives (`ctx.param`: clientExtra, then params), else the
    value kept in `draft`, else None."""
    return {field: ctx.param(field, draft.get(field)) for field in fields}


def draft_context(name: str, accepted: Mapping[str, Any]) -> dict[str, Any]:
    """A context `name` carrying `accepted` (values turned into strings) for the next turns; with
    nothing accepted, a context that ends the draft (lifeSpan 0)."""
    params = {k: v for k, v in accepted.items() if v is not None and v != ""}
    if not params:
        return end_draft(name)
    return context_value(name, DRAFT_LIFESPAN, params, ttl=DRAFT_TTL)


def end_draft(name: str) -> dict[str, Any]:
    """A context value that deletes the draft `name` (lifeSpan 0)."""
    return context_value(name, 0)


def errors_text(errors: Mapping[str, str], labels: Mapping[str, str], intro: str) -> str:
    """`intro` then one line per rejected field: "• 가격: 0원 이상으로 입력해 주세요."."""
    lines = [f"• {labels.get(field, field)}: {reason}" for field, reason in errors.items()]
    return "\n".join([intro, *lines])
