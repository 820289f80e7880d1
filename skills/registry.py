"""The skill registry: `@skill("name")` maps `POST /skills/<name>` to a handler.

A handler takes a `SkillContext` and returns a SkillResponse dict built with `chatbot.kakao` (or a
`PreparedResponse`, the same already serialised, when it caches answers).
It may raise `chatbot.errors.DomainError`; the dispatcher turns that into a Korean answer.
"""

from __future__ import annotations

import json as json_module
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import redis
from sqlalchemy.orm import Session, sessionmaker

from chatbot.config import Settings
from chatbot.kakao import SkillPayload


@dataclass(frozen=True, slots=True)
class PreparedResponse:
    """A SkillResponse already serialised to JSON bytes, for answers a handler caches and reuses.

    Build it with `PreparedResponse.of(response_dict)`; the dispatcher sends `json` as is.
    """

    json: bytes

    @classmethod
    def of(cls, response: dict[str, Any]) -> PreparedResponse:
        """Serialise a SkillResponse dict (UTF-8, Korean unescaped, compact)."""
        return cls(json_module.dumps(response, ensure_ascii=False, separators=(",", ":")).encode())


SkillHandler = Callable[["SkillContext"], dict[str, Any] | PreparedResponse]

REGISTRY: dict[str, SkillHandler] = {}


def skill(name: str) -> Callable[[SkillHandler], SkillHandler]:
    """Register the decorated handler as skill `name` (the URL path); raises `ValueError` on a clash."""

    def register(handler: SkillHandler) -> SkillHandler:
        if name in REGISTRY:
            raise ValueError(f"skill {name!r} is registered twice")
        REGISTRY[name] = handler
        return handler

    return register


@dataclass
class SkillContext:
    """What a skill handler gets: the parsed SkillPayload and the app's connections.

    `db` opens a SQLAlchemy session on first use (closed by the dispatcher); `redis` is the cache.
    """

    name: str
    payload: SkillPayload
    settings: Settings
    redis: redis.Redis
    sessions: sessionmaker[Session]
    request_id: str
    _opened: list[Session] = field(default_factory=list, repr=False)

    @cached_property
    def db(self) -> Session:
        session = self.sessions()
        self._opened.append(session)
        return session

    def param(self, name: str, default: Any = None) -> Any:
        """A value our buttons sent in `clientExtra`, else what the user gave in `params` (DESIGN §4)."""
        return self.payload.param(name, default)

    def close(self) -> None:
        """Close the DB session if one was opened (rolling back anything left uncommitted)."""
        for session in self._opened:
            session.close()
        self._opened.clear()
