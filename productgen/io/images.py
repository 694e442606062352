"""Opening users' image files safely: one place that turns any file into an RGB(A) PIL image.

Handles EXIF orientation, CMYK, 16-bit, palette and alpha inputs, animated
images (first frame), and refuses decompression bombs and non-images with a
:class:`ImageError` whose message a merchant can act on.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's own limit is ~179 Mpx with a warning first; we refuse earlier and
# never decode a bomb: 100 Mpx is a 10000x10000 photo, far beyond any listing.
MAX_PIXELS = 100_000_000
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


class ImageError(ValueError):
    """A file that cannot be used as a photo; the message says why and what to do."""


def is_image_name(name: str | os.PathLike) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def _to_8bit(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if array.max() > 255 else 255.0
        return Image.fromarray(np.clip(array / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        scale = 255.0 if array.max() <= 1.0 else 1.0
        return Image.fromarray(np.clip(array * scale + 0.5, 0, 255).astype(np.uint8), "L")
    return image


def normalise_mode(image: Image.Image, keep_alpha: bool = False) -> Image.Image:
    """Return an ``RGB`` image (``RGBA`` if ``keep_alpha`` and the image has transparency)."""
    image = _to_8bit(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        if keep_alpha:
            return rgba
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def open_image(source, keep_alpha: bool = False, max_pixels: int = MAX_PIXELS,
               longest: int | None = None) -> Image.Image:
    """Open a path, bytes or file object as an upright RGB (or RGBA) image; with ``longest``, a copy at most that
    many px on its longer side, decoded at a reduced size where the format can (a JPEG's DCT scaling: a 12 MP
    phone photo's preview in a fraction of the full decode).

    Raises :class:`ImageError` for empty files, non-images, truncated files and
    images over ``max_pixels`` (checked from the header, before decoding).
    """
    name = Path(source).name if isinstance(source, (str, os.PathLike)) else "upload"
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)) and os.path.getsize(source) == 0:
        raise ImageError(f"{name}: the file is empty (0 bytes); upload the photo again")
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89.5 MP; our own limit, checked from the header below, is the one that counts
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"{name}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                    f"{max_pixels / 1e6:.0f} MP limit; resize it below that first"
                )
            image.seek(0)  # animated images: the first frame
            if longest and max(width, height) > longest:  # JPEG only: decoded at 1/2, 1/4 or 1/8 of the size
                scale = longest / max(width, height)
                image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
            image = ImageOps.exif_transpose(image)
            image.load()
            if longest and max(image.size) > longest:
                image = normalise_mode(image, keep_alpha=keep_alpha)  # a palette is shrunk in colour, not nearest
                image.thumbnail((longest, longest), Image.LANCZOS)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageError(f"{name}: too many megapixels to open safely (over {max_pixels / 1e6:.0f} MP, a possible "
                         "decompression bomb); resize it first") from error
    except UnidentifiedImageError as error:
        raise ImageError(f"{name}: not an image Pillow can read ({type(error).__name__}); "
                         "use JPEG, PNG or WebP") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{name}: the image is damaged or truncated ({error}); export it again") from error
    return normalise_mode(image, keep_alpha=keep_alpha)


def as_pixels(image) -> np.ndarray:
    """An RGB PIL image or an (H, W, 3) uint8 array, as an (H, W, 3) uint8 array (no copy for arrays)."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"image array must be (height, width, 3) uint8, got {image.shape} {image.dtype}")
        return image
    if not isinstance(image, Image.Image):
        raise ValueError(f"image must be a PIL image or a uint8 array, got {type(image).__name__}")
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def like(original, pixels: np.ndarray):
    """``pixels`` in the type of ``original``: an array stays an array, anything else becomes a PIL image.

    Pipelines pass arrays from step to step and convert once at the end.
    """
    return pixels if isinstance(original, np.ndarray) else Image.fromarray(pixels)
