from souk_kit.migrations import run_migrations

from services.orders.models import Base

run_migrations(Base.metadata)
