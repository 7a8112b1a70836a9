"""catalogue change notifications: NOTIFY souk_catalogue with the product's id on every change
to a product, its offers or its images, and with an empty payload on a TRUNCATE (each
process's catalogue cache listens)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 01:00:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: its column naming the product
TABLES = {"products": "id", "offers": "product_id", "product_images": "product_id"}


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION products.notify_catalogue_truncated() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('souk_catalogue', '');"
        " RETURN NULL; END $$"
    )
    for table, column in TABLES.items():
        op.execute(
            f"CREATE FUNCTION products.notify_{table}_changed() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('souk_catalogue',"
            f" CASE WHEN TG_OP = 'DELETE' THEN OLD.{column} ELSE NEW.{column} END::text);"
            " RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER notify_{table}_changed AFTER INSERT OR UPDATE OR DELETE"
            f" ON products.{table} FOR EACH ROW"
            f" EXECUTE FUNCTION products.notify_{table}_changed()"
        )
        op.execute(
            f"CREATE TRIGGER notify_{table}_truncated AFTER TRUNCATE ON products.{table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION products.notify_catalogue_truncated()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER notify_{table}_truncated ON products.{table}")
        op.execute(f"DROP TRIGGER notify_{table}_changed ON products.{table}")
        op.execute(f"DROP FUNCTION products.notify_{table}_changed()")
    op.execute("DROP FUNCTION products.notify_catalogue_truncated()")
