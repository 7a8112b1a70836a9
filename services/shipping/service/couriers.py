"""The staff's view of the delivery crew: how many deliveries each courier has under way and done."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.shipping.models import Shipment
from services.shipping.schemas import CourierQuery


def courier_board(session: Session, query: CourierQuery) -> dict[str, Any]:
    """A page of couriers that have carried shipments, busiest first, with their counts.

    Couriers come from the shipments table: the auth service's internal API answers only
    for given ids, so a courier who never picked anything up is not listed yet.
    """
    active = func.count().filter(Shipment.status.in_(("picked_up", "out_for_delivery")))
    completed = func.count().filter(Shipment.status == "delivered")
    grouped = (
        select(
            Shipment.courier_id,
            active.label("active_deliveries"),
            completed.label("completed_deliveries"),
        )
        .where(Shipment.courier_id.is_not(None))
        .group_by(Shipment.courier_id)
    )
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    rows = session.execute(
        grouped.order_by(active.desc(), completed.desc(), Shipment.courier_id)
        .limit(query.per_page)
        .offset(query.offset)
    ).all()
    return {
        "rows": [
            {
                "courier_id": row.courier_id,
                "active_deliveries": int(row.active_deliveries),
                "completed_deliveries": int(row.completed_deliveries),
            }
            for row in rows
        ],
        "total": total,
    }
