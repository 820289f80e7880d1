"""Log lines: one structured line per request, JSON in production, and nothing secret in any line.

`log_request` writes the per-request line (`skills.dispatch` for skill calls, `chatbot.web` for
every other route). Its message reads `key=value ...` for people at a terminal; its fields also
travel on the record (`record.fields`), so `JsonFormatter` prints them as JSON keys:

    {"ts": "2026-11-02T01:02:03.456Z", "level": "info", "logger": "junggyenara.skills",
     "message": "skill=welcome member=1f2e3d4c5b6a status=200 outcome=ok ms=3.1 request_id=…",
     "skill": "welcome", "member": "1f2e3d4c5b6a", "status": 200, "outcome": "ok", "ms": 3.1,
     "request_id": "…"}

`LOG_FORMAT` (`text` or `json`; the image uses `json`) picks the formatter. Both formatters pass
the finished line through `redact`, so a phone number, a `pg_token`, a bearer token or JWT, or an
`X-Skill-Token` value that reaches a message or a traceback is masked before it is written.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_HANDLER_MARK = "_junggyenara_handler"

# Korean mobile numbers as people type them: 010-1234-5678, 01012345678, 010 1234 5678,
# +82 10-1234-5678, +821012345678. Digits around them (ids, timestamps) keep them from matching.
_PHONE = re.compile(r"(?<![\d])(?:\+?82[ -]?1[016789]|01[016789])[ .-]?\d{3,4}[ .-]?\d{4}(?![\d])")
_PG_TOKEN = re.compile(r"(pg_token[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+", re.IGNORECASE)
_SKILL_TOKEN = re.compile(r"(x-skill-token[\"']?\s*[=:]\s*[\"']?)[^\s\"',}]+", re.IGNORECASE)
_BEARER = re.compile(r"(bearer\s+)[\w.~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+")


def redact(text: str) -> str:
    """`text` with phone numbers, pg_tokens, skill tokens, bearer tokens and JWTs masked."""
    text = _PHONE.sub("[phone]", text)
    text = _PG_TOKEN.sub(r"\1[redacted]", text)
    text = _SKILL_TOKEN.sub(r"\1[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    return _JWT.sub("[jwt]", text)


class TextFormatter(logging.Formatter):
    """The development line (`time LEVEL logger message`), redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one text line (plus a traceback when there is one), redacted."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC), level, logger, message, the record's `fields`, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, redacted."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({key: value for key, value in fields.items() if key not in line})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, ensure_ascii=False, default=str))


def log_request(logger: logging.Logger, **fields: Any) -> None:
    """Write the one line for this request at INFO: `key=value` text plus the same structured fields.

    Pass only what is safe to keep: a member hash, never a phone number or a token. Inside a request
    it marks the request as logged, so `chatbot.web` does not write a second, generic line for it.
    """
    message = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.info(message, extra={"fields": fields})
    if has_request_context():
        g.request_logged = True


def request_logged() -> bool:
    """Whether `log_request` already wrote this request's line."""
    return bool(g.get("request_logged"))


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send log records to stderr as `text` or `json` lines, once per process.

    Like `logging.basicConfig`, nothing is added when the root logger already has handlers that are
    not ours (pytest's capture, an embedding application); calling it again only swaps the format.
    """
    root = logging.getLogger()
    formatter: logging.Formatter = JsonFormatter() if log_format == "json" else TextFormatter()
    ours = [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]
    if ours:
        for handler in ours:
            handler.setFormatter(formatter)
        return
    if root.handlers:
        return
    handler = logging.StreamHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
