"""The storefront's content, written by staff and read by everyone: banners on the home page
and plain-text pages ("about", "returns"…) linked from every page."""

from souk_kit.auth import Identity
from souk_kit.db import rows_affected
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.validation import parse_uuid
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.products.models import Banner, ContentPage
from services.products.schemas import BannerCreateBody, BannerUpdateBody, PageWriteBody


def shown_banners(session: Session) -> list[Banner]:
    """Published banners whose window holds now, by position then age."""
    now = func.statement_timestamp()
    return list(
        session.scalars(
            select(Banner)
            .where(
                Banner.published,
                or_(Banner.starts_at.is_(None), Banner.starts_at <= now),
                or_(Banner.ends_at.is_(None), Banner.ends_at > now),
            )
            .order_by(Banner.position, Banner.created_at, Banner.id)
        )
    )


def every_banner(session: Session) -> list[Banner]:
    return list(session.scalars(select(Banner).order_by(Banner.position, Banner.created_at)))


def create_banner(session: Session, staff: Identity, body: BannerCreateBody) -> Banner:
    banner = Banner(**body.model_dump(), created_by=staff.user_id)
    session.add(banner)
    session.flush()
    return banner


def find_banner(session: Session, banner_id: str, *, lock: bool = False) -> Banner:
    statement = select(Banner).where(
        Banner.id == parse_uuid(banner_id, NotFoundError("No such banner"))
    )
    banner = session.scalar(statement.with_for_update() if lock else statement)
    if banner is None:
        raise NotFoundError("No such banner")
    return banner


def update_banner(session: Session, banner_id: str, body: BannerUpdateBody) -> Banner:
    banner = find_banner(session, banner_id, lock=True)
    for name, value in body.changes().items():
        setattr(banner, name, value)
    if banner.starts_at and banner.ends_at and banner.ends_at <= banner.starts_at:
        raise ValidationError(
            "A banner must end after it starts", details={"fields": {"ends_at": "must be later"}}
        )
    session.flush()
    return banner


def delete_banner(session: Session, banner_id: str) -> None:
    session.delete(find_banner(session, banner_id, lock=True))
    session.flush()


def published_pages(session: Session) -> list[ContentPage]:
    return list(
        session.scalars(
            select(ContentPage)
            .where(ContentPage.published)
            .order_by(ContentPage.position, ContentPage.title)
        )
    )


def every_page(session: Session) -> list[ContentPage]:
    return list(
        session.scalars(select(ContentPage).order_by(ContentPage.position, ContentPage.slug))
    )


def find_page(session: Session, slug: str, *, drafts: bool = False) -> ContentPage:
    page = session.get(ContentPage, slug)
    if page is None or not (page.published or drafts):
        raise NotFoundError("No such page")
    return page


def write_page(session: Session, slug: str, body: PageWriteBody) -> tuple[ContentPage, bool]:
    """Create or replace the page; True when it is new."""
    fields = body.model_dump()
    created = rows_affected(
        session,
        insert(ContentPage)
        .values(slug=slug, **fields)
        .on_conflict_do_nothing(index_elements=[ContentPage.slug]),
    )
    page = session.get(ContentPage, slug, with_for_update=True, populate_existing=True)
    assert page is not None  # inserted now or by whoever got there first
    if not created:  # two writers at once: one creates it, the other then replaces it
        for name, value in fields.items():
            setattr(page, name, value)
        session.flush()
    return page, bool(created)


def delete_page(session: Session, slug: str) -> None:
    session.delete(find_page(session, slug, drafts=True))
    session.flush()
