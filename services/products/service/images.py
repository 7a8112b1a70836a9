"""Product images: the content decides what a file is (decoded with Pillow), never its name."""

import os
import uuid
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO

from PIL import Image, UnidentifiedImageError
from souk_kit.errors import (
    ValidationError,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.products.errors import ImageTooLargeError, NotAnImageError, TooManyImagesError
from services.products.models import Product, ProductImage

MEDIA_URL = "/media/"
# Pillow format → (content type, file extension). Nothing else is accepted.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Decoding allocates width * height * 4 bytes; a small file can claim a huge canvas.
MAX_PIXELS = 40_000_000


# What Pillow raises for files it cannot read; a bomb warning is an error under tests' filters.
_UNREADABLE = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
)


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def image_url(file_name: str) -> str:
    return MEDIA_URL + file_name


def read_upload(stream: IO[bytes], max_bytes: int) -> bytes:
    """The uploaded bytes, refused once they pass `max_bytes` (never more is read)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLargeError(
            f"An image may be at most {max_bytes // (1024 * 1024)} MB",
            details={"max_bytes": max_bytes},
        )
    if not data:
        raise ValidationError("The image is empty", details={"fields": {"image": "empty file"}})
    return data


def check_image(data: bytes) -> CheckedImage:
    """Decode the whole image; anything that is not a sound JPEG, PNG or WebP is refused (415)."""
    try:
        with Image.open(BytesIO(data), formats=list(FORMATS)) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except _UNREADABLE:
        raise NotAnImageError() from None
    if image_format not in FORMATS:
        raise NotAnImageError()
    if width * height > MAX_PIXELS:
        raise NotAnImageError(
            f"An image may have at most {MAX_PIXELS:,} pixels",
            details={"width": width, "height": height},
        )
    try:
        with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
            image.load()
    except _UNREADABLE:
        raise NotAnImageError() from None
    content_type, extension = FORMATS[image_format]
    return CheckedImage(data, content_type, extension, width, height)


def _write_file(media_dir: Path, file_name: str, data: bytes) -> None:
    media_dir.mkdir(parents=True, exist_ok=True)
    partial = media_dir / f".{file_name}.part"
    partial.write_bytes(data)
    os.replace(partial, media_dir / file_name)


def add_image(
    session: Session, product: Product, image: CheckedImage, media_dir: Path, max_images: int
) -> ProductImage:
    """Store a checked image under a generated name and attach it to `product`, which the caller
    has locked (`editable_product`), so the image count below cannot race."""
    count = session.scalar(
        select(func.count()).select_from(ProductImage).where(ProductImage.product_id == product.id)
    )
    if (count or 0) >= max_images:
        raise TooManyImagesError(f"A product may have at most {max_images} images")
    row = ProductImage(
        product_id=product.id,
        file_name=f"{uuid.uuid4().hex}.{image.extension}",
        content_type=image.content_type,
        size_bytes=len(image.data),
        width=image.width,
        height=image.height,
    )
    session.add(row)
    session.flush()
    # Written after the row is accepted; a failed commit can only leave an unlisted file.
    _write_file(media_dir, row.file_name, image.data)
    return row
