"""The process's catalogue copies: kept only while listening, dropped on a change, never kept
from a read that overlapped one, and never past max_age or the next offer change."""

from typing import Any, cast

import pytest
from sqlalchemy.pool import PoolProxiedConnection

from services.products.service.catalogue import cache
from services.products.service.catalogue.rows import CatalogueRow

READER = cast(PoolProxiedConnection, None)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class NextOfferChange:
    def __init__(self) -> None:
        self.seconds: float | None = None
        self.reads = 0

    def rows(self, _reader: Any, _params: Any) -> list[tuple[float | None]]:
        self.reads += 1
        return [(self.seconds,)]


@pytest.fixture
def offers(monkeypatch: pytest.MonkeyPatch) -> NextOfferChange:
    fake = NextOfferChange()
    monkeypatch.setattr(cache, "NEXT_OFFER_CHANGE", fake)
    return fake


def a_row(product_id: str = "p1") -> CatalogueRow:
    values: dict[str, Any] = dict.fromkeys(CatalogueRow._fields)
    return CatalogueRow(**{**values, "id": product_id, "seller_id": "s1"})


def listening_cache(clock: Clock, max_age: float = 30.0) -> cache.CatalogueCache:
    copies = cache.CatalogueCache(max_age, clock=clock)
    copies.listening()
    return copies


def kept(copies: cache.CatalogueCache, row: CatalogueRow) -> None:
    generation = copies.generation()
    assert generation is not None
    copies.keep_row(generation, READER, row)


def test_nothing_is_kept_or_served_until_the_listener_listens(offers: NextOfferChange) -> None:
    copies = cache.CatalogueCache(30.0, clock=Clock())
    assert copies.generation() is None
    copies.keep_row(0, READER, a_row())
    copies.listening()
    assert copies.row("p1") is None


def test_a_kept_row_is_served_until_its_product_changes(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock())
    row = a_row()
    kept(copies, row)
    kept(copies, a_row("p2"))
    assert copies.row("p1") is row
    copies.changed("p1")
    assert copies.row("p1") is None
    assert copies.row("p2") is not None
    copies.changed("")  # a TRUNCATE
    assert copies.row("p2") is None


def test_a_read_that_overlapped_a_change_keeps_nothing(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock())
    generation = copies.generation()
    assert generation is not None
    copies.changed("p9")
    copies.keep_row(generation, READER, a_row())
    copies.keep_page(generation, READER, "page", ([a_row()], 1))
    assert copies.row("p1") is None
    assert copies.page("page") is None


def test_every_page_goes_with_any_change(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock())
    generation = copies.generation()
    assert generation is not None
    copies.keep_page(generation, READER, "page", ([a_row()], 1))
    assert copies.page("page") == ([a_row()], 1)
    copies.changed("p7")
    assert copies.page("page") is None


def test_losing_the_listener_drops_everything_and_stops_serving(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock())
    kept(copies, a_row())
    copies.lost()
    assert copies.row("p1") is None
    assert copies.generation() is None


def test_copies_expire_at_max_age_or_the_next_offer_change(offers: NextOfferChange) -> None:
    clock = Clock()
    copies = listening_cache(clock, max_age=30.0)
    kept(copies, a_row())
    clock.now += 29.9
    assert copies.row("p1") is not None
    clock.now += 0.2
    assert copies.row("p1") is None

    offers.seconds = 5.0  # an offer starts or ends in 5 s
    copies.changed("p1")
    kept(copies, a_row())
    clock.now += 4.9
    assert copies.row("p1") is not None
    clock.now += 0.2
    assert copies.row("p1") is None


def test_the_next_offer_change_is_read_once_per_generation(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock())
    kept(copies, a_row("p1"))
    kept(copies, a_row("p2"))
    assert offers.reads == 1
    copies.changed("p3")
    kept(copies, a_row("p1"))
    assert offers.reads == 2


def test_a_cache_of_max_age_zero_keeps_nothing(offers: NextOfferChange) -> None:
    copies = listening_cache(Clock(), max_age=0)
    assert copies.generation() is None
