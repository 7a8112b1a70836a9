"""A scratch schema of the kit's tests: an outbox, its receiver's ledger, and a plain table."""

import uuid

from sqlalchemy import MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin

SCHEMA = "kit_test"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA)


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(ProcessedMessageMixin, Base):
    pass


class Thing(Base):
    __tablename__ = "things"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
