"""Periodic work inside a service process (outbox relay, expiry, recovery loops)."""

import logging
import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import OperationalError

log = logging.getLogger("souk.background")


class PeriodicTask:
    """Runs `work()` every `interval` seconds in a daemon thread, or when woken: at once, or
    `gather` seconds later, so that work queued meanwhile is done in the same round."""

    def __init__(
        self,
        app: Flask,
        name: str,
        interval: float,
        work: Callable[[], object],
        gather: float = 0.0,
    ) -> None:
        self.name = name
        self._app = app
        self._interval = interval
        self._work = work
        self._gather = gather
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"souk-{name}", daemon=True)

    def start(self) -> "PeriodicTask":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(self._interval)
            if woken and self._gather:
                self._stop.wait(self._gather)
            if self._stop.is_set():
                break
            self._wake.clear()
            try:
                with self._app.app_context():
                    self._work()
            except OperationalError as error:
                # The database is away: one line a round, not a traceback, until it is back.
                log.warning("background task %s: database unavailable (%s)", self.name, error.orig)
            except Exception:
                log.exception("background task %s failed", self.name)


def start_periodic(
    app: Flask, name: str, interval: float, work: Callable[[], object], gather: float = 0.0
) -> PeriodicTask:
    """Start `work` in the background unless this app runs without background workers (tests)."""
    task = PeriodicTask(app, name, interval, work, gather)
    app.extensions.setdefault("souk_tasks", {})[name] = task
    if app.config.get("SOUK_BACKGROUND_WORKERS", True):
        task.start()
    return task


def wake(app: Flask, name: str) -> None:
    """Run the periodic task `name` of this process now (when it runs here at all)."""
    task = app.extensions.get("souk_tasks", {}).get(name)
    if task is not None:
        task.wake()
