"""Read statements built with SQLAlchemy once and compiled once, then run straight through the
driver (on `reading()`'s connection), most of them as server-side prepared statements: a read
costs no expression building, cache-key computation or ORM loading here, and no parsing or
planning in PostgreSQL."""

import itertools
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql import psycopg2
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from souk_kit.db import driver_rows

# `$1, $2, …` as PREPARE takes them, and `%(name)s` as psycopg2 takes them.
_DOLLAR = psycopg2.dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
_PYFORMAT = psycopg2.dialect()  # type: ignore[no-untyped-call]
_NUMBERS = itertools.count(1)
_PREPARED = "souk_prepared"  # key in a connection's `info`: names prepared on it
# A prepared page statement and its generic plan take about 200 kB of the server's memory per
# connection. This many stay prepared per connection, the least recently run going first, so a
# client trying every combination of filters cannot make them grow without bound.
MAX_PREPARED = 32


class ReadStatement:
    """A SELECT whose parameters are all named `bindparam`s (constants are written as literal
    SQL, so the partial indexes' predicates still match). Rows come back as plain tuples of
    driver values.

    Prepared (the default), it is PREPAREd on a database connection the first time it runs there
    and EXECUTEd by name after that. A prepared statement outlives transactions (PREPARE and
    DEALLOCATE are not rolled back) and lives as long as its connection, as does the
    connection's `info` that records it. Its plan is the generic one when the service sets
    `db_generic_plans`, so prepare only statements whose best plan does not depend on their
    values; the others are sent as plain SQL and planned for their values on every run."""

    def __init__(self, statement: ClauseElement, *, prepare: bool = True) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DOLLAR))
        unnamed = sorted(name for name, value in compiled.params.items() if value is not None)
        if unnamed:
            raise ValueError(f"write constants as literal SQL, not parameters: {unnamed}")
        self.prepare = prepare
        self.sql = str(compiled)
        if prepare and "%" in self.sql:  # PREPARE is sent without parameters to unescape it
            raise ValueError("a prepared statement may not contain %")
        self.name = f"souk_statement_{next(_NUMBERS)}"
        self.order: tuple[str, ...] = tuple(compiled.positiontup or ())
        placeholders = ", ".join(f"%({name})s" for name in self.order)
        self._execute = (
            f"EXECUTE {self.name}({placeholders})" if self.order else f"EXECUTE {self.name}"
        )
        self._planned = str(statement.compile(dialect=_PYFORMAT))

    def rows(self, connection: PoolProxiedConnection, params: Mapping[str, Any]) -> list[Any]:
        """Run on a driver connection: `reading()`'s, or `driver_connection(session)` inside a
        unit of work."""
        values = {name: params[name] for name in self.order}
        if not self.prepare:
            return driver_rows(connection, self._planned, values)
        self._prepare_on(connection)
        return driver_rows(connection, self._execute, values)

    def _prepare_on(self, connection: PoolProxiedConnection) -> None:
        prepared: OrderedDict[str, None] = connection.info.setdefault(_PREPARED, OrderedDict())
        if self.name in prepared:
            prepared.move_to_end(self.name)
            return
        if len(prepared) >= MAX_PREPARED:
            oldest = next(iter(prepared))
            driver_rows(connection, f"DEALLOCATE {oldest}")
            del prepared[oldest]  # only once the server has let it go
        driver_rows(connection, f"PREPARE {self.name} AS {self.sql}")
        prepared[self.name] = None
