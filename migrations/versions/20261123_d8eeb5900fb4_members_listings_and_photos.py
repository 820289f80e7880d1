"""members, listings and listing photos

Revision ID: d8eeb5900fb4
Revises: a5af8567e3a8
Create Date: 2026-11-23 14:27:51.863466
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chatbot.models.base

revision: str = 'd8eeb5900fb4'
down_revision: str | None = 'a5af8567e3a8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Korean text (and emoji in titles) needs 4-byte UTF-8 on MariaDB.
MYSQL_TABLE_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


def upgrade() -> None:
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_user_key', sa.String(length=70), nullable=False),
    sa.Column('plusfriend_user_key', sa.String(length=100), nullable=True),
    sa.Column('app_user_id', sa.String(length=100), nullable=True),
    sa.Column('nickname', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=13), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('bot_user_key', name=op.f('uq_members_bot_user_key')),
    sa.UniqueConstraint('nickname', name=op.f('uq_members_nickname')),
    **MYSQL_TABLE_OPTIONS,
    )
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('trade_method', sa.String(length=10), nullable=False),
    sa.Column('place', sa.String(length=40), nullable=True),
    sa.Column('open_chat_url', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['members.id'], name=op.f('fk_listings_seller_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_category_status_id', ['category', 'status', 'id'], unique=False)
        batch_op.create_index('ix_listings_seller_id_id', ['seller_id', 'id'], unique=False)
        batch_op.create_index('ix_listings_status_id', ['status', 'id'], unique=False)

    # Keyword search (chatbot.services.search): MariaDB has no ngram parser and drops words shorter
    # than innodb_ft_min_token_size (3), so search_text holds hex-encoded bigrams and the stock
    # parser indexes them. SQLite searches with LIKE instead and gets no index.
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.create_index('ix_listings_search_text', 'listings', ['search_text'], mysql_prefix='FULLTEXT')

    op.create_table('listing_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=True),
    sa.Column('thumb_key', sa.String(length=200), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_photos_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_photos')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('listing_photos', schema=None) as batch_op:
        batch_op.create_index('ix_listing_photos_listing_id_position', ['listing_id', 'position'], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes (FULLTEXT included); MariaDB refuses to drop an FK's index
    # on its own.
    op.drop_table('listing_photos')
    op.drop_table('listings')
    op.drop_table('members')
