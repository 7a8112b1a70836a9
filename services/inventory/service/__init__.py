"""Inventory's use cases. Functions take a Session, flush but never commit, raise ApiErrors.

Ledger rules (`stock_movements`), for every product: the movements' `quantity` values sum to
`stock`. The opening stock is the first `restock` (0 → opening; none when it is 0).

| event | stock | reserved | ledger row |
|---|---|---|---|
| product created (`/items`) | = opening | 0 | `restock` +opening |
| seller/admin PUT, stock goes up | = new | | `restock` +diff |
| seller/admin PUT, stock goes down | = new | | `adjustment` -diff |
| reservation held | | +q | none: a hold changes no stock on hand |
| hold committed (sold) | -q | -q | `purchase` -q |
| hold released or expired | | -q | `release` quantity 0, `reserved_change` -q |
| committed reservation released | +q | | `return` +q |

Every change of available stock queues `POST /internal/products/stock-levels`
`{product_id, available, version}` through the outbox with a version that only grows (a commit
changes none: stock and reserved drop together).
"""

from services.inventory.service.common import utcnow
from services.inventory.service.reservations import (
    Reserved,
    commit_reservation,
    expire_reservations,
    release_reservation,
    reserve_stock,
)
from services.inventory.service.stock import (
    create_item,
    find_item,
    levels_by_ids,
    list_alerts,
    list_levels,
    list_movements,
    set_threshold,
    update_stock,
)

__all__ = [
    "Reserved",
    "commit_reservation",
    "create_item",
    "expire_reservations",
    "find_item",
    "levels_by_ids",
    "list_alerts",
    "list_levels",
    "list_movements",
    "release_reservation",
    "reserve_stock",
    "set_threshold",
    "update_stock",
    "utcnow",
]
