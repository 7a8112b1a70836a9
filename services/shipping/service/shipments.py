"""Shipments: created by the checkout saga, moved along by couriers, followed by the order.

Every move is one conditional UPDATE (the row's current status and courier are part of its
WHERE clause), so two couriers racing for a parcel, or a courier racing a cancellation,
can never both win. Each move writes a `shipment_events` row and, in the same transaction,
an outbox message for the orders service and (for pick-up and delivery) an activity event.
"""

import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from souk_kit.auth import Identity
from souk_kit.db import table_of
from souk_kit.errors import NotFoundError
from souk_kit.outbox import record_event, send_later
from souk_kit.pagination import paginate
from souk_kit.validation import parse_uuid
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.shipping.errors import (
    AlreadyPickedUpError,
    IllegalTransitionError,
    NotYourShipmentError,
)
from services.shipping.models import OutboxMessage, Shipment, ShipmentEvent
from services.shipping.schemas import ShipmentCreateBody, ShipmentQuery
from services.shipping.service.quotes import check_zone_and_method
from services.shipping.settings import ShippingSettings

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TRACKING_NUMBER = re.compile(r"^SK[A-Z2-7]{12}$")

# The status a shipment must be in before each step, and the note public tracking shows.
PREVIOUS = {
    "picked_up": "pending",
    "out_for_delivery": "picked_up",
    "delivered": "out_for_delivery",
}
NOTES = {
    "pending": "Shipment created; waiting for a courier",
    "picked_up": "Picked up by a courier",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
ACTIVITY_EVENTS = {"picked_up": "shipment_picked_up", "delivered": "shipment_delivered"}


def now() -> datetime:
    return datetime.now(UTC)


def new_tracking_number() -> str:
    """`SK` + 12 random base32 characters (60 bits): not guessable, easy to read out."""
    return "SK" + "".join(secrets.choice(BASE32) for _ in range(12))


def _add_event(
    session: Session, shipment: Shipment, status: str, at: datetime, courier_id: uuid.UUID | None
) -> None:
    session.add(
        ShipmentEvent(
            shipment_id=shipment.id, status=status, note=NOTES[status], courier_id=courier_id, at=at
        )
    )


# Built once, on the table (not the ORM's bulk insert path); a repeat for the order inserts nothing.
shipments = table_of(Shipment)
_NEW_SHIPMENT = (
    insert(shipments)
    .on_conflict_do_nothing(index_elements=[shipments.c.order_id])
    .returning(shipments.c.id)
)


def create_shipment(
    session: Session, settings: ShippingSettings, body: ShipmentCreateBody
) -> tuple[Shipment, bool]:
    """The order's shipment, created `pending` unless the order already has one; True if new."""
    zone = (body.zone or settings.default_zone).lower()
    method = (body.method or settings.default_method).lower()
    check_zone_and_method(session, zone, method)
    new_id = session.scalar(
        _NEW_SHIPMENT,
        {
            "id": uuid.uuid4(),
            "order_id": body.order_id,
            "user_id": body.user_id,
            "tracking_number": new_tracking_number(),
            "status": "pending",
            "zone": zone,
            "method": method,
            "address": body.address,
            "lines": [line.model_dump(mode="json") for line in body.lines],
            "created_at": now(),
        },
    )
    if new_id is None:
        existing = session.scalars(select(Shipment).where(Shipment.order_id == body.order_id)).one()
        return existing, False
    shipment = session.get_one(Shipment, new_id)
    _add_event(session, shipment, "pending", now(), None)
    session.flush()
    return shipment, True


def _step_taken(session: Session, shipment: Shipment, status: str, courier_id: uuid.UUID) -> None:
    at = now()
    _add_event(session, shipment, status, at, courier_id)
    send_later(
        session,
        OutboxMessage,
        "orders",
        "/shipment-updates",
        {
            "order_id": str(shipment.order_id),
            "status": status,
            "at": at.isoformat().replace("+00:00", "Z"),
            "shipment_id": str(shipment.id),
            "courier_id": str(courier_id),
        },
    )
    if status in ACTIVITY_EVENTS:
        record_event(
            session,
            OutboxMessage,
            ACTIVITY_EVENTS[status],
            user_id=str(courier_id),
            metadata={
                "shipment_id": str(shipment.id),
                "order_id": str(shipment.order_id),
                "zone": shipment.zone,
            },
        )
    session.flush()


def pick_up_shipment(session: Session, shipment_id: str, courier_id: uuid.UUID) -> Shipment:
    """Assign a pending shipment to the courier; of racing couriers exactly one wins."""
    key = parse_uuid(shipment_id, NotFoundError("No such shipment"))
    shipment = session.scalars(
        update(Shipment)
        .where(Shipment.id == key, Shipment.status == "pending", Shipment.courier_id.is_(None))
        .values(status="picked_up", courier_id=courier_id, updated_at=now())
        .returning(Shipment),
        execution_options={"populate_existing": True},
    ).first()
    if shipment is None:
        current = session.get(Shipment, key)
        if current is None:
            raise NotFoundError("No such shipment")
        if current.status == "cancelled":
            raise IllegalTransitionError(
                "This shipment was cancelled", details={"status": current.status}
            )
        raise AlreadyPickedUpError(details={"status": current.status})
    _step_taken(session, shipment, "picked_up", courier_id)
    return shipment


def advance_shipment(
    session: Session, shipment_id: str, courier_id: uuid.UUID, status: str
) -> Shipment:
    """Move the courier's own shipment one step on (`out_for_delivery`, then `delivered`)."""
    key = parse_uuid(shipment_id, NotFoundError("No such shipment"))
    shipment = session.scalars(
        update(Shipment)
        .where(
            Shipment.id == key,
            Shipment.status == PREVIOUS[status],
            Shipment.courier_id == courier_id,
        )
        .values(status=status, updated_at=now())
        .returning(Shipment),
        execution_options={"populate_existing": True},
    ).first()
    if shipment is None:
        current = session.get(Shipment, key)
        if current is None:
            raise NotFoundError("No such shipment")
        if current.courier_id is not None and current.courier_id != courier_id:
            raise NotYourShipmentError()
        raise IllegalTransitionError(
            f"A shipment that is {current.status} cannot become {status}",
            details={"status": current.status, "requested": status},
        )
    _step_taken(session, shipment, status, courier_id)
    return shipment


def cancel_shipment_of_order(session: Session, order_id: str) -> Shipment:
    """Cancel the order's shipment while no courier has it; a repeat answers the same."""
    key = parse_uuid(order_id, NotFoundError("No such order"))
    shipment = session.scalars(
        update(Shipment)
        .where(Shipment.order_id == key, Shipment.status == "pending")
        .values(status="cancelled", updated_at=now())
        .returning(Shipment),
        execution_options={"populate_existing": True},
    ).first()
    if shipment is not None:
        _add_event(session, shipment, "cancelled", now(), None)
        session.flush()
        return shipment
    current = session.scalars(select(Shipment).where(Shipment.order_id == key)).first()
    if current is None:
        raise NotFoundError("No shipment for this order")
    if current.status != "cancelled":
        raise AlreadyPickedUpError(details={"status": current.status})
    return current


def shipment_of_order(session: Session, order_id: str) -> Shipment:
    key = parse_uuid(order_id, NotFoundError("No such order"))
    shipment = session.scalars(select(Shipment).where(Shipment.order_id == key)).first()
    if shipment is None:
        raise NotFoundError("No shipment for this order")
    return shipment


def events_of(session: Session, shipment_id: uuid.UUID) -> list[ShipmentEvent]:
    return list(
        session.scalars(
            select(ShipmentEvent)
            .where(ShipmentEvent.shipment_id == shipment_id)
            .order_by(ShipmentEvent.at, ShipmentEvent.id)
        ).all()
    )


def _in_pool(shipment: Shipment) -> bool:
    return shipment.status == "pending" and shipment.courier_id is None


def visible_shipment(session: Session, identity: Identity, shipment_id: str) -> Shipment:
    """The shipment if the caller may see it: staff, the buyer, its courier, or any courier
    while it waits in the pool; everybody else gets 404."""
    key = parse_uuid(shipment_id, NotFoundError("No such shipment"))
    shipment = session.get(Shipment, key)
    if shipment is None:
        raise NotFoundError("No such shipment")
    caller = identity.user_id
    if identity.role == "admin" or shipment.user_id == caller:
        return shipment
    if identity.role == "courier" and (shipment.courier_id == caller or _in_pool(shipment)):
        return shipment
    raise NotFoundError("No such shipment")


def may_see_address(identity: Identity, shipment: Shipment) -> bool:
    caller = identity.user_id
    return identity.role == "admin" or caller in (shipment.user_id, shipment.courier_id)


def list_shipments(
    session: Session,
    identity: Identity,
    query: ShipmentQuery,
    courier_zone: str | None,
    serialize: Any,
) -> dict[str, Any]:
    """A page of the shipments the caller may see, newest first.

    A courier sees the pending pool of `query.zone`, else of their own zone (of every zone
    when auth records none), plus the shipments they carry; a customer sees the shipments
    of their own orders; staff see everything.
    """
    statement = select(Shipment).order_by(Shipment.created_at.desc(), Shipment.id.desc())
    caller = identity.user_id
    if identity.role == "courier":
        pool = and_(Shipment.status == "pending", Shipment.courier_id.is_(None))
        zone = query.zone.lower() if query.zone else courier_zone
        if zone is not None:
            pool = and_(pool, Shipment.zone == zone)
        statement = statement.where(or_(pool, Shipment.courier_id == caller))
    elif identity.role != "admin":
        statement = statement.where(Shipment.user_id == caller)
    if query.order_id is not None:
        statement = statement.where(Shipment.order_id == query.order_id)
    if query.status is not None:
        statement = statement.where(Shipment.status == query.status)
    if query.zone is not None:
        statement = statement.where(Shipment.zone == query.zone.lower())
    return paginate(session, statement, query, serialize)


def track(session: Session, tracking_number: str) -> Shipment:
    number = tracking_number.strip().upper()
    if not TRACKING_NUMBER.match(number):
        raise NotFoundError("No shipment with this tracking number")
    shipment = session.scalars(select(Shipment).where(Shipment.tracking_number == number)).first()
    if shipment is None:
        raise NotFoundError("No shipment with this tracking number")
    return shipment
