"""`?page=&per_page=` → `{"items", "page", "per_page", "total"}` for every collection."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PER_PAGE = 100


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_of(items: Sequence[Any], query: PageQuery, total: int, **extra: Any) -> dict[str, Any]:
    return {
        "items": list(items),
        "page": query.page,
        "per_page": query.per_page,
        "total": total,
        **extra,
    }


def paginate(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    query: PageQuery,
    serialize: Callable[[Any], Any],
    *,
    scalars: bool = True,
) -> dict[str, Any]:
    """Run `statement` for one page and count all its rows (ordering is the caller's)."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page = statement.limit(query.per_page).offset(query.offset)
    rows = session.scalars(page).all() if scalars else session.execute(page).all()
    return page_of([serialize(row) for row in rows], query, total or 0)
