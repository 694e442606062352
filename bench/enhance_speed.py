"""Enhancement speed: our pipeline vs the same steps in Pillow, in the same process.

    python bench/enhance_speed.py [--size 2000]

1. The filter chain (brightness, contrast, saturation, unsharp mask) on one photo.
2. The one-click pipeline on one photo: auto levels and white balance, colour,
   sharpening, background found by flood fill from the border on a 512 px copy
   and made pure white, trimmed and framed on the Amazon canvas, saved as JPEG.
   Ours adds the compliance report; the Pillow chain does the same steps with
   Pillow's own tools (ImageOps, ImageEnhance, ImageFilter, ImageDraw.floodfill).
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps, ImageStat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from productgen.enhance import filters as enhance  # noqa: E402
from productgen.enhance.studio import Recipe, process_image, save_result  # noqa: E402


def photo(size: int) -> Image.Image:
    random = np.random.default_rng(0)
    noise = random.normal(0, 6, (size, size, 3))
    image = Image.fromarray(np.clip(236 + noise, 0, 255).astype(np.uint8))
    ImageDraw.Draw(image).ellipse((size // 5, size // 6, size * 4 // 5, size * 5 // 6), fill=(150, 40, 60))
    return image


def ours(image):
    image = enhance.adjust_brightness(image, 1.05)
    image = enhance.adjust_contrast(image, 1.1)
    image = enhance.adjust_saturation(image, 1.15)
    return enhance.unsharp_mask(image, 0.6, 2.0, 3)


def pillow(image):
    image = ImageEnhance.Brightness(image).enhance(1.05)
    image = ImageEnhance.Contrast(image).enhance(1.1)
    image = ImageEnhance.Color(image).enhance(1.15)
    return image.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=3))


def pillow_pipeline(image: Image.Image, canvas: int = 2000, fill: float = 0.87) -> bytes:
    """The one-click pipeline written with Pillow alone."""
    border = ImageStat.Stat(image.crop((0, 0, image.width, 8))).mean
    image = image.point([min(255, round(v * 255 / max(1, border[c]))) for c in range(3) for v in range(256)])
    image = ImageOps.autocontrast(image, cutoff=0.5, preserve_tone=True)
    image = ImageEnhance.Color(image).enhance(1.15)
    image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=60, threshold=3))
    small = image.copy()
    small.thumbnail((512, 512))
    sentinel = (255, 0, 255)
    for corner in ((0, 0), (small.width - 1, 0), (0, small.height - 1), (small.width - 1, small.height - 1)):
        ImageDraw.floodfill(small, corner, sentinel, thresh=30)
    mask = ImageChops.difference(small, Image.new("RGB", small.size, sentinel)).convert("L").point(
        lambda v: 255 if v == 0 else 0).resize(image.size, Image.Resampling.BILINEAR).point(lambda v: 255 * (v > 127))
    image = Image.composite(Image.new("RGB", image.size, (255, 255, 255)), image, mask)
    box = ImageOps.invert(mask).getbbox() or (0, 0, image.width, image.height)
    product = image.crop(box)
    scale = canvas * fill / max(product.size)
    product = product.resize((round(product.width * scale), round(product.height * scale)),
                             Image.Resampling.LANCZOS)
    out = Image.new("RGB", (canvas, canvas), (255, 255, 255))
    out.paste(product, ((canvas - product.width) // 2, (canvas - product.height) // 2))
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=92, optimize=True, subsampling=0)
    return buffer.getvalue()


def best_pair(mine, theirs, image, repeats=7) -> tuple[float, float]:
    """Fastest of ``repeats`` runs of each, alternating the two so that a slow spell of a shared machine
    hits both alike."""
    mine(image), theirs(image)
    times = ([], [])
    for _ in range(repeats):
        for function, record in ((mine, times[0]), (theirs, times[1])):
            started = time.perf_counter()
            function(image)
            record.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    image = photo(args.size)
    mine, theirs = best_pair(ours, pillow, image)
    print(f"{args.size}x{args.size} filter chain: ours {mine * 1000:.0f} ms, Pillow {theirs * 1000:.0f} ms, "
          f"Pillow / ours = {theirs / mine:.2f}x")
    recipe = Recipe(preset="amazon")

    def pipeline(picture):
        save_result(process_image(picture, recipe).image, io.BytesIO(), recipe)

    seconds, pillow_seconds = best_pair(pipeline, pillow_pipeline, image)
    print(f"one-click pipeline (auto, white background, Amazon framing, JPEG): ours {seconds * 1000:.0f} ms "
          f"(with the compliance report), Pillow {pillow_seconds * 1000:.0f} ms, Pillow / ours = "
          f"{pillow_seconds / seconds:.2f}x; ours {1 / seconds:.1f} photos/s")


if __name__ == "__main__":
    main()
