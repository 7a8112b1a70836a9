"""One process's fan-out of live events to its open streams.

The hub LISTENs on the `souk_live` channel with a connection of its own; each NOTIFY (sent
when a batch of live events commits) wakes one read of the events after the hub's cursor,
which are handed to the streams they are for. While no stream is open the hub reads nothing:
it moves its cursor to the newest `seq` the NOTIFY names (events commit in `seq` order, see
`live`), so a stream opened later starts after them. A NOTIFY lost while the connection was
down costs nothing: after reconnecting the hub reads, and while streams are open it also
reads every `SAFETY_READ_SECONDS`.
Waiting costs no thread: the listening socket sits in the event loop, and the reads run in
the loop's thread pool.
"""

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable

import psycopg2
import psycopg2.extensions
from souk_kit.auth import RevocationSet
from souk_kit.db import Database

from services.activity.service import live
from services.activity.service.live import StreamEvent

log = logging.getLogger("souk.activity.stream")

SAFETY_READ_SECONDS = 5.0
READ_LIMIT = 500
# A stream whose client reads slower than events arrive is closed past this many unsent
# events; the client reconnects with Last-Event-ID and is sent what it missed.
QUEUE_LIMIT = 1000
RECONNECT_SECONDS = 1.0


class Subscription:
    """What one stream waits on: its events, then `None` once the hub has dropped it."""

    def __init__(self, user_id: uuid.UUID | None, products: frozenset[uuid.UUID], start: int):
        self.user_id = user_id
        self.products = products
        # Events up to `start` were handed out before this subscription existed.
        self.start = start
        self.queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()
        self.dropped = False

    def offer(self, event: StreamEvent) -> None:
        if self.dropped:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self.dropped = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(event)


class LiveHub:
    def __init__(self, database: Database, revocations: RevocationSet, refresh_seconds: float):
        self._database = database
        self._revocations = revocations
        self._refresh_seconds = refresh_seconds
        self._dsn = database.engine.url.set(drivername="postgresql")
        self._by_user: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._by_product: dict[uuid.UUID, set[Subscription]] = defaultdict(set)
        self._listener: psycopg2.extensions.connection | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.cursor = 0
        self._announced = 0  # the newest seq a NOTIFY named
        self.open_streams = 0

    async def start(self) -> None:
        self.cursor = await asyncio.to_thread(self._latest)
        await self._listen()
        self._tasks = [
            asyncio.create_task(self._hand_out(), name="live-hand-out"),
            asyncio.create_task(self._refresh_revocations(), name="live-revocations"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._drop_listener()

    def subscribe(self, user_id: uuid.UUID | None, products: Iterable[uuid.UUID]) -> Subscription:
        subscription = Subscription(user_id, frozenset(products), self.cursor)
        if user_id is not None:
            self._by_user[user_id].add(subscription)
        for product_id in subscription.products:
            self._by_product[product_id].add(subscription)
        self.open_streams += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        keys = [(self._by_product, p) for p in subscription.products]
        if subscription.user_id is not None:
            keys.append((self._by_user, subscription.user_id))
        for index, key in keys:
            index[key].discard(subscription)
            if not index[key]:
                del index[key]
        self.open_streams -= 1

    async def missed(self, subscription: Subscription, after: int, limit: int) -> list[StreamEvent]:
        """The subscription's events in `(after, start]`: those a reconnecting client missed."""

        def read() -> list[StreamEvent]:
            with self._database.engine.connect() as connection:
                return live.missed(
                    connection,
                    subscription.user_id,
                    sorted(subscription.products),
                    after,
                    subscription.start,
                    limit,
                )

        return await asyncio.to_thread(read)

    def is_revoked(self, session_id: str) -> bool:
        return self._revocations.holds(session_id)

    def _latest(self) -> int:
        with self._database.engine.connect() as connection:
            return live.latest_seq(connection)

    def _read_after(self, seq: int) -> list[StreamEvent]:
        with self._database.engine.connect() as connection:
            return live.events_after(connection, seq, READ_LIMIT)

    async def _listen(self) -> None:
        def connect() -> psycopg2.extensions.connection:
            connection = psycopg2.connect(self._dsn.render_as_string(hide_password=False))
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {live.CHANNEL}")
            return connection

        self._listener = listener = await asyncio.to_thread(connect)
        asyncio.get_running_loop().add_reader(listener.fileno(), self._notified)

    def _notified(self) -> None:
        assert self._listener is not None
        try:
            self._listener.poll()
            for notify in self._listener.notifies:
                if notify.payload.isdigit():
                    self._announced = max(self._announced, int(notify.payload))
            self._listener.notifies.clear()
        except psycopg2.Error:
            log.warning("the live events listener lost its connection; reconnecting")
            self._drop_listener()
        self._wake.set()

    def _drop_listener(self) -> None:
        if self._listener is None:
            return
        # No loop any more, or the socket is already gone: nothing to remove.
        with contextlib.suppress(RuntimeError, ValueError, psycopg2.Error):
            asyncio.get_running_loop().remove_reader(self._listener.fileno())
        self._listener.close()
        self._listener = None
        self._announced = 0  # what was missed meanwhile is learnt by a read

    async def _hand_out(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SAFETY_READ_SECONDS)
            self._wake.clear()
            try:
                if self._listener is None:
                    await self._listen()
                if not self.open_streams and self._announced:
                    self.cursor = max(self.cursor, self._announced)
                    continue
                while True:
                    events = await asyncio.to_thread(self._read_after, self.cursor)
                    for event in events:
                        self._dispatch(event)
                        self.cursor = event.seq
                    if len(events) < READ_LIMIT:
                        break
            except Exception as error:
                log.warning("could not read live events (%s); trying again", error)
                self._drop_listener()
                await asyncio.sleep(RECONNECT_SECONDS)
                self._wake.set()

    def _dispatch(self, event: StreamEvent) -> None:
        targets: set[Subscription] = set()
        if event.user_id is not None:
            targets |= self._by_user.get(event.user_id, set())
        if event.product_id is not None:
            targets |= self._by_product.get(event.product_id, set())
        for subscription in targets:
            subscription.offer(event)

    async def _refresh_revocations(self) -> None:
        while True:
            await asyncio.to_thread(self._revocations.refresh)
            await asyncio.sleep(self._refresh_seconds)
