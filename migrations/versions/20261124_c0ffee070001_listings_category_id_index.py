"""listings: index (category, id) for category pages

A category page asks for `category = ? AND status IN ('on_sale', 'reserved') ORDER BY id DESC`.
With only (category, status, id), the IN over two statuses keeps MariaDB from reading that index
in id order, so it walked the primary key backwards through every newer listing of other
categories (26 ms on the 10,000-listing bench for a quiet category; bench/README.md). (category, id)
serves the order directly and the status is checked on the rows it reads.

Revision ID: c0ffee070001
Revises: c0ffee060001
Create Date: 2026-11-23 16:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c0ffee070001"
down_revision: str | None = "c0ffee060001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index("ix_listings_category_id", ["category", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_category_id")
