"""x4 upscaler quality and speed, in one run, against Lanczos and bicubic in the same process.

Quality: held-out real phone photos (`realphotos/`, the senders the upscaler never trained on): from each
photo, the most detailed of three 256x256 crops (fixed seed) is made 64x64 (bicubic with antialiasing) and
enlarged x4 again by each method; PSNR (RGB), SSIM (luma), the high-frequency detail kept (the Laplacian
variance as a share of the original crop's), and how strong a fixed 4 px grid is (``grid_strength``: a
texture measure alone is met by painting one 4x4 stamp into every block, a screen-door grid) and how unevenly the
fine detail falls on a 4x4 block's positions (``block_phase_strength``: a dot screen that follows the content,
which the grid measure misses). Speed: 64 -> 256
for one image, 16 generated images 64 -> 512 as Generate makes them, and a 500x500 photo -> 2000x2000;
medians, with the ratio to Lanczos on the same input.
Sheets: generated samples at 512 px, Lanczos beside ours; and real crops, original / bicubic / Lanczos / ours.

    python bench/upscale.py --realphotos ../shared/data/realphotos [--count 554] [--threads 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from productgen.cutout.training import realphoto_split  # noqa: E402
from productgen.upscale.patches import detailed_crop  # noqa: E402
from productgen.upscale.training import block_phase_strength, detail_kept, grid_strength, psnr, ssim  # noqa: E402
from productgen.upscale.upscaler import load_upscaler, parameter_count, upscale, upscale_many  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def held_out_crops(folder: Path, count: int, side: int = 256, seed: int = 0) -> list[np.ndarray]:
    _, held = realphoto_split(folder)
    rng = np.random.default_rng(seed)
    crops = []
    for name in held[:count]:
        pixels = np.asarray(Image.open(folder / name).convert("RGB"))
        if min(pixels.shape[:2]) >= side:
            crops.append(detailed_crop(pixels, rng, side))
    return crops


def old_generate_resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """What Generate did before the upscaler: Lanczos, then a light unsharp mask."""
    import cv2

    large = cv2.resize(np.asarray(image), size, interpolation=cv2.INTER_LANCZOS4)
    blurred = cv2.GaussianBlur(large, (0, 0), size[0] / image.width / 2)
    return Image.fromarray(cv2.addWeighted(large, 1.6, blurred, -0.6, 0))


def methods(model):
    return {
        "bicubic": lambda small, size: small.resize(size, Image.Resampling.BICUBIC),
        "Lanczos": lambda small, size: small.resize(size, Image.Resampling.LANCZOS),
        "Lanczos + unsharp (old Generate)": old_generate_resize,
        "network, one pass, no mask": lambda small, size: upscale_many([small], size, model=model, sharpen=(0, 0),
                                                                       mirror=False)[0],
        "network + its mirror, no mask": lambda small, size: upscale_many([small], size, model=model,
                                                                          sharpen=(0, 0))[0],
        "ours (x4 model)": lambda small, size: upscale(small, size=size, model=model),
    }


def quality(crops, model) -> dict[str, dict[str, float]]:
    scores = {name: {"psnr": [], "ssim": [], "detail": [], "grid": [], "phase": []}
              for name in ["original", *methods(model)]}
    for crop in crops:
        small = Image.fromarray(crop).resize((64, 64), Image.Resampling.BICUBIC)
        for name, enlarge in methods(model).items():
            out = np.asarray(enlarge(small, (crop.shape[1], crop.shape[0])).convert("RGB"))
            scores[name]["psnr"].append(psnr(out, crop))
            scores[name]["ssim"].append(ssim(out, crop))
            scores[name]["detail"].append(detail_kept(out, crop))
            scores[name]["grid"].append(grid_strength(out))
            scores[name]["phase"].append(block_phase_strength(out))
        scores["original"]["grid"].append(grid_strength(crop))
        scores["original"]["phase"].append(block_phase_strength(crop))
    return {name: {key: float(np.mean(values)) if values else float("nan") for key, values in table.items()} |
            {"detail_median": float(np.median(table["detail"])) if table["detail"] else float("nan"),
             "grid": float(np.median(table["grid"])), "phase": float(np.median(table["phase"]))}
            for name, table in scores.items()}


def timed(function, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def speed(model, photo: np.ndarray, runs: int) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(0)
    tiny = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    sixteen = [Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)) for _ in range(16)]
    big = Image.fromarray(photo).resize((500, 500), Image.Resampling.BICUBIC)
    rows = []
    for label, ours, plain in [
        ("64 -> 256, one image", lambda: upscale(tiny, 4, model=model), lambda: upscale(tiny, 4, method="lanczos")),
        ("16 images 64 -> 512 (Generate)", lambda: upscale_many(sixteen, (512, 512), model=model),
         lambda: upscale_many(sixteen, (512, 512), "lanczos")),
        ("500x500 -> 2000x2000", lambda: upscale(big, 4, model=model), lambda: upscale(big, 4, method="lanczos")),
    ]:
        mine, base = timed(ours, runs), timed(plain, runs)
        rows.append((label, mine, base))
    return rows


def label(image: Image.Image, text: str) -> Image.Image:
    image = image.copy()
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 8 * len(text) + 8, 18), fill=(0, 0, 0))
    draw.text((4, 3), text, fill=(255, 255, 255))
    return image


def generated_sheet(model, out: Path) -> None:
    from productgen.gan.sampling import load_generator

    generator = load_generator("default")
    picks = [("Watches", 3), ("Casual Shoes", 5), ("Handbags", 2), ("Tshirts", 4)]
    small = [generator.sample(category, 1, seed, 0.8, 64)[0] for category, seed in picks
             if category in generator.categories]
    plain = upscale_many(small, (512, 512), "lanczos")
    ours = upscale_many(small, (512, 512), model=model)
    sheet = Image.new("RGB", (2 * 1024 + 8, ((len(small) + 1) // 2) * 516), (255, 255, 255))
    for index, (a, b) in enumerate(zip(plain, ours)):
        x, y = (index % 2) * 1032, (index // 2) * 516
        sheet.paste(label(a, "Lanczos"), (x, y))
        sheet.paste(label(b, "ours"), (x + 512, y))
    sheet.save(out, quality=88)


def real_sheet(crops, model, out: Path, count: int = 4) -> None:
    picks = crops[:: max(1, len(crops) // count)][:count]
    sheet = Image.new("RGB", (4 * 256 + 12, count * 260), (255, 255, 255))
    for row, crop in enumerate(picks):
        small = Image.fromarray(crop).resize((64, 64), Image.Resampling.BICUBIC)
        tiles = [("original", Image.fromarray(crop)), ("bicubic", small.resize((256, 256), Image.Resampling.BICUBIC)),
                 ("Lanczos", small.resize((256, 256), Image.Resampling.LANCZOS)),
                 ("ours", upscale(small, size=(256, 256), model=model))]
        for column, (name, tile) in enumerate(tiles):
            sheet.paste(label(tile, name), (column * 260, row * 260))
    sheet.save(out, quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realphotos", required=True, type=Path)
    parser.add_argument("--model", default="upscale", help="upscaler folder or name under weights/")
    parser.add_argument("--count", type=int, default=554, help="held-out photos (one crop each)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-sheets", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_upscaler(args.model)
    crops = held_out_crops(args.realphotos, args.count)
    lines = [f"x4 upscaler {args.model} ({parameter_count(model):,} parameters), {args.threads} threads",
             f"quality on {len(crops)} held-out real crops, 256 px -> 64 px (bicubic) -> x4:",
             f"{'method':34} {'PSNR dB':>8} {'SSIM':>6} {'detail kept':>12} {'(median)':>9} {'4px grid':>9} "
             f"{'4px phase':>10}"]
    for name, score in quality(crops, model).items():
        if name == "original":
            lines.append(f"{name:34} {'':8} {'':6} {'':12} {'':9} {score['grid']:9.1f} {score['phase']:10.3f}")
            continue
        lines.append(f"{name:34} {score['psnr']:8.2f} {score['ssim']:6.3f} {score['detail']:12.1%} "
                     f"{score['detail_median']:9.1%} {score['grid']:9.1f} {score['phase']:10.3f}")
    lines.append("(4px grid: median power of the spectrum at a 4 px stamp's frequencies over the power around them; "
                 "a photo ~2, a screen-door grid 10+; 4px phase: how unevenly fine detail falls on the 16 positions "
                 "of a 4x4 block (median), a photo ~0.05, a dot screen that follows the content 0.4+)")
    lines.append(f"speed, median of {args.runs} (ratio to Lanczos on the same input, same process):")
    with torch.inference_mode():
        for name, mine, base in speed(model, crops[0], args.runs):
            lines.append(f"{name:34} ours {mine:7.3f} s   Lanczos {base:7.3f} s   x{mine / base:.1f}")
    text = "\n".join(lines)
    print(text)
    if not args.no_sheets:
        RESULTS.mkdir(exist_ok=True)
        generated_sheet(model, RESULTS / "upscale_generated_512.jpg")
        real_sheet(crops, model, RESULTS / "upscale_real_crops.jpg")
        (RESULTS / "upscale.txt").write_text(text + "\n")
        print(f"wrote {RESULTS / 'upscale.txt'} and the sheets")


if __name__ == "__main__":
    main()
