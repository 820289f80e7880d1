"""The market's version: a token in Redis that changes after every commit that changes what a
listing card shows (a listing, its photos, its seller's nickname or status).

Browse and search answers are rendered once per version and reused until it changes
(`skills.answers.AnswerMemo`), so a popular category page is not three SQL queries per request.
The token is random, not a counter: a flushed Redis must never bring back a version that an old
rendered answer was stored under.

Why after commit: a reader that sees the new token reads the committed rows; a reader that read
the old token just before may store fresh rows under it, which is harmless.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from chatbot.models import Listing, ListingPhoto, Member

logger = logging.getLogger("junggyenara.market")

MARKET_VERSION_KEY = "market:version"
_CHANGED = "market_changed"  # flag in Session.info between a flush and its commit
_MEMBER_FIELDS_SHOWN = ("nickname", "status")


def current(cache: redis.Redis) -> str:
    """The market's version token (32 hex chars), created on first use. Raises `redis.RedisError`."""
    version = cache.get(MARKET_VERSION_KEY)
    if version is None:
        cache.set(MARKET_VERSION_KEY, uuid.uuid4().hex, nx=True)
        version = cache.get(MARKET_VERSION_KEY)
    return str(version)


def bump(cache: redis.Redis) -> None:
    """Give the market a new version: every answer rendered under the old one is stale."""
    cache.set(MARKET_VERSION_KEY, uuid.uuid4().hex)


def _shows_in_a_card(obj: Any) -> bool:
    """Whether a changed or deleted object (not a new one) is something a listing card shows."""
    if isinstance(obj, Listing | ListingPhoto):
        return True
    if isinstance(obj, Member):
        state = inspect(obj)
        return any(state.attrs[name].history.has_changes() for name in _MEMBER_FIELDS_SHOWN)
    return False


def watch(sessions: sessionmaker[Session], cache: redis.Redis) -> None:
    """Bump the version after each commit of a session from `sessions` that inserted, changed or
    deleted a `Listing` or `ListingPhoto` (ORM objects or bulk statements), or changed a member's
    nickname or status. A flag left by a rolled-back flush only costs one needless bump at the
    session's next commit. A failed bump is logged, not raised: the commit stands, and rendered
    answers also expire by the minute (`skills.answers`)."""

    @event.listens_for(sessions, "after_flush")
    def _note_flush(session: Session, _flush_context: Any) -> None:
        # A new member has no listings yet; a new listing or photo is shown at once.
        new_cards = any(isinstance(obj, Listing | ListingPhoto) for obj in session.new)
        if new_cards or any(map(_shows_in_a_card, (*session.dirty, *session.deleted))):
            session.info[_CHANGED] = True

    @event.listens_for(sessions, "do_orm_execute")
    def _note_bulk(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete or state.is_insert) and any(
            m.class_ in (Listing, ListingPhoto, Member) for m in state.all_mappers
        ):
            state.session.info[_CHANGED] = True

    @event.listens_for(sessions, "after_commit")
    def _bump(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            try:
                bump(cache)
            except redis.RedisError:
                logger.warning("market version not bumped (Redis unavailable)", exc_info=True)
