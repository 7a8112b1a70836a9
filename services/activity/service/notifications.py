"""Notifications: the live updates a user would want told of, kept in their inbox and e-mailed.

They are made from the live events as those are stored (the same transaction), so a
redelivered outbox message makes no second notification and nothing polls another
service's tables. Souk takes payment at checkout, so "placed" and "paid" are one message,
sent when the order is paid; a declined payment is answered at checkout and sends none.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from souk_kit.db import rows_affected, table_of
from souk_kit.errors import NotFoundError
from souk_kit.validation import maybe_uuid, parse_uuid
from sqlalchemy import Select, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.activity.models import Notification, NotificationPreference, OutgoingEmail
from services.activity.schemas import LiveEventMessage

# Kind → what the settings page calls it, for each role that receives it.
BUYER_KINDS = {
    "order_placed": "Order placed and paid",
    "order_picked_up": "Order picked up by the courier",
    "order_out_for_delivery": "Order out for delivery",
    "order_delivered": "Order delivered",
    "order_cancelled": "Order cancelled and refunded",
}
SELLER_KINDS = {
    "new_order": "New order for your shop",
    "low_stock": "A product's stock is low",
}
KINDS_BY_ROLE: dict[str, dict[str, str]] = {"customer": BUYER_KINDS, "seller": SELLER_KINDS}
_STATUS_KINDS = {
    "paid": "order_placed",
    "picked_up": "order_picked_up",
    "out_for_delivery": "order_out_for_delivery",
    "delivered": "order_delivered",
    "cancelled": "order_cancelled",
}


@dataclass(frozen=True)
class Draft:
    user_id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str
    data: dict[str, Any]


def order_ref(order_id: str) -> str:
    return f"Order {order_id[:8]}"


def _money(data: Mapping[str, Any]) -> str:
    total, currency = data.get("total"), data.get("currency")
    return f" ({total} {currency})" if total and currency else ""


def _order_draft(user_id: uuid.UUID, data: Mapping[str, Any]) -> Draft | None:
    kind = _STATUS_KINDS.get(str(data.get("status")))
    order_id = str(data.get("order_id", ""))
    if kind is None or not order_id:
        return None
    ref, money = order_ref(order_id), _money(data)
    title, body = {
        "order_placed": (
            f"{ref} is placed",
            f"Thank you: we have your payment{money} and your sellers are preparing the parcel.",
        ),
        "order_picked_up": (
            f"{ref} is on its way",
            "A courier has picked up your parcel.",
        ),
        "order_out_for_delivery": (
            f"{ref} is out for delivery",
            "Your parcel is out for delivery and arrives today.",
        ),
        "order_delivered": (f"{ref} is delivered", "Your parcel has been delivered. Enjoy!"),
        "order_cancelled": (
            f"{ref} is cancelled",
            f"Your order is cancelled. Whatever you paid{money} is refunded to your card.",
        ),
    }[kind]
    return Draft(user_id, kind, title, body, f"/orders/{order_id}", dict(data))


def _new_order_draft(user_id: uuid.UUID, data: Mapping[str, Any]) -> Draft:
    order_id = str(data.get("order_id", ""))
    lines = data.get("lines")
    sold = ", ".join(
        f"{line.get('quantity')} × {line.get('name')}"
        for line in (lines if isinstance(lines, list) else [])
        if isinstance(line, dict)
    )
    return Draft(
        user_id,
        "new_order",
        f"New order: {order_ref(order_id)}",
        f"To send: {sold}." if sold else "A buyer has paid for an order from your shop.",
        "/seller/orders",
        dict(data),
    )


def _low_stock_draft(
    user_id: uuid.UUID, data: Mapping[str, Any], names: Mapping[uuid.UUID, str]
) -> Draft:
    product_id = maybe_uuid(data.get("product_id"))
    name = names.get(product_id) if product_id else None
    what = name or "One of your products"
    return Draft(
        user_id,
        "low_stock",
        f"Low stock: {name}" if name else "Low stock",
        f"{what} is down to {data.get('available')} available "
        f"(your alert level is {data.get('threshold')}).",
        "/seller/stock",
        dict(data),
    )


def draft_for(event: LiveEventMessage, names: Mapping[uuid.UUID, str]) -> Draft | None:
    """The notification a live event makes, if any (`names`: product names, for low stock)."""
    if event.user_id is None:
        return None  # a product page's update: no one to tell
    if event.kind == "order.status":
        return _order_draft(event.user_id, event.data)
    if event.kind == "order.new":
        return _new_order_draft(event.user_id, event.data)
    if event.kind == "stock.low":
        return _low_stock_draft(event.user_id, event.data, names)
    return None


def low_stock_products(events: Sequence[LiveEventMessage]) -> list[uuid.UUID]:
    """The products whose names the low-stock notifications among `events` need."""
    found = (
        maybe_uuid(event.data.get("product_id")) for event in events if event.kind == "stock.low"
    )
    return [product_id for product_id in found if product_id]


def _choices(
    session: Session, drafts: Sequence[Draft]
) -> dict[tuple[uuid.UUID, str], tuple[bool, bool]]:
    keys = {(d.user_id, d.kind) for d in drafts}
    rows = session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.kind,
            NotificationPreference.inbox,
            NotificationPreference.email,
        ).where(tuple_(NotificationPreference.user_id, NotificationPreference.kind).in_(keys))
    )
    return {(user_id, kind): (inbox, email) for user_id, kind, inbox, email in rows}


# Run with many parameter sets: compiled once, not once per batch size.
_NEW_NOTIFICATIONS = insert(table_of(Notification)).on_conflict_do_nothing(
    index_elements=["source_id"]
)
_NEW_EMAILS = (
    insert(table_of(OutgoingEmail))
    .on_conflict_do_nothing(index_elements=["source_id"])
    .returning(OutgoingEmail.id)
)


def create(
    session: Session,
    events: Sequence[tuple[uuid.UUID, LiveEventMessage]],
    names: Mapping[uuid.UUID, str],
    *,
    email_on: bool,
    public_url: str,
) -> int:
    """Write the notifications (and e-mails, when `email_on`) that newly stored live events
    make, as each user chose; returns how many e-mails were queued."""
    drafted = [(source, event.at, d) for source, event in events if (d := draft_for(event, names))]
    if not drafted:
        return 0
    choices = _choices(session, [d for _, _, d in drafted])
    inbox_rows, email_rows = [], []
    now = datetime.now(UTC)
    for source_id, at, draft in drafted:
        inbox, email = choices.get((draft.user_id, draft.kind), (True, True))
        if inbox:
            inbox_rows.append(
                {
                    "id": uuid.uuid4(),
                    "source_id": source_id,
                    "user_id": draft.user_id,
                    "kind": draft.kind,
                    "title": draft.title,
                    "body": draft.body,
                    "link": draft.link,
                    "data": draft.data,
                    "created_at": at,
                }
            )
        if email and email_on:
            email_rows.append(
                {
                    "source_id": source_id,
                    "user_id": draft.user_id,
                    "kind": draft.kind,
                    "subject": draft.title,
                    "body": f"{draft.body}\n\n{public_url.rstrip('/')}{draft.link}\n",
                    "created_at": now,
                    "next_attempt_at": now,
                }
            )
    if inbox_rows:
        session.execute(_NEW_NOTIFICATIONS, inbox_rows)
    if not email_rows:
        return 0
    return len(session.execute(_NEW_EMAILS, email_rows).all())


def inbox(user_id: uuid.UUID, unread_only: bool) -> Select[Notification]:
    """The user's notifications (or only the unread ones), newest first."""
    mine = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        mine = mine.where(Notification.read_at.is_(None))
    return mine.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    unread = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return session.scalar(unread) or 0


