"""Read statements built with SQLAlchemy once and compiled once, then run straight through the
driver: a catalogue read costs no expression building, cache-key computation or ORM loading."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import psycopg2
from sqlalchemy.orm import Session

_DIALECT = psycopg2.dialect()


class ReadStatement:
    """A SELECT whose parameters are all named `bindparam`s (constants are written as literal
    SQL, so the partial indexes' predicates still match). Rows come back as plain tuples of
    driver values: `uuid.UUID`s, numerics as `Decimal`, times as aware datetimes."""

    def __init__(self, statement: Executable) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.names = frozenset(compiled.params)
        unnamed = sorted(name for name, value in compiled.params.items() if value is not None)
        if unnamed:
            raise ValueError(f"write constants as literal SQL, not parameters: {unnamed}")

    def rows(self, session: Session, params: Mapping[str, Any]) -> Sequence[Any]:
        """Run in the session's transaction (the caller flushes pending ORM changes first)."""
        return session.connection().exec_driver_sql(self.sql, dict(params)).all()
