"""One engine per app (created in the factory, after gunicorn forks), one session per request."""

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, cast

import psycopg2
from flask import Flask, current_app, g
from sqlalchemy import (
    Connection,
    CursorResult,
    DateTime,
    Engine,
    Table,
    UpdateBase,
    Uuid,
    create_engine,
    func,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, mapped_column, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from souk_kit.settings import ServiceSettings

# Column types every service's models share: `created_at: Mapped[CreatedAt]`.
UuidPrimaryKey = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
CreatedAt = Annotated[datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]
UpdatedAt = Annotated[
    datetime,
    mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now()),
]


def connection_options(settings: ServiceSettings) -> list[str]:
    options = ["-c timezone=UTC"]
    if settings.db_generic_plans:
        options.append("-c plan_cache_mode=force_generic_plan")
    return options


class Database:
    def __init__(self, settings: ServiceSettings) -> None:
        self.engine: Engine = create_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_recycle=1800,
            connect_args={"options": " ".join(connection_options(settings))},
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._bound: Connection | None = None

    def bind_to(self, connection: Connection) -> None:
        """Run every session and read inside `connection`'s open transaction (tests roll it
        back)."""
        self._sessions = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._bound = connection

    def new_session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session of its own, committed when the block ends (rolled back on any error): for
        work outside a request, such as background tasks."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[PoolProxiedConnection]:
        """A pooled driver connection in autocommit, for a request that only reads, with
        `driver_rows`. Each statement runs on its own, as it would in a READ COMMITTED
        transaction (which gives every statement its own snapshot), without the BEGIN and
        COMMIT round trips or an ORM session: about a third of the CPU of a one-row read.
        Driver errors come out as SQLAlchemy's, as from a session (a lost database is a 503)."""
        if self._bound is not None:
            yield self._bound.connection
            return
        with _as_sqlalchemy_errors(None):
            connection = self.engine.raw_connection()
        try:
            with _as_sqlalchemy_errors(connection):
                connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            yield connection
        finally:
            if connection.is_valid:
                # Back to transactions before the pool hands it to a session.
                try:
                    connection.driver_connection.autocommit = False  # type: ignore[union-attr]
                except psycopg2.Error as error:
                    connection.invalidate(error)
            connection.close()

    def ping(self) -> None:
        with self.new_session() as session:
            session.execute(text("SELECT 1"))


def init_db(app: Flask, settings: ServiceSettings) -> Database:
    database = Database(settings)
    app.extensions["souk_db"] = database

    @app.teardown_appcontext
    def close_request_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("souk_session", None)
        if session is not None:
            session.close()

    return database


def database_of(app: Flask) -> Database:
    db: Database = app.extensions["souk_db"]
    return db


def database() -> Database:
    """The current app's database."""
    return database_of(current_app)


def get_session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "souk_session" not in g:
        g.souk_session = database().new_session()
    session: Session = g.souk_session
    return session


@contextmanager
def transaction() -> Iterator[Session]:
    """Commit the request's work when the block ends; roll it all back on any error."""
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def reading() -> Iterator[PoolProxiedConnection]:
    """The current app's `Database.reading()`."""
    with database().reading() as connection:
        yield connection


def driver_connection(session: Session) -> PoolProxiedConnection:
    """The driver connection under the session's transaction (pending changes flushed first),
    for `driver_rows` inside a unit of work."""
    session.flush()
    return session.connection().connection


def driver_rows(
    connection: PoolProxiedConnection, sql: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run `sql` (with `%(name)s` parameters) straight through the driver and return its rows
    as the driver gives them. A driver error comes out as SQLAlchemy's, as from a session (a
    lost database is a 503), and a lost connection is dropped from the pool."""
    with _as_sqlalchemy_errors(connection, sql, params):
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []
        finally:
            cursor.close()


@contextmanager
def _as_sqlalchemy_errors(
    connection: PoolProxiedConnection | None,
    sql: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """psycopg2's errors raised as SQLAlchemy's (which the kit's error handlers answer); a
    connection that failed as a connection is dropped from the pool."""
    try:
        yield
    except psycopg2.Error as error:
        lost = isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError)
        if lost and connection is not None:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, params, error, psycopg2.Error, connection_invalidated=lost
        ) from error


def table_of(model: type[Any]) -> Table:
    """A model's table, for a statement built once on the table itself: an insert or update
    of the model goes through the ORM's bulk and unit-of-work paths, several times the CPU."""
    return cast(Table, model.__table__)


def rows_affected(session: Session, statement: UpdateBase) -> int:
    """Run an INSERT, UPDATE or DELETE in the session and say how many rows it touched."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
