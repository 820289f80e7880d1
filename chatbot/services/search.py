"""Keyword search over listings: a bigram tokenizer and the query built from it (issue 4 §3).

MariaDB has no ngram parser (that is MySQL's) and InnoDB drops words shorter than
`innodb_ft_min_token_size` (3 by default), which would lose most Korean words ("의자", "가방").
So each listing keeps `search_text`: every bigram of its normalized title and description (and
across each gap between words, so spacing does not decide a match), hex-encoded into a 12-character
token that the stock FULLTEXT parser indexes as one word (and that no stopword can match). A query
requires every bigram of its words in BOOLEAN MODE (`+t1 +t2`), newest first. Single-character
words (and SQLite, which has no FULLTEXT) use LIKE.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.dialects.mysql import match
from sqlalchemy.orm import Session

from chatbot.models import Listing

_WORD = re.compile(r"[^\W_]+")
# Characters LIKE treats specially, escaped with "\" in `_like_pattern`.
_LIKE_SPECIAL = re.compile(r"([\\%_])")
MAX_QUERY_LENGTH = 40


def normalize(text: str) -> str:
    """`text` in the form search compares: NFKC (full-width → ASCII, composed Hangul), case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def words(text: str) -> list[str]:
    """The words of `text` after `normalize`: runs of letters and digits (punctuation separates)."""
    return _WORD.findall(normalize(text))


def bigram_token(pair: str) -> str:
    """One token: the two characters' code points as 6 hex digits each (12 characters, ≥ 3)."""
    return "".join(f"{ord(ch):06x}" for ch in pair)


def tokens(text: str) -> list[str]:
    """Every distinct bigram token of every word of `text` ≥ 2 characters, in order of first use.

    The one tokenizer, used for documents and queries alike: "의자 팝니다" → tokens of 의자, 팝니,
    니다. A one-character word yields nothing (search matches it with LIKE).
    """
    seen: dict[str, None] = {}
    for word in words(text):
        for i in range(len(word) - 1):
            seen.setdefault(bigram_token(word[i : i + 2]), None)
    return list(seen)


def document_tokens(title: str, description: str) -> str:
    """The `search_text` of a listing: tokens of title and description, space-separated, plus the
    bigram across each gap between two words ("원목 의자" also holds 목의).

    Korean spacing varies from writer to writer, so a query typed without the space ("원목의자",
    "아이폰13") finds the listing written with it. The other way round needs nothing: a query's
    words are looked up one by one. Queries get no cross-gap bigrams (`boolean_query`).
    """
    seen = dict.fromkeys(tokens(f"{title}\n{description}"))
    for text in (title, description):
        found = words(text)
        for left, right in pairwise(found):
            seen.setdefault(bigram_token(left[-1] + right[0]), None)
    return " ".join(seen)


def boolean_query(query: str) -> str:
    """The BOOLEAN MODE expression requiring every bigram of `query` ("+t1 +t2 …"); "" if none."""
    return " ".join(f"+{token}" for token in tokens(query))


def _like_pattern(word: str) -> str:
    escaped = _LIKE_SPECIAL.sub(r"\\\1", word)
    return f"%{escaped}%"


def keyword_condition(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition matching listings whose title or description holds every word of `query`.

    On MariaDB/MySQL words of ≥ 2 characters go through the FULLTEXT index (every bigram required)
    and one-character words add a LIKE on the rows it found; elsewhere (SQLite) every word is a
    LIKE on title or description. None when `query` has no word. Matching is case-insensitive.
    """
    found = words(query[:MAX_QUERY_LENGTH])
    if not found:
        return None
    conditions: list[ColumnElement[bool]] = []
    fulltext = session.get_bind().dialect.name in ("mysql", "mariadb")
    expression = boolean_query(" ".join(w for w in found if len(w) >= 2)) if fulltext else ""
    if expression:
        conditions.append(match(Listing.__table__.c.search_text, against=expression).in_boolean_mode())
    for word in found:
        if expression and len(word) >= 2:
            continue
        pattern = _like_pattern(word)
        conditions.append(
            or_(
                Listing.title.ilike(pattern, escape="\\"),
                Listing.description.ilike(pattern, escape="\\"),
            )
        )
    return and_(*conditions)
