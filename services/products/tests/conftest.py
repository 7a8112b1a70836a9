import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from souk_kit.db import database_of
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from services.products.app import create_app
from services.products.models import OutboxMessage


@pytest.fixture
def app(make_service_app) -> Flask:
    return make_service_app(create_app)


@pytest.fixture
def db(app: Flask) -> Callable[[], Session]:
    """A session on the test's transaction, to look at what the requests wrote."""
    database = database_of(app)
    return database.new_session


class Seller:
    """A signed-in seller (or admin) with helpers for the calls most tests make."""

    def __init__(self, client: FlaskClient, headers: dict[str, str], user_id: str) -> None:
        self.client = client
        self.headers = headers
        self.user_id = user_id

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Brass lantern", "price": "19.99", **fields}
        answer = self.client.post("/api/products", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.json
        assert answer.json is not None
        return answer.json

    def patch(self, product_id: str, **fields: Any):
        return self.client.patch(f"/api/products/{product_id}", json=fields, headers=self.headers)

    def upload(self, product_id: str, data: bytes, filename: str = "photo.jpg", field="image"):
        # Encoded in memory: the test client's own encoder leaves a temporary file open.
        boundary, body = encode_multipart({field: FileStorage(io.BytesIO(data), filename)})
        return self.client.post(
            f"/api/products/{product_id}/images",
            data=body,
            headers=self.headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def offer(self, product_id: str, **fields: Any):
        return self.client.post(
            f"/api/products/{product_id}/offers", json=fields, headers=self.headers
        )


@pytest.fixture
def make_seller(client: FlaskClient, tokens) -> Callable[..., Seller]:
    def make(role: str = "seller") -> Seller:
        user_id = str(uuid.uuid4())
        return Seller(client, tokens.headers(role, user_id=user_id), user_id)

    return make


@pytest.fixture
def seller(make_seller) -> Seller:
    return make_seller()


@pytest.fixture
def admin(make_seller) -> Seller:
    return make_seller("admin")


@pytest.fixture
def outbox(db) -> Callable[[str, str], list[dict[str, Any]]]:
    def messages(destination: str, path: str) -> list[dict[str, Any]]:
        with db() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.destination == destination, OutboxMessage.path == path)
                .order_by(OutboxMessage.id)
            )
            return [row.payload for row in rows]

    return messages


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=image_format)
    return buffer.getvalue()


def relay_batch(*payloads: dict[str, Any], event_ids: list[str] | None = None) -> dict:
    ids = event_ids or [str(uuid.uuid4()) for _ in payloads]
    return {"messages": [{"event_id": e, "payload": p} for e, p in zip(ids, payloads, strict=True)]}
