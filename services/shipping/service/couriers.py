"""The staff's view of the delivery crew: how many deliveries each courier has under way and done."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shipping.models import Shipment


def delivery_counts(session: Session) -> dict[uuid.UUID, tuple[int, int]]:
    """Active and completed deliveries of every courier who has carried a shipment."""
    active = func.count().filter(Shipment.status.in_(("picked_up", "out_for_delivery")))
    completed = func.count().filter(Shipment.status == "delivered")
    rows = session.execute(
        select(Shipment.courier_id, active, completed)
        .where(Shipment.courier_id.is_not(None))
        .group_by(Shipment.courier_id)
    ).all()
    return {courier_id: (int(active), int(done)) for courier_id, active, done in rows if courier_id}
