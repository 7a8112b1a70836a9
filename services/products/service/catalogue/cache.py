"""Copies of catalogue reads kept in this process, so that a shopper's read of a product or a
page usually skips PostgreSQL.

A trigger on products, offers and images sends `NOTIFY souk_catalogue, '<product id>'` with
every change (migration 0007), and the process's listener thread passes it here: the
product's row and every page are dropped at once. A copy is trusted only while the listener
is connected (a notification sent meanwhile would be lost), and never past the next moment
an offer starts or ends, since prices follow the clock as well as the rows. A read that
overlapped a notification keeps nothing, so a copy read before a change can never outlive
it. `max_age` bounds the rest (a connection that died without a word).

The copies trail a write by the time its notification takes to arrive (milliseconds), so
whoever may have just written the product reads PostgreSQL: its seller, and staff."""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from flask import current_app
from souk_kit.statements import ReadStatement
from sqlalchemy import Float, extract, func, select
from sqlalchemy.pool import PoolProxiedConnection

from services.products.service.catalogue.rows import CatalogueRow, offers

CHANNEL = "souk_catalogue"
EXTENSION = "souk_catalogue_cache"

Value = TypeVar("Value")
Page = tuple[list[CatalogueRow], int]

_now = func.statement_timestamp()
# Seconds until the next offer starts or ends (NULL: none will).
NEXT_OFFER_CHANGE = ReadStatement(
    select(
        extract(
            "epoch",
            func.least(
                select(func.min(offers.c.starts_at))
                .where(offers.c.starts_at > _now)
                .scalar_subquery(),
                select(func.min(offers.c.ends_at)).where(offers.c.ends_at > _now).scalar_subquery(),
            )
            - _now,
        ).cast(Float)
    )
)


class _Copies(Generic[Value]):
    """At most `limit` values, each with the monotonic time it expires; the oldest stored
    goes first when full."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._values: dict[str, tuple[Value, float]] = {}

    def get(self, key: str, now: float) -> Value | None:
        found = self._values.get(key)
        if found is None or found[1] <= now:
            return None
        return found[0]

    def put(self, key: str, value: Value, expires: float) -> None:
        self._values.pop(key, None)
        if len(self._values) >= self._limit:
            del self._values[next(iter(self._values))]
        self._values[key] = (value, expires)

    def drop(self, key: str) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()


class CatalogueCache:
    def __init__(
        self,
        max_age: float,
        max_rows: int = 20_000,
        max_pages: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._listening = False
        # Moves on with every notification, so a read can tell whether one came meanwhile.
        self._generation = 0
        self._rows: _Copies[CatalogueRow] = _Copies(max_rows)
        self._pages: _Copies[Page] = _Copies(max_pages)
        self._offer_change: tuple[int, float] | None = None  # (generation, when)

    def generation(self) -> int | None:
        """Pass this to `keep_*` after reading from PostgreSQL; None: keep nothing now."""
        with self._lock:
            return self._generation if self._listening and self._max_age > 0 else None

    def row(self, product_id: str) -> CatalogueRow | None:
        with self._lock:
            return self._rows.get(product_id, self._clock()) if self._listening else None

    def page(self, key: str) -> Page | None:
        with self._lock:
            return self._pages.get(key, self._clock()) if self._listening else None

    def keep_row(self, generation: int, reader: PoolProxiedConnection, row: CatalogueRow) -> None:
        if (expires := self._expiry(generation, reader)) is not None:
            with self._lock:
                if generation == self._generation:
                    self._rows.put(row.id, row, expires)

    def keep_page(
        self, generation: int, reader: PoolProxiedConnection, key: str, page: Page
    ) -> None:
        if (expires := self._expiry(generation, reader)) is not None:
            with self._lock:
                if generation == self._generation:
                    self._pages.put(key, page, expires)

    def _expiry(self, generation: int, reader: PoolProxiedConnection) -> float | None:
        """When a copy read at `generation` expires; None when it is already out of date."""
        with self._lock:
            known = self._offer_change
        now = self._clock()
        if known is None or known[0] != generation or known[1] <= now:
            [(seconds,)] = NEXT_OFFER_CHANGE.rows(reader, {})
            known = (generation, now + (self._max_age if seconds is None else seconds))
            with self._lock:
                if generation != self._generation:
                    return None
                self._offer_change = known
        return min(now + self._max_age, known[1])

    # The listener's calls.

    def changed(self, product_id: str) -> None:
        """`product_id` changed; an empty one: every product (a TRUNCATE)."""
        with self._lock:
            self._generation += 1
            if product_id:
                self._rows.drop(product_id)
            else:
                self._rows.clear()
            self._pages.clear()

    def listening(self) -> None:
        self._forget(listening=True)

    def lost(self) -> None:
        self._forget(listening=False)

    def _forget(self, listening: bool) -> None:
        with self._lock:
            self._generation += 1
            self._listening = listening
            self._rows.clear()
            self._pages.clear()
            self._offer_change = None


def catalogue_cache() -> CatalogueCache:
    cache: CatalogueCache = current_app.extensions[EXTENSION]
    return cache
