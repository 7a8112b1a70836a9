import uuid

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UpdatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="cart")


class Cart(Base):
    """One row per user who has ever held a cart: the lock that serialises changes to it.

    Every write to a user's lines first locks this row (`SELECT ... FOR UPDATE`), so rules
    that look at the whole cart (at most `max_shops` shops) cannot be raced past.
    """

    __tablename__ = "carts"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CartItem(Base):
    """One product in a user's cart. `name` and `seller_id` are kept from when it was added, so
    a line whose product has since vanished from the catalogue can still be shown."""

    __tablename__ = "cart_items"

    id: Mapped[UuidPrimaryKey]
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("cart.carts.user_id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    quantity: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        # Also the index for "this user's lines" (its leading column).
        sa.UniqueConstraint("user_id", "product_id", name="uq_cart_items_user_product"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name="ck_cart_items_quantity"),
    )


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(ProcessedMessageMixin, Base):
    pass
