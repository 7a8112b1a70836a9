"""A thread that LISTENs on a PostgreSQL channel and hands each NOTIFY's payload on.

Notifications sent while the connection is down are lost, so the listener says when it is
listening again (`on_listening`) and when it stopped (`on_lost`): whoever keeps copies of
rows must trust none of them outside those two calls."""

import contextlib
import logging
import select
import threading
from collections.abc import Callable

import psycopg2
import psycopg2.extensions
from flask import Flask

from souk_kit.db import database_of

log = logging.getLogger("souk.listen")

RECONNECT_SECONDS = 1.0
# How long a wait for a notification lasts before the connection is checked again.
POLL_SECONDS = 5.0


class ChannelListener:
    def __init__(
        self,
        dsn: str,
        channel: str,
        on_notify: Callable[[str], object],
        on_listening: Callable[[], object],
        on_lost: Callable[[], object],
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._on_notify = on_notify
        self._on_listening = on_listening
        self._on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"souk-listen-{channel}", daemon=True
        )

    def start(self) -> "ChannelListener":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except (psycopg2.Error, OSError) as error:
                log.warning("listening on %s failed (%s); retrying", self._channel, error)
            finally:
                self._on_lost()
            self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        connection = psycopg2.connect(self._dsn, keepalives=1, keepalives_idle=10)
        try:
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {self._channel}")
            self._on_listening()
            while not self._stop.is_set():
                readable, _, _ = select.select([connection], [], [], POLL_SECONDS)
                if not readable:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")  # a dead server shows up here
                connection.poll()
                while connection.notifies:
                    self._on_notify(connection.notifies.pop(0).payload)
        finally:
            with contextlib.suppress(psycopg2.Error):
                connection.close()


def start_listener(
    app: Flask,
    channel: str,
    on_notify: Callable[[str], object],
    on_listening: Callable[[], object],
    on_lost: Callable[[], object],
) -> ChannelListener | None:
    """Listen on `channel` in the background unless this app runs without background workers
    (tests), in which case nothing is ever listening."""
    if not app.config.get("SOUK_BACKGROUND_WORKERS", True):
        return None
    url = database_of(app).engine.url.set(drivername="postgresql")
    listener = ChannelListener(
        url.render_as_string(hide_password=False), channel, on_notify, on_listening, on_lost
    )
    return listener.start()