def mark_read(session: Session, user_id: uuid.UUID, raw_id: str) -> Notification:
    """Mark one of the user's notifications read (again: it keeps its first read time)."""
    notification_id = parse_uuid(raw_id, NotFoundError("No such notification"))
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None or notification.user_id != user_id:
        raise NotFoundError("No such notification")
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)
    return notification


def mark_all_read(session: Session, user_id: uuid.UUID) -> int:
    return rows_affected(
        session,
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC)),
    )


@dataclass(frozen=True)
class Preference:
    kind: str
    label: str
    inbox: bool
    email: bool


def preferences(session: Session, user_id: uuid.UUID, role: str) -> list[Preference]:
    """The user's choice for every kind their role receives (on unless turned off)."""
    kinds = KINDS_BY_ROLE.get(role, {})
    chosen = {
        row.kind: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    return [
        Preference(
            kind,
            label,
            chosen[kind].inbox if kind in chosen else True,
            chosen[kind].email if kind in chosen else True,
        )
        for kind, label in kinds.items()
    ]


def choose(
    session: Session,
    user_id: uuid.UUID,
    role: str,
    kind: str,
    *,
    inbox: bool | None,
    email: bool | None,
) -> Preference:
    """Turn one kind's inbox and/or e-mail on or off for the user."""
    kinds = KINDS_BY_ROLE.get(role, {})
    if kind not in kinds:
        raise NotFoundError(f"No notification kind {kind!r} for a {role}")
    # One upsert of only the switches sent, so two choices made at once both hold.
    given = {k: v for k, v in (("inbox", inbox), ("email", email)) if v is not None}
    row = session.execute(
        insert(NotificationPreference)
        .values(user_id=user_id, kind=kind, **{"inbox": True, "email": True, **given})
        .on_conflict_do_update(index_elements=["user_id", "kind"], set_=given)
        .returning(NotificationPreference.inbox, NotificationPreference.email)
    ).one()
    chosen = Preference(kind, kinds[kind], row.inbox, row.email)
    return chosen
