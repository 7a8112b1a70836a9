from typing import Any

from flask import Blueprint, current_app, request
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, maybe_identity, optional_auth, requires
from souk_kit.db import reading, transaction
from souk_kit.errors import PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError
from souk_kit.http import internal_blueprint
from souk_kit.outbox import receive
from souk_kit.pagination import PageQuery, page_of
from souk_kit.validation import MessageOut, parse_model, validate
from sqlalchemy.orm import Session

from services.products.models import ProcessedMessage, Product
from services.products.presenters import (
    banner_out,
    batch_product_out,
    offer_out,
    page_out,
    product_out,
)
from services.products.schemas import (
    BannerCreateBody,
    BannerListOut,
    BannerSavedOut,
    BannerUpdateBody,
    BatchQuery,
    CatalogueQuery,
    CategoryPage,
    CategoryQuery,
    DisabledProductPage,
    ImageOut,
    ModerationBody,
    OfferCreateBody,
    OfferListOut,
    OfferSavedOut,
    PageLinksOut,
    PageListOut,
    PageOut,
    PageSavedOut,
    PageSlugIn,
    PageWriteBody,
    ProductCreateBody,
    ProductOut,
    ProductPage,
    ProductSavedOut,
    ProductUpdateBody,
    RatingMessage,
    SaleMessage,
    StockLevelMessage,
)
from services.products.service import catalogue, content, images, offers, products, read_model
from services.products.settings import ProductsSettings

public = Blueprint("products", __name__, url_prefix="/api/products")
internal = internal_blueprint("products")


def currency() -> str:
    return settings_of(current_app, ProductsSettings).currency


def saved(session: Session, product: Product, message: str) -> ProductSavedOut:
    row = catalogue.product_row(session, product.id)
    return ProductSavedOut(message=message, **product_out(row, currency()))


@public.before_request
def refuse_big_bodies() -> None:
    """Only image uploads need the large body limit; any other body over `max_json_bytes` is
    refused before it is read, as in the other services."""
    if request.endpoint == "products.upload_image":
        return
    limit = settings_of(current_app, ProductsSettings).max_json_bytes
    if (request.content_length or 0) > limit:
        raise PayloadTooLargeError(f"The request body may be at most {limit} bytes")


@public.get("")
@optional_auth
@validate(query=CatalogueQuery, responses={200: ProductPage})
def list_products(query: CatalogueQuery) -> Any:
    """The catalogue: text search `q` (ranked), filters and sorts; price filters and sorts use
    the list price. Disabled and deleted products are never listed."""
    rows, total = catalogue.catalogue_page(query, maybe_identity())
    shown_in = currency()
    return page_of([product_out(row, shown_in) for row in rows], query, total)


@public.get("/categories")
@validate(query=CategoryQuery, responses={200: CategoryPage})
def list_categories(query: CategoryQuery) -> Any:
    """Categories of listed products with their product counts, biggest first."""
    with transaction() as session:
        rows, total = catalogue.categories(session, query)
    return page_of([{"name": name, "count": count} for name, count in rows], query, total)


@public.get("/mine")
@public.get("/my-products")
@requires("seller")
@validate(query=PageQuery, responses={200: ProductPage})
def my_products(query: PageQuery) -> Any:
    """The caller's products, disabled ones included, newest first.

    `/my-products` is the older platforms' path for it, kept for their clients."""
    with reading() as reader:
        rows, total = catalogue.seller_products(reader, current_identity().user_id, query)
    shown_in = currency()
    return page_of([product_out(row, shown_in) for row in rows], query, total)


@public.get("/<product_id>")
@optional_auth
@validate(responses={200: ProductOut})
def get_product(product_id: str) -> Any:
    """A product; a disabled one only for its seller and admins."""
    row = catalogue.visible_product(product_id, maybe_identity())
    return product_out(row, currency())


@public.post("")
@requires("seller", "admin")
@validate(body=ProductCreateBody, responses={201: ProductSavedOut})
def create_product(body: ProductCreateBody) -> Any:
    """Add a product of the caller's; `stock` becomes its opening stock in inventory."""
    with transaction() as session:
        product = products.create_product(
            session, current_identity(), body, settings_of(current_app, ProductsSettings)
        )
        shown = product_out(catalogue.new_product_row(product), currency())
        return ProductSavedOut(message="Product added", **shown), 201


