"""listings: search_text also holds the bigrams across word gaps

`chatbot.services.search.document_tokens` now adds, for "원목 의자", the bigram 목의, so the query
"원목의자" finds it (Korean spacing varies). `search_text` is derived data: this recomputes it for
every listing with the tokenizer of the release that runs it, 500 rows at a time.

Revision ID: c0ffee080001
Revises: c0ffee070001
Create Date: 2026-12-01 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0ffee080001"
down_revision: str | None = "c0ffee070001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

listings = sa.table(
    "listings",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("search_text", sa.Text),
)


def upgrade() -> None:
    from chatbot.services.search import document_tokens

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(listings.c.id, listings.c.title, listings.c.description)
            .where(listings.c.id > last)
            .order_by(listings.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            listings.update().where(listings.c.id == sa.bindparam("row_id")),
            [
                {"row_id": row.id, "search_text": document_tokens(row.title, row.description)}
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    """Nothing to undo: the extra tokens only widen what a query matches."""
