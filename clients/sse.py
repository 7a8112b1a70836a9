"""A reader of Souk's server-sent event stream (`GET /api/activity/stream`) for scripts, tests
and the benchmark: the events arrive on a queue, read by a thread of their own."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class ServerSentEvent:
    id: str | None
    event: str
    data: str
    received_at: float  # time.monotonic() when its last line arrived

    def json(self) -> Any:
        return json.loads(self.data)


class EventStream:
    """One open stream. `next(timeout)` gives the next event; `heartbeats` counts comments;
    `ended` is set once the server closed the stream (or `close()` was called)."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float = 30,
    ) -> None:
        session = requests.Session()
        session.trust_env = False  # no HTTP proxy between a script and its own gateway
        self.response = session.get(
            url,
            headers={"Accept": "text/event-stream", **(headers or {})},
            params=params,
            stream=True,
            timeout=(2, read_timeout),
        )
        self.status_code = self.response.status_code
        self.events: queue.Queue[ServerSentEvent] = queue.Queue()
        self.heartbeats = 0
        self.retry_ms: int | None = None
        self.ended = threading.Event()
        if self.response.ok:
            threading.Thread(target=self._read, name="sse-reader", daemon=True).start()
        else:
            self.ended.set()

    def next(self, timeout: float) -> ServerSentEvent:
        """The next event; raises `queue.Empty` when none comes within `timeout` seconds."""
        return self.events.get(timeout=timeout)

    def next_of(self, kind: str, timeout: float) -> ServerSentEvent:
        """The next event named `kind`, skipping others; raises `queue.Empty` on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.0, deadline - time.monotonic()))
            if event.event == kind:
                return event

    def close(self) -> None:
        self.response.close()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self.response.iter_lines(chunk_size=None, decode_unicode=True):
                if line == "":
                    if "data" in fields:
                        self.events.put(
                            ServerSentEvent(
                                fields.get("id"),
                                fields.get("event", "message"),
                                fields["data"],
                                time.monotonic(),
                            )
                        )
                    fields = {}
                elif line.startswith(":"):
                    self.heartbeats += 1
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data" and "data" in fields:
                        fields["data"] += "\n" + value
                    elif name == "retry" and value.isdigit():
                        self.retry_ms = int(value)
                    else:
                        fields[name] = value
        except (requests.RequestException, OSError, ValueError, AttributeError):
            pass  # the stream was cut or closed: `ended` says so
        finally:
            self.ended.set()
