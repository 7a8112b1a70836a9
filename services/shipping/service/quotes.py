"""Shipping prices: a rate per method and zone (base cost + cost per kg), read from the tables.

The public quote and the checkout's internal quote both call `quote`, so checkout charges
exactly what the customer was quoted.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from souk_kit.errors import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.shipping.clients import Products
from services.shipping.errors import UnknownMethodError, UnknownProductsError, UnknownZoneError
from services.shipping.models import ShippingMethod, ShippingRate, ShippingZone
from services.shipping.schemas import QuoteBody
from services.shipping.settings import ShippingSettings

CENT = Decimal("0.01")
GRAM = Decimal("0.001")


@dataclass(frozen=True)
class Quote:
    cost: Decimal
    currency: str
    method: str
    zone: str
    min_days: int
    max_days: int
    weight_kg: Decimal


def check_zone_and_method(session: Session, zone: str, method: str) -> None:
    """400 `unknown_zone` / `unknown_method` (naming the valid ones) unless both exist."""
    if session.get(ShippingZone, zone) is None:
        zones = session.scalars(select(ShippingZone.code).order_by(ShippingZone.position)).all()
        raise UnknownZoneError(details={"fields": {"zone": "unknown zone"}, "zones": list(zones)})
    if session.get(ShippingMethod, method) is None:
        methods = session.scalars(
            select(ShippingMethod.code).order_by(ShippingMethod.position)
        ).all()
        raise UnknownMethodError(
            details={"fields": {"method": "unknown method"}, "methods": list(methods)}
        )


def _total_weight(products: Products, body: QuoteBody, default_weight: Decimal) -> Decimal:
    if body.items is None:
        assert body.weight_kg is not None
        return body.weight_kg.quantize(GRAM)
    quantities: dict[uuid.UUID, int] = defaultdict(int)
    weights: dict[uuid.UUID, Decimal | None] = {}
    for item in body.items:
        quantities[item.product_id] += item.quantity
        if "weight_kg" in item.model_fields_set:  # the caller read it from the catalogue
            weights[item.product_id] = item.weight_kg
    unweighed = [product_id for product_id in quantities if product_id not in weights]
    if unweighed:
        weights.update(products.weights(unweighed))
    missing = sorted(str(pid) for pid in quantities if pid not in weights)
    if missing:
        raise UnknownProductsError(
            details={"fields": {"items": "unknown products"}, "product_ids": missing}
        )
    total = Decimal(0)
    for product_id, quantity in quantities.items():
        weight = weights[product_id]
        total += (default_weight if weight is None else weight) * quantity
    return total.quantize(GRAM, ROUND_HALF_UP)


def quote(
    session: Session, settings: ShippingSettings, products: Products, body: QuoteBody
) -> Quote:
    """The cost of sending these items (or this weight) by `method` to `zone` (both defaulted)."""
    if (body.items is None) == (body.weight_kg is None):
        problem = "send either items or weight_kg" if body.items is None else "not both"
        raise ValidationError(
            "Send either items or weight_kg",
            details={"fields": {"items": problem, "weight_kg": problem}},
        )
    # Weighed first, before this request's session takes a database connection, so no
    # connection is held while the products service answers.
    weight = _total_weight(products, body, settings.default_weight_kg)
    zone = (body.zone or settings.default_zone).lower()
    method = (body.method or settings.default_method).lower()
    row = session.execute(
        select(ShippingRate, ShippingMethod)
        .join(ShippingMethod, ShippingMethod.code == ShippingRate.method_code)
        .where(ShippingRate.method_code == method, ShippingRate.zone_code == zone)
    ).first()
    if row is None:  # an unknown zone or method, or a method not offered in the zone
        check_zone_and_method(session, zone, method)
        raise UnknownMethodError(
            f"The {method} method does not ship to the {zone} zone",
            details={"fields": {"method": "not offered in this zone"}},
        )
    rate, shipping_method = row
    cost = (rate.base_cost + rate.cost_per_kg * weight).quantize(CENT, ROUND_HALF_UP)
    return Quote(
        cost=cost,
        currency=settings.currency,
        method=method,
        zone=zone,
        min_days=shipping_method.min_days,
        max_days=shipping_method.max_days,
        weight_kg=weight,
    )


def list_methods(session: Session, settings: ShippingSettings) -> dict[str, object]:
    """Every method with its delivery time and its price in each zone, and every zone."""
    methods = session.scalars(
        select(ShippingMethod).order_by(ShippingMethod.position, ShippingMethod.code)
    ).all()
    zones = session.scalars(
        select(ShippingZone).order_by(ShippingZone.position, ShippingZone.code)
    ).all()
    zone_order = {zone.code: index for index, zone in enumerate(zones)}
    rates: dict[str, list[ShippingRate]] = defaultdict(list)
    for rate in session.scalars(select(ShippingRate)).all():
        rates[rate.method_code].append(rate)
    return {
        "methods": [
            {
                "code": method.code,
                "name": method.name,
                "estimated_days": method.max_days,
                "min_days": method.min_days,
                "max_days": method.max_days,
                "rates": [
                    {
                        "zone": rate.zone_code,
                        "base_cost": rate.base_cost.quantize(CENT),
                        "cost_per_kg": rate.cost_per_kg.quantize(CENT),
                    }
                    for rate in sorted(
                        rates[method.code], key=lambda r: zone_order.get(r.zone_code, 0)
                    )
                ],
            }
            for method in methods
        ],
        "zones": [{"code": zone.code, "name": zone.name} for zone in zones],
        "currency": settings.currency,
        "default_method": settings.default_method,
        "default_zone": settings.default_zone,
    }
