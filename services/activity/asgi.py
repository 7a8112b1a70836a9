"""The activity process: its Flask routes and the live stream, served by one ASGI server.

A stream is open for minutes to hours and waits nearly all that time; under gunicorn's
threaded workers each would hold a thread. So the activity service runs under uvicorn
(gunicorn's `StreamWorker` below): the stream lives in the event loop, where an idle one
costs a socket and a few kilobytes, and the Flask routes run as before, in a thread pool
of `SOUK_REQUEST_THREADS` (a2wsgi).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from a2wsgi import WSGIMiddleware
from souk_kit.auth import revocations_of, tokens_of
from souk_kit.db import database_of
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from uvicorn_worker import UvicornWorker

from services.activity.app import create_app as create_flask_app
from services.activity.settings import ActivitySettings
from services.activity.stream.endpoint import stream
from services.activity.stream.hub import LiveHub

ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
STREAM_PATHS = ("/api/activity/stream", "/api/activity/stream/")


class StreamWorker(UvicornWorker):
    """gunicorn's uvicorn worker; on shutdown, streams still open after 3 s are ended (they
    would otherwise hold the worker until gunicorn kills it), and their clients reconnect to
    another replica."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "timeout_graceful_shutdown": 3}


def create_app(settings: ActivitySettings | None = None) -> Starlette:
    settings = settings or ActivitySettings()
    flask_app = create_flask_app(settings)
    database = database_of(flask_app)
    revocations = revocations_of(flask_app)
    hub = LiveHub(database, revocations, settings.revocation_refresh_seconds)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        try:
            yield
        finally:
            await hub.stop()

    app = Starlette(
        routes=[
            # Every method reaches the endpoint, which answers the JSON 405 itself.
            *(Route(path, stream, methods=ANY_METHOD) for path in STREAM_PATHS),
            # a2wsgi's and Starlette's hints disagree with Flask's on the WSGI/ASGI callables.
            Mount("/", app=WSGIMiddleware(flask_app, workers=settings.request_threads)),  # type: ignore[arg-type]
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.settings = settings
    app.state.revocations = revocations
    app.state.tokens = tokens_of(flask_app)
    return app
