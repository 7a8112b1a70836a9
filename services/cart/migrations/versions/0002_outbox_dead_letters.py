"""outbox dead letters: a message its receiver refused is set aside with the answer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('dead_at', sa.DateTime(timezone=True), nullable=True), schema='cart')
    op.add_column('outbox', sa.Column('last_error', sa.String(length=500), nullable=True), schema='cart')


def downgrade() -> None:
    op.drop_column('outbox', 'last_error', schema='cart')
    op.drop_column('outbox', 'dead_at', schema='cart')
