"""Alembic per service: each sees only its own schema and keeps its version table there."""

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text

from souk_kit import SERVICES

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def upgrade_all(database_url: str) -> None:
    for service in SERVICES:
        if (SERVICES_DIR / service / "migrations" / "env.py").exists():
            upgrade(service, database_url)


def run_migrations(metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    schema = metadata.schema
    assert schema, "a service's MetaData must name its schema"
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_engine(url)

    def only_this_schema(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "schema" or name == schema

    with engine.connect() as connection:
        # Only when missing: a role limited to its own schema may not even try to create one.
        exists = connection.scalar(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        )
        if not exists:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=only_this_schema,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
