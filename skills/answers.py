"""Rendered answers kept for reuse: a popular question is answered from memory, not rebuilt.

A skill whose answer depends only on some data version (the hot-deal snapshot, the market
version) and on what was asked keeps the serialised SkillResponse here under a key holding both.
Keys also hold the minute, so nothing outlives a minute: ages ("3분 전") stay right and photo URLs
(presigned for `S3_PRESIGN_EXPIRES` seconds, a day by default) stay valid.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from skills.registry import PreparedResponse, SkillContext


class AnswerMemo:
    """Up to `size` prepared answers of one skill in this process, by key.

    `answer(key, render)` gives the answer stored under (key, this minute), else calls
    `render() -> SkillResponse dict`, stores it and gives it. When full it starts over (a minute
    later most entries are dead anyway). Safe to share between threads: a race renders twice.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._answers: dict[Hashable, PreparedResponse] = {}

    def answer(self, key: Hashable, render: Callable[[], dict[str, Any]]) -> PreparedResponse:
        full_key = (key, int(time.time() // 60))
        prepared = self._answers.get(full_key)
        if prepared is None:
            prepared = PreparedResponse.of(render())
            if len(self._answers) >= self.size:
                self._answers.clear()
            self._answers[full_key] = prepared
        return prepared


def asked_from(ctx: SkillContext) -> tuple[Hashable, ...]:
    """What besides the question shapes an answer's buttons: the calling block (paging returns
    there) and the configured `KAKAO_BLOCK_IDS`."""
    return ctx.payload.block_id, tuple(ctx.settings.kakao_block_ids.items())
