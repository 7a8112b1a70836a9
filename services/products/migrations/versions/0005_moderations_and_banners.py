"""moderations (who disabled a product and why) and the storefront's banners

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'moderations',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('product_id', sa.Uuid(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('by_user', sa.Uuid(), nullable=False),
        sa.Column('by_staff', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        schema='products',
    )
    op.create_index('ix_moderations_product_at', 'moderations', ['product_id', 'at'], schema='products')
    op.create_table(
        'banners',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('body', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('link_url', sa.String(length=500), nullable=True),
        sa.Column('position', sa.Integer(), server_default='0', nullable=False),
        sa.Column('published', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint('ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at', name='ck_banners_ends_after'),
        sa.PrimaryKeyConstraint('id'),
        schema='products',
    )
    op.create_index(
        'ix_banners_published_position', 'banners', ['position', 'created_at'],
        schema='products', postgresql_where=sa.text('published'),
    )


def downgrade() -> None:
    op.drop_table('banners', schema='products')
    op.drop_table('moderations', schema='products')
