"""`/api/notifications`: the caller's inbox and their choice of what they are told."""

from typing import Any

from flask import Blueprint
from souk_kit.auth import current_identity, requires
from souk_kit.db import transaction
from souk_kit.pagination import paginate
from souk_kit.validation import validate

from services.activity.presenters import notification_out, preference_out
from services.activity.schemas import (
    MarkedOut,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    PreferenceBody,
    PreferenceOut,
    PreferencesOut,
)
from services.activity.service import notifications

inbox = Blueprint("notifications", __name__, url_prefix="/api/notifications")


@inbox.get("")
@requires()
@validate(query=NotificationQuery, responses={200: NotificationPage})
def list_notifications(query: NotificationQuery) -> Any:
    """The caller's notifications, newest first (`?unread=true`: only unread ones), with how
    many are unread."""
    user_id = current_identity().user_id
    with transaction() as session:
        page = paginate(
            session,
            notifications.inbox(user_id, query.unread),
            query,
            lambda n: notification_out(n).model_dump(mode="json"),
        )
        return {**page, "unread": notifications.unread_count(session, user_id)}


@inbox.post("/<notification_id>/read")
@requires()
@validate(responses={200: NotificationOut})
def mark_read(notification_id: str) -> Any:
    """Mark one notification read; another user's (or an unknown id) is 404."""
    with transaction() as session:
        return notification_out(
            notifications.mark_read(session, current_identity().user_id, notification_id)
        )


@inbox.post("/read-all")
@requires()
@validate(responses={200: MarkedOut})
def mark_all_read() -> Any:
    """Mark every unread notification of the caller read; answers how many were."""
    with transaction() as session:
        return MarkedOut(marked=notifications.mark_all_read(session, current_identity().user_id))


@inbox.get("/preferences")
@requires()
@validate(responses={200: PreferencesOut})
def list_preferences() -> Any:
    """Each kind the caller's role is told of, with its inbox and e-mail switches (on until
    turned off). Buyers: their orders' steps; sellers: new orders and low stock."""
    with transaction() as session:
        found = notifications.preferences(
            session, current_identity().user_id, current_identity().role
        )
    return PreferencesOut(items=[preference_out(p) for p in found])


@inbox.put("/preferences/<kind>")
@requires()
@validate(body=PreferenceBody, responses={200: PreferenceOut})
def choose(kind: str, body: PreferenceBody) -> Any:
    """Turn one kind's inbox and/or e-mail on or off; a kind the role is not told of is 404."""
    with transaction() as session:
        chosen = notifications.choose(
            session,
            current_identity().user_id,
            current_identity().role,
            kind,
            inbox=body.inbox,
            email=body.email,
        )
    return preference_out(chosen)
