"""Enhancement speed: our OpenCV filter chain vs the same chain in Pillow, in the same process.

    python bench/enhance_speed.py [--size 2000]

Both chains do brightness, contrast, saturation and an unsharp mask on one
photo-sized image; then the whole one-click pipeline (background, auto
settings, framing for Amazon, compliance, JPEG) is timed per photo.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from productgen import enhance  # noqa: E402
from productgen.studio import Recipe, process_image, save_result  # noqa: E402


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


def best(function, image, repeats=5):
    function(image)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(image)
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    image = photo(args.size)
    mine, theirs = best(ours, image), best(pillow, image)
    print(f"{args.size}x{args.size} filter chain: ours {mine * 1000:.0f} ms, Pillow {theirs * 1000:.0f} ms, "
          f"Pillow / ours = {theirs / mine:.2f}x")
    recipe = Recipe(preset="amazon")

    def pipeline(picture):
        save_result(process_image(picture, recipe).image, io.BytesIO(), recipe)

    seconds = best(pipeline, image, 3)
    print(f"one-click pipeline (auto, white background, Amazon framing, report, JPEG): {seconds * 1000:.0f} ms "
          f"per {args.size} px photo = {1 / seconds:.1f} photos/s")


if __name__ == "__main__":
    main()
