"""The framework ceiling: a bare Flask endpoint with no database, auth or kit, run under the same
gunicorn settings and behind the same nginx as the services."""

from flask import Flask


def create_app() -> Flask:
    app = Flask("ceiling")

    @app.get("/ceiling")
    def ceiling() -> dict[str, str]:
        return {"status": "ok"}

    return app
