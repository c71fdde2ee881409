"""Recognising logo images by their content (Pillow), never by file name or declared type."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
FILE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class NotAnAcceptedImage(ValueError):
    """The bytes are not a PNG, JPEG, GIF or WebP image."""


class DamagedImage(ValueError):
    """The bytes start like an accepted image but Pillow cannot read them."""


@dataclass(frozen=True)
class RecognisedImage:
    format: str
    content_type: str
    width: int
    height: int


def recognise_image(data: bytes) -> RecognisedImage:
    """The image's format, read from its bytes; Pillow's integrity check runs too.

    Pillow only considers the accepted formats' readers. ``verify()`` checks what it can
    without decoding pixels (every chunk checksum of a PNG), so a huge image costs nothing.
    """
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            recognised = RecognisedImage(format=image.format or "", content_type=Image.MIME[image.format or ""],
                                         width=image.width, height=image.height)
            image.verify()
    except UnidentifiedImageError:
        raise NotAnAcceptedImage("not a PNG, JPEG, GIF or WebP image") from None
    except Image.DecompressionBombError as exc:
        raise DamagedImage(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on untrusted bytes means "unreadable"
        raise DamagedImage(f"a damaged image: {exc or type(exc).__name__}") from None
    return recognised
