"""`start_periodic`: background loops that run when woken and keep running after a failure."""

import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, current_app

from souk_kit.background import PeriodicTask, start_periodic

HOUR = 3600.0  # long enough that only wake() makes the task run during a test


def task_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"souk-{name}" and t.is_alive()]


@pytest.fixture
def started() -> Iterator[list[PeriodicTask]]:
    tasks: list[PeriodicTask] = []
    yield tasks
    for task in tasks:
        task.stop()
        for thread in task_threads(task.name):
            thread.join(timeout=5)


def flask_app(workers: bool) -> Flask:
    app = Flask("kit-background")
    app.config["SOUK_BACKGROUND_WORKERS"] = workers
    return app


def test_no_thread_is_started_when_background_workers_are_off():
    app = flask_app(workers=False)
    task = start_periodic(app, "kit-off", HOUR, lambda: None)
    assert app.extensions["souk_tasks"]["kit-off"] is task
    assert task_threads("kit-off") == []


def test_a_kit_app_built_with_background_workers_off_starts_no_thread(make_app):
    app = make_app()
    assert app.config["SOUK_BACKGROUND_WORKERS"] is False
    start_periodic(app, "kit-app-off", HOUR, lambda: None)
    assert task_threads("kit-app-off") == []


def test_a_started_task_runs_its_work_in_an_app_context_when_woken(started):
    app = flask_app(workers=True)
    ran = threading.Event()
    seen: list[str] = []

    def work() -> None:
        seen.append(current_app.name)
        ran.set()

    started.append(start_periodic(app, "kit-wake", HOUR, work))
    assert len(task_threads("kit-wake")) == 1
    assert not ran.is_set()
    started[0].wake()
    assert ran.wait(timeout=5)
    assert seen == ["kit-background"]


def test_a_task_keeps_running_after_its_work_raises(started, caplog):
    app = flask_app(workers=True)
    failed, recovered = threading.Event(), threading.Event()
    runs: list[int] = []

    def work() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            failed.set()
            raise RuntimeError("one bad run")
        recovered.set()

    task = start_periodic(app, "kit-survive", HOUR, work)
    started.append(task)
    task.wake()
    assert failed.wait(timeout=5)
    task.wake()
    assert recovered.wait(timeout=5)
    assert task_threads("kit-survive")
    assert any("kit-survive failed" in record.getMessage() for record in caplog.records)


def test_a_stopped_task_ends_its_thread_without_running_the_work_again(started):
    app = flask_app(workers=True)
    ran = threading.Event()
    runs: list[int] = []

    def work() -> None:
        runs.append(1)
        ran.set()

    task = start_periodic(app, "kit-stop", HOUR, work)
    started.append(task)
    task.wake()
    assert ran.wait(timeout=5)
    [thread] = task_threads("kit-stop")

    task.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert runs == [1]


def test_a_woken_task_gathers_for_a_while_and_does_the_work_queued_meanwhile_in_one_round(
    started,
):
    app = flask_app(workers=True)
    queued: list[int] = []
    rounds: list[tuple[float, list[int]]] = []
    ran = threading.Event()

    def work() -> None:
        rounds.append((time.monotonic(), list(queued)))
        queued.clear()
        ran.set()

    task = start_periodic(app, "kit-gather", HOUR, work, gather=1.0)
    started.append(task)
    first_woken = time.monotonic()
    for item in range(3):
        queued.append(item)
        task.wake()
    assert ran.wait(timeout=5)
    [(ran_at, done)] = rounds
    assert done == [0, 1, 2]
    assert ran_at - first_woken >= 1.0
