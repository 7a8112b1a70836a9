"""notifications and webhooks: the inbox, per-kind choices, the e-mail outbox, shop endpoints and deliveries

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 03:40:17.008141
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('inbox', sa.Boolean(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'kind'),
    schema='activity'
    )
    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id'),
    schema='activity'
    )
    op.create_index('ix_notifications_unread', 'notifications', ['user_id'], unique=False, schema='activity', postgresql_where=sa.text('read_at IS NULL'))
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'], unique=False, schema='activity')
    op.create_table('outgoing_emails',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gave_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id'),
    schema='activity'
    )
    op.create_index('ix_outgoing_emails_due', 'outgoing_emails', ['next_attempt_at'], unique=False, schema='activity', postgresql_where=sa.text('sent_at IS NULL AND gave_up_at IS NULL'))
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seller_id', sa.Uuid(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('description', sa.String(length=200), server_default=sa.text("''"), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('disabled_reason', sa.String(length=200), nullable=True),
    sa.Column('failures_in_a_row', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    schema='activity'
    )
    op.create_index(op.f('ix_activity_webhook_endpoints_seller_id'), 'webhook_endpoints', ['seller_id'], unique=False, schema='activity')
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('endpoint_id', sa.Uuid(), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('gave_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['activity.webhook_endpoints.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    schema='activity'
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False, schema='activity', postgresql_where=sa.text('delivered_at IS NULL AND gave_up_at IS NULL'))
    op.create_index('ix_webhook_deliveries_endpoint_created', 'webhook_deliveries', ['endpoint_id', 'created_at'], unique=False, schema='activity')
    op.create_index('ux_webhook_deliveries_endpoint_source', 'webhook_deliveries', ['endpoint_id', 'source_id'], unique=True, schema='activity')


def downgrade() -> None:
    op.drop_index('ux_webhook_deliveries_endpoint_source', table_name='webhook_deliveries', schema='activity')
    op.drop_index('ix_webhook_deliveries_endpoint_created', table_name='webhook_deliveries', schema='activity')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries', schema='activity', postgresql_where=sa.text('delivered_at IS NULL AND gave_up_at IS NULL'))
    op.drop_table('webhook_deliveries', schema='activity')
    op.drop_index(op.f('ix_activity_webhook_endpoints_seller_id'), table_name='webhook_endpoints', schema='activity')
    op.drop_table('webhook_endpoints', schema='activity')
    op.drop_index('ix_outgoing_emails_due', table_name='outgoing_emails', schema='activity', postgresql_where=sa.text('sent_at IS NULL AND gave_up_at IS NULL'))
    op.drop_table('outgoing_emails', schema='activity')
    op.drop_index('ix_notifications_user_created', table_name='notifications', schema='activity')
    op.drop_index('ix_notifications_unread', table_name='notifications', schema='activity', postgresql_where=sa.text('read_at IS NULL'))
    op.drop_table('notifications', schema='activity')
    op.drop_table('notification_preferences', schema='activity')
