"""live events: the updates streamed over server-sent events

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 19:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('live_events',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('product_id', sa.Uuid(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('message_id'),
    schema='activity'
    )
    op.create_index('ix_live_events_user', 'live_events', ['user_id', 'seq'], unique=False, schema='activity', postgresql_where=sa.text('user_id IS NOT NULL'))
    op.create_index('ix_live_events_product', 'live_events', ['product_id', 'seq'], unique=False, schema='activity', postgresql_where=sa.text('product_id IS NOT NULL'))
    op.create_index('ix_live_events_at', 'live_events', ['at'], unique=False, schema='activity')


def downgrade() -> None:
    op.drop_index('ix_live_events_at', table_name='live_events', schema='activity')
    op.drop_index('ix_live_events_product', table_name='live_events', schema='activity', postgresql_where=sa.text('product_id IS NOT NULL'))
    op.drop_index('ix_live_events_user', table_name='live_events', schema='activity', postgresql_where=sa.text('user_id IS NOT NULL'))
    op.drop_table('live_events')
