"""`Idempotency-Key` on `POST /api/orders`."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from services.orders.models import IdempotencyKey, Order
from services.orders.service.recovery import recover


def _orders(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(
    buyer, fakes, db
):
    ada = buyer().add(fakes.stocked("10.00", stock=5))
    body = {"payment": {"token": "tok_visa"}}

    first = ada.checkout(body, key="order-1")
    again = ada.checkout(body, key="order-1")

    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert _orders(db) == 1
    assert len(fakes.provider.charges) == 1
    assert fakes.inventory.stock == {next(iter(fakes.inventory.stock)): 4}


def test_the_same_key_with_another_body_is_a_409(buyer, fakes, db):
    ada = buyer().add(fakes.stocked("10.00"))
    assert ada.checkout({"shipping_method": "standard"}, key="k").status_code == 201

    answer = ada.checkout({"shipping_method": "express"}, key="k")

    assert answer.status_code == 409
    assert answer.json["code"] == "idempotency_key_reused"
    assert _orders(db) == 1


def test_key_order_in_the_body_does_not_make_it_another_body(buyer, fakes):
    ada = buyer().add(fakes.stocked("10.00"))
    first = ada.client.post(
        "/api/orders",
        data='{"shipping_method": "standard", "payment": {"token": "tok_visa"}}',
        content_type="application/json",
        headers={**ada.headers, "Idempotency-Key": "k"},
    )
    again = ada.client.post(
        "/api/orders",
        data='{"payment": {"token": "tok_visa"}, "shipping_method": "standard"}',
        content_type="application/json",
        headers={**ada.headers, "Idempotency-Key": "k"},
    )
    assert first.json == again.json


def test_keys_belong_to_one_user(buyer, fakes, db):
    lamp = fakes.stocked("10.00")
    ada, bob = buyer().add(lamp), buyer().add(lamp)
    first = ada.checkout(key="shared")
    second = bob.checkout(key="shared")
    assert first.status_code == second.status_code == 201
    assert first.json["order_id"] != second.json["order_id"]
    assert _orders(db) == 2


def test_malformed_keys_are_a_400_before_anything_happens(buyer, fakes):
    ada = buyer().add(fakes.stocked("10.00"))
    for key in ("", "a" * 256, "has space", "ключ", "tab\there"):
        answer = ada.checkout(key=key)
        assert answer.status_code == 400, key
        assert answer.json["code"] == "invalid_idempotency_key"
    assert fakes.provider.charges == []
    assert ada.checkout(key="~!" + "x" * 253).status_code == 201


def test_a_refusal_is_replayed_too(buyer, fakes):
    ada = buyer()
    first = ada.checkout(key="empty")
    ada.add(fakes.stocked("10.00"))
    again = ada.checkout(key="empty")
    assert first.status_code == again.status_code == 409
    assert again.json["code"] == "empty_cart"


def test_a_declined_card_is_replayed_without_charging_again(buyer, fakes):
    ada = buyer().add(fakes.stocked("10.00"))
    body = {"payment": {"token": "tok_declined"}}
    first = ada.checkout(body, key="d")
    again = ada.checkout(body, key="d")
    assert first.status_code == again.status_code == 402
    assert first.json == again.json
    assert len(fakes.provider.charges) == 1


def test_a_dependency_outage_is_not_stored_so_a_retry_runs_again(buyer, fakes, db):
    ada = buyer().add(fakes.stocked("10.00"))
    fakes.shipping.quote_down = True
    assert ada.checkout(key="retry-me").status_code == 503
    fakes.shipping.quote_down = False
    answer = ada.checkout(key="retry-me")
    assert answer.status_code == 201
    assert _orders(db) == 1


def test_a_key_whose_checkout_is_still_unsettled_answers_in_progress_then_the_recovered_order(
    buyer, fakes, db, deps
):
    ada = buyer().add(fakes.stocked("10.00"))
    fakes.inventory.down_on = {"commit"}
    first = ada.checkout(key="crashy")
    assert first.status_code == 503
    order_id = first.json["details"]["order_id"]

    waiting = ada.checkout(key="crashy")
    assert waiting.status_code == 409
    assert waiting.json["code"] == "idempotency_key_in_progress"

    fakes.inventory.down_on = set()
    with db() as session:
        session.execute(update(Order).values(updated_at=Order.updated_at - timedelta(minutes=5)))
    assert recover(deps).paid == 1

    settled = ada.checkout(key="crashy")
    assert settled.status_code == 201
    assert settled.json["order_id"] == order_id
    assert _orders(db) == 1


def test_an_abandoned_checkout_frees_its_key_for_a_fresh_attempt(buyer, fakes, db, deps):
    ada = buyer().add(fakes.stocked("10.00"))
    body = {"payment": {"token": "tok_timeout"}}
    assert ada.checkout(body, key="again").status_code == 503
    with db() as session:
        session.execute(update(Order).values(updated_at=Order.updated_at - timedelta(minutes=5)))
    assert recover(deps).abandoned == 1
    with db() as session:
        assert session.get(IdempotencyKey, (ada.id, "again")) is None

    assert ada.checkout(body, key="again").status_code == 503  # a fresh attempt, not a replay
    assert _orders(db) == 2


def test_expired_keys_are_swept_by_the_recovery_loop(buyer, fakes, db, deps):
    ada = buyer().add(fakes.stocked("10.00"))
    ada.checkout(key="old")
    with db() as session:
        session.execute(
            update(IdempotencyKey).values(created_at=IdempotencyKey.created_at - timedelta(days=2))
        )
    assert recover(deps).keys_forgotten == 1


def test_an_expired_key_may_be_used_again(buyer, fakes, db):
    lamp = fakes.stocked("10.00")
    ada = buyer().add(lamp)
    first = ada.checkout(key="reuse")
    with db() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.user_id == ada.id)
            .values(created_at=IdempotencyKey.created_at - timedelta(days=2))
        )
        session.execute(update(Order).values(created_at=Order.created_at - timedelta(days=2)))
    second = ada.checkout({"shipping_method": "express"}, key="reuse")
    assert second.status_code == 201
    assert second.json["order_id"] != first.json["order_id"]
    assert uuid.UUID(second.json["order_id"])