@public.put("/<product_id>")
@public.patch("/<product_id>")
@requires("seller", "admin")
@validate(body=ProductUpdateBody, responses={200: ProductSavedOut})
def update_product(product_id: str, body: ProductUpdateBody) -> Any:
    """Change the fields sent (PUT and PATCH alike); a `stock` field is ignored: stock belongs
    to inventory (PUT /api/inventory/{product_id})."""
    with transaction() as session:
        product = products.update_product(session, current_identity(), product_id, body)
        return saved(session, product, "Product updated")


@public.delete("/<product_id>")
@requires("seller", "admin")
@validate(responses={200: MessageOut})
def delete_product(product_id: str) -> Any:
    """Remove a product from the catalogue; orders that hold it keep its name and price."""
    with transaction() as session:
        products.delete_product(session, current_identity(), product_id)
    return MessageOut(message="Product deleted")


@public.post("/<product_id>/images")
@requires("seller", "admin")
@validate(responses={201: ImageOut})
def upload_image(product_id: str) -> Any:
    """Upload an image as multipart/form-data field `image`: a real JPEG, PNG or WebP (checked
    by decoding it) of at most 5 MB; else 415 or 413."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaTypeError("Send the image as multipart/form-data in the field image")
    upload = request.files.get("image")
    if upload is None:
        raise ValidationError(
            "Attach the image in the field image", details={"fields": {"image": "required"}}
        )
    config = settings_of(current_app, ProductsSettings)
    with transaction() as session:
        product = products.editable_product(session, current_identity(), product_id)
        checked = images.check_image(images.read_upload(upload.stream, config.max_image_bytes))
        row = images.add_image(
            session, product, checked, config.media_dir, config.max_images_per_product
        )
    return ImageOut(id=row.id, url=images.image_url(row.file_name)), 201


@public.post("/<product_id>/offers")
@requires("seller", "admin")
@validate(body=OfferCreateBody, responses={201: OfferSavedOut})
def create_offer(product_id: str, body: OfferCreateBody) -> Any:
    """Put the product on offer: exactly one of `percent_off` (0 < p < 100) and `price` (below
    the list price). The best active offer sets `effective_price`, which checkout charges."""
    with transaction() as session:
        offer = offers.create_offer(session, current_identity(), product_id, body)
        return OfferSavedOut(
            message="Offer created",
            product_id=offer.product_id,
            effective_price=catalogue.effective_price(session, offer.product_id),
            **offer_out(offer).model_dump(),
        ), 201


@public.get("/<product_id>/offers")
@requires("seller", "admin")
@validate(responses={200: OfferListOut})
def list_offers(product_id: str) -> Any:
    """Every offer of the product: past, active and scheduled."""
    with transaction() as session:
        found = offers.product_offers(session, current_identity(), product_id)
        return OfferListOut(items=[offer_out(o) for o in found])


@public.delete("/<product_id>/offers/<offer_id>")
@requires("seller", "admin")
@validate(responses={200: MessageOut})
def remove_offer(product_id: str, offer_id: str) -> Any:
    with transaction() as session:
        offers.remove_offer(session, current_identity(), product_id, offer_id)
    return MessageOut(message="Offer removed")


@public.put("/<product_id>/disable")
@requires("seller", "admin")
@validate(body=ModerationBody, responses={200: ProductSavedOut})
def disable_product(product_id: str, body: ModerationBody) -> Any:
    """Take the product out of the catalogue (checkout sees it inactive): its seller for
    their own, staff for any, with an optional `reason`."""
    with transaction() as session:
        product = products.set_disabled(session, current_identity(), product_id, True, body.reason)
        return saved(session, product, "Product disabled")


@public.put("/<product_id>/enable")
@requires("seller", "admin")
@validate(body=ModerationBody, responses={200: ProductSavedOut, 403: None})
def enable_product(product_id: str, body: ModerationBody) -> Any:
    """Put the product back in the catalogue; a product staff disabled only staff may enable
    (else 403 `disabled_by_staff`)."""
    with transaction() as session:
        product = products.set_disabled(session, current_identity(), product_id, False, body.reason)
        return saved(session, product, "Product enabled")


@public.get("/disabled")
@requires("admin")
@validate(query=PageQuery, responses={200: DisabledProductPage})
def list_disabled(query: PageQuery) -> Any:
    """Moderation: disabled products, most recently disabled first, with the reason."""
    with transaction() as session:
        return products.disabled_products(session, query)


@public.get("/banners")
@validate(responses={200: BannerListOut})
def shown_banners() -> Any:
    """The storefront home's banners: published ones whose time window holds, by position."""
    with transaction() as session:
        return {"items": [banner_out(b) for b in content.shown_banners(session)]}


