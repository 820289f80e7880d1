"""Domain errors. Each carries a Korean message that can be shown to a KakaoTalk user as is."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user may be told about.

    `user_message` is Korean text safe to show in a SkillResponse; `code` is a stable machine name
    used by the admin API's error shape.
    """

    code = "domain_error"
    default_message = "요청을 처리할 수 없어요."

    def __init__(self, user_message: str | None = None, *, details: dict | None = None) -> None:
        self.user_message = user_message or self.default_message
        self.details = details or {}
        super().__init__(self.user_message)


class NotFound(DomainError):
    code = "not_found"
    default_message = "찾을 수 없어요."


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "권한이 없어요."


class InvalidInput(DomainError):
    """A value a user gave is not acceptable; `details` maps field name -> Korean reason."""

    code = "invalid_input"
    default_message = "입력한 값을 확인해 주세요."


class InvalidTransition(DomainError):
    code = "invalid_transition"
    default_message = "지금 상태에서는 할 수 없는 동작이에요."


class Conflict(DomainError):
    code = "conflict"
    default_message = "이미 처리된 요청이에요."


class Unavailable(DomainError):
    """A dependency (DB, Redis) is unreachable; the user is asked to retry."""

    code = "unavailable"
    default_message = "잠시 후 다시 시도해 주세요."
