import io
import os
import random
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from services.products.app import create_app
from services.products.models import ProductImage
from services.products.tests.conftest import Seller, image_bytes

MB = 1024 * 1024


@pytest.fixture
def media_dir(service_env) -> Path:
    return Path(service_env["SOUK_MEDIA_DIR"])


def stored_files(media_dir: Path) -> list[str]:
    return sorted(os.listdir(media_dir)) if media_dir.exists() else []


def image_rows(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(ProductImage)) or 0


def noisy_jpeg(size: int = 300) -> bytes:
    """A JPEG whose data does not compress away, so a cut-off copy is really missing pixels."""
    rng = random.Random(7)
    image = Image.frombytes(
        "RGB", (size, size), bytes(rng.getrandbits(8) for _ in range(size * size * 3))
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")]
)
def test_a_real_image_is_stored_under_a_generated_name(
    client, seller, media_dir, image_format, extension
):
    product = seller.create()
    data = image_bytes(image_format)
    answer = seller.upload(product["id"], data, filename="../../etc/evil name.gif")
    assert answer.status_code == 201
    url = answer.json["url"]
    assert url.startswith("/media/") and url.endswith(f".{extension}")
    file_name = url.removeprefix("/media/")
    assert "evil" not in file_name and "/" not in file_name
    assert (media_dir / file_name).read_bytes() == data
    assert client.get(f"/api/products/{product['id']}").json["images"] == [url]


def test_images_are_listed_in_upload_order(client, seller):
    product = seller.create()
    urls = [seller.upload(product["id"], image_bytes(f)).json["url"] for f in ("PNG", "JPEG")]
    assert client.get(f"/api/products/{product['id']}").json["images"] == urls


@pytest.mark.parametrize(
    "data",
    [
        b"this is a text file, not a photo\n" * 20,
        b"\xff\xd8\xff\xe0" + b"\x00" * 400,  # a JPEG signature and nothing behind it
        b"GIF89a" + b"\x00" * 100,
    ],
    ids=["text-renamed-jpg", "fake-jpeg-header", "gif-header"],
)
def test_a_file_that_is_not_an_image_is_415_and_nothing_is_stored(seller, db, media_dir, data):
    product = seller.create()
    answer = seller.upload(product["id"], data, filename="holiday.jpg")
    assert answer.status_code == 415
    assert answer.json["code"] == "unsupported_image"
    assert stored_files(media_dir) == []
    assert image_rows(db) == 0


def test_a_real_gif_is_refused(seller, media_dir):
    product = seller.create()
    answer = seller.upload(product["id"], image_bytes("GIF"), filename="anim.jpg")
    assert answer.status_code == 415
    assert stored_files(media_dir) == []


def test_a_truncated_jpeg_is_refused_because_it_does_not_decode(seller, media_dir):
    product = seller.create()
    data = noisy_jpeg()
    assert seller.upload(product["id"], data).status_code == 201
    answer = seller.upload(product["id"], data[: len(data) // 2])
    assert answer.status_code == 415
    assert len(stored_files(media_dir)) == 1


def test_an_image_claiming_a_huge_canvas_is_refused(seller, media_dir):
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 megapixels in a few KB
    product = seller.create()
    answer = seller.upload(product["id"], buffer.getvalue(), filename="tiny.png")
    assert answer.status_code == 415
    assert stored_files(media_dir) == []


def test_a_6_mb_upload_gets_a_json_413_and_nothing_is_stored(seller, db, media_dir):
    product = seller.create()
    data = image_bytes("JPEG") + b"\x00" * (6 * MB)
    answer = seller.upload(product["id"], data)
    assert answer.status_code == 413
    assert answer.json["code"] == "image_too_large"
    assert stored_files(media_dir) == []
    assert image_rows(db) == 0


def test_a_body_beyond_the_gateway_limit_still_gets_a_json_413(seller):
    product = seller.create()
    answer = seller.upload(product["id"], b"\x00" * (9 * MB))
    assert answer.status_code == 413
    assert answer.json["code"] == "payload_too_large"


# One app per test: two apps in one test would hold two open test transactions, and the
# second one's first product waits on the first one's category count forever.
@pytest.mark.parametrize(("spare_bytes", "status"), [(0, 201), (-1, 413)])
def test_the_size_limit_is_inclusive(make_service_app, tokens, spare_bytes, status):
    data = image_bytes("PNG")
    app = make_service_app(create_app, SOUK_MAX_IMAGE_BYTES=str(len(data) + spare_bytes))
    owner = Seller(app.test_client(), tokens.headers("seller", user_id=str(uuid.uuid4())), "")
    product = owner.create()
    assert owner.upload(product["id"], data).status_code == status


def test_an_upload_needs_the_image_field_in_a_multipart_body(client, seller):
    product = seller.create()
    url = f"/api/products/{product['id']}/images"
    missing = seller.upload(product["id"], image_bytes(), field="photo")
    assert missing.status_code == 400
    assert "image" in missing.json["details"]["fields"]
    as_json = client.post(url, json={"image": "aGVsbG8="}, headers=seller.headers)
    assert as_json.status_code == 415
    empty = seller.upload(product["id"], b"")
    assert empty.status_code == 400


def test_only_the_owner_or_an_admin_may_upload(client, seller, make_seller, admin, tokens):
    product = seller.create()
    assert make_seller().upload(product["id"], image_bytes()).status_code == 403
    assert admin.upload(product["id"], image_bytes()).status_code == 201
    customer = Seller(client, tokens.headers("customer"), "")
    assert customer.upload(product["id"], image_bytes()).status_code == 403
    assert seller.upload(str(uuid.uuid4()), image_bytes()).status_code == 404


def test_a_product_holds_a_limited_number_of_images(make_service_app, tokens, media_dir):
    app = make_service_app(create_app, SOUK_MAX_IMAGES_PER_PRODUCT="2")
    owner = Seller(app.test_client(), tokens.headers("seller", user_id=str(uuid.uuid4())), "")
    product = owner.create()
    assert owner.upload(product["id"], image_bytes()).status_code == 201
    assert owner.upload(product["id"], image_bytes()).status_code == 201
    third = owner.upload(product["id"], image_bytes())
    assert third.status_code == 409
    assert third.json["code"] == "too_many_images"
    assert len(stored_files(media_dir)) == 2
