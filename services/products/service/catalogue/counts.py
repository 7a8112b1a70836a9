"""How many products are listed: per category from `listed_changes` (kept by triggers, see
models.ListedChange), so a catalogue page's total needs no counting."""

from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, cast, func, literal_column, select, text
from sqlalchemy.orm import Session

from services.products.models import ListedChange, Product
from services.products.schemas import CategoryQuery
from services.products.service.catalogue.rows import listed

changes = ListedChange.__table__

# Folding deletes every committed row and writes each category's sum back as one row (none for
# a sum of zero). Rows other transactions have not committed yet are not seen, so not touched;
# a second fold running at once finds the rows it wanted gone and writes nothing for them.
_CROWDED = text(
    "SELECT EXISTS (SELECT FROM products.listed_changes"
    " GROUP BY category HAVING count(*) > 1 OR sum(listed) = 0)"
)
_FOLD = text(
    "WITH gone AS (DELETE FROM products.listed_changes RETURNING category, listed)"
    " INSERT INTO products.listed_changes (category, listed)"
    " SELECT category, sum(listed) FROM gone GROUP BY category HAVING sum(listed) <> 0"
)


def listed_total(category: bool) -> Select[Any]:
    """The number of listed products, in one category (`bindparam("category")`) or in all."""
    total = select(
        cast(func.coalesce(func.sum(changes.c.listed), literal_column("0")), BigInteger).label(
            "total"
        )
    )
    if category:
        total = total.where(changes.c.category == bindparam("category"))
    return total


def fold_listed_changes(session: Session) -> bool:
    """Fold each category's rows into one; True when there was anything to fold."""
    if not session.scalar(_CROWDED):
        return False
    session.execute(_FOLD)
    return True


def categories(session: Session, query: CategoryQuery) -> tuple[list[tuple[str, int]], int]:
    """Categories of listed products with how many products each holds, biggest first."""
    counted = (
        select(Product.category.label("name"), func.count().label("product_count"))
        .where(listed(), Product.category.is_not(None))
        .group_by(Product.category)
    )
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    rows = session.execute(
        counted.order_by(func.count().desc(), Product.category)
        .limit(query.per_page)
        .offset(query.offset)
    ).all()
    return [(row.name, row.product_count) for row in rows], total
