"""orders, order events and payments

Revision ID: c0ffee050001
Revises: d8eeb5900fb4
Create Date: 2026-11-23 14:54:34.707310
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chatbot.models.base

revision: str = 'c0ffee050001'
down_revision: str | None = 'd8eeb5900fb4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Korean text needs 4-byte UTF-8 on MariaDB.
MYSQL_TABLE_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


def upgrade() -> None:
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('active_listing_id', sa.Integer(), nullable=True),
    sa.Column('courier', sa.String(length=20), nullable=True),
    sa.Column('tracking_number', sa.String(length=14), nullable=True),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('paid_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('shipped_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('purchase_confirmed_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('completed_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('canceled_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['members.id'], name=op.f('fk_orders_buyer_id_members')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_orders_listing_id_listings')),
    sa.ForeignKeyConstraint(['seller_id'], ['members.id'], name=op.f('fk_orders_seller_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    # One active order per listing (issue 5 §3): NULL once the order is finished.
    sa.UniqueConstraint('active_listing_id', name=op.f('uq_orders_active_listing_id')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_buyer_id_id', ['buyer_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_listing_id', ['listing_id'], unique=False)
        batch_op.create_index('ix_orders_seller_id_id', ['seller_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_status_updated_at', ['status', 'updated_at'], unique=False)

    op.create_table('order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=10), nullable=False),
    sa.Column('actor_member_id', sa.Integer(), nullable=True),
    sa.Column('at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_events_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_events')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_order_id_id', ['order_id', 'id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('cid', sa.String(length=10), nullable=False),
    sa.Column('tid', sa.String(length=40), nullable=True),
    sa.Column('partner_order_id', sa.String(length=100), nullable=False),
    sa.Column('partner_user_id', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('failure', sa.String(length=20), nullable=True),
    sa.Column('approved_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('canceled_amount', sa.Integer(), nullable=False),
    sa.Column('canceled_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('tid', name=op.f('uq_payments_tid')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_order_id_id', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_payments_status_created_at', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop an FK's index on its own.
    op.drop_table('payments')
    op.drop_table('order_events')
    op.drop_table('orders')
