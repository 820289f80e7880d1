"""admin api: admins, refresh tokens, audit log, notices

Revision ID: c0ffee060001
Revises: c0ffee050001
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chatbot.models.base

revision: str = 'c0ffee060001'
down_revision: str | None = 'c0ffee050001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Korean text needs 4-byte UTF-8 on MariaDB.
MYSQL_TABLE_OPTIONS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci"}


def upgrade() -> None:
    op.create_table('admins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admins')),
    sa.UniqueConstraint('email', name=op.f('uq_admins_email')),
    sa.UniqueConstraint('username', name=op.f('uq_admins_username')),
    **MYSQL_TABLE_OPTIONS,
    )
    op.create_table('admin_refresh_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jti', sa.String(length=36), nullable=False),
    sa.Column('family', sa.String(length=36), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('used_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', chatbot.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['admin_id'], ['admins.id'], name=op.f('fk_admin_refresh_tokens_admin_id_admins'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_refresh_tokens')),
    sa.UniqueConstraint('jti', name=op.f('uq_admin_refresh_tokens_jti')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('admin_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_admin_refresh_tokens_admin_id', ['admin_id'], unique=False)
        batch_op.create_index('ix_admin_refresh_tokens_family', ['family'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admin_id'], ['admins.id'], name=op.f('fk_audit_log_admin_id_admins')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_admin_id_id', ['admin_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_target_type_target_id', ['target_type', 'target_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', chatbot.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    **MYSQL_TABLE_OPTIONS,
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_published_id', ['published', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('notices')
    op.drop_table('audit_log')
    op.drop_table('admin_refresh_tokens')
    op.drop_table('admins')