@public.get("/banners/all")
@requires("admin")
@validate(responses={200: BannerListOut})
def every_banner() -> Any:
    """Every banner, drafts and finished ones included (staff)."""
    with transaction() as session:
        return {"items": [banner_out(b) for b in content.every_banner(session)]}


@public.post("/banners")
@requires("admin")
@validate(body=BannerCreateBody, responses={201: BannerSavedOut})
def create_banner(body: BannerCreateBody) -> Any:
    with transaction() as session:
        banner = content.create_banner(session, current_identity(), body)
        return {"message": "Banner created", **banner_out(banner)}, 201


@public.patch("/banners/<banner_id>")
@requires("admin")
@validate(body=BannerUpdateBody, responses={200: BannerSavedOut})
def update_banner(banner_id: str, body: BannerUpdateBody) -> Any:
    with transaction() as session:
        banner = content.update_banner(session, banner_id, body)
        return {"message": "Banner updated", **banner_out(banner)}


@public.delete("/banners/<banner_id>")
@requires("admin")
@validate(responses={200: MessageOut})
def delete_banner(banner_id: str) -> Any:
    with transaction() as session:
        content.delete_banner(session, banner_id)
    return MessageOut(message="Banner deleted")


@public.get("/pages")
@validate(responses={200: PageLinksOut})
def page_links() -> Any:
    """The published pages' slugs and titles, for the storefront's links to them."""
    with transaction() as session:
        return {
            "items": [{"slug": p.slug, "title": p.title} for p in content.published_pages(session)]
        }


@public.get("/pages/all")
@requires("admin")
@validate(responses={200: PageListOut})
def every_page() -> Any:
    """Every page, drafts included (staff)."""
    with transaction() as session:
        return {"items": [page_out(p) for p in content.every_page(session)]}


@public.get("/pages/<slug>")
@validate(responses={200: PageOut})
def show_page(slug: str) -> Any:
    """A published page."""
    with transaction() as session:
        return page_out(content.find_page(session, slug))


@public.put("/pages/<slug>")
@requires("admin")
@validate(body=PageWriteBody, responses={200: PageSavedOut, 201: PageSavedOut})
def write_page(slug: str, body: PageWriteBody) -> Any:
    """Create or replace the page at `slug` (lower-case words joined by hyphens)."""
    parse_model(PageSlugIn, {"slug": slug}, "page address")
    with transaction() as session:
        page, created = content.write_page(session, slug, body)
        saved_page = {"message": "Page created" if created else "Page saved", **page_out(page)}
        return saved_page, 201 if created else 200


@public.delete("/pages/<slug>")
@requires("admin")
@validate(responses={200: MessageOut})
def delete_page(slug: str) -> Any:
    with transaction() as session:
        content.delete_page(session, slug)
    return MessageOut(message="Page deleted")


@internal.get("/batch")
@validate(query=BatchQuery)
def batch(query: BatchQuery) -> Any:
    """Products by id for cart and checkout: prices after offers, and whether each may still
    be sold (`active` is false for disabled or deleted ones); unknown ids are left out."""
    with reading() as reader:
        rows = catalogue.products_by_ids(reader, query.ids)
    shown_in = currency()
    return {"items": [batch_product_out(row, shown_in) for row in rows]}


@internal.post("/stock-levels")
def stock_levels() -> Any:
    return receive(ProcessedMessage, StockLevelMessage, read_model.apply_stock_level)


@internal.post("/ratings")
def ratings() -> Any:
    return receive(ProcessedMessage, RatingMessage, read_model.apply_rating)


@internal.post("/sales")
def sales() -> Any:
    return receive(ProcessedMessage, SaleMessage, read_model.apply_sale)
