"""Recognise, measured on held-out photos through the whole pipeline (cut-out, classifier, colours, text).

    python bench/recognise.py --products ../shared/data/products --realphotos ../shared/data/realphotos \
        --backgrounds ../shared/data/backgrounds

Prints, in one run:
- the catalogue's val split (``productgen/splits/products_val_ids.txt``): top-1/top-3 over every type the app
  ranks, and over the 16 types of the default generator; how often a catalogue product is called unknown;
  the colour head against ``baseColour``;
- the held-out real phone photos (``productgen/splits/realphotos_val_files.txt``, by sender): top-1/top-3
  (right = a type the photo's label allows: "Shoes" allows seven), per label, and the unknown rate;
- photos that are none of our types: dairy cartons held in a shop (held-out grocery products), the
  catalogue's non-fashion photos (perfume, deodorant, umbrellas, balls), and household objects drawn here
  (mugs, bottles, lamps, boxes, balls, on white, on a colour or on a real surface): the unknown rate;
- fashion types the app does not know (scarves, mufflers, clutches...): the unknown rate, for information;
- photos/s through the whole pipeline on this CPU.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from productgen.cutout.data import load_surfaces  # noqa: E402
from productgen.io.images import open_image  # noqa: E402
from productgen.recognise.data import catalogue_rows, real_types, realphoto_rows  # noqa: E402
from productgen.recognise.network import load_classifier  # noqa: E402
from productgen.recognise.pipeline import recognise_batch  # noqa: E402

TOP16 = ["T-shirts", "Shirts", "Casual Shoes", "Tops", "Kurtas", "Sports Shoes", "Watches", "Handbags", "Heels",
         "Sunglasses", "Wallets", "Sweaters", "Flip-flops", "Sweatshirts", "Sandals", "Belts"]


def run(model, photos: list[Image.Image], aspect: float | None = None, batch: int = 32):
    results = []
    for start in range(0, len(photos), batch):
        results += recognise_batch(photos[start:start + batch], model, aspect=aspect)
    return results


def drawn_objects(count: int, surfaces: list[np.ndarray], seed: int = 0) -> list[Image.Image]:
    """Household objects that are not fashion: a mug, a bottle, a lamp, a carton, a ball; on white, on a
    flat colour or on a real surface (``backgrounds/`` of the held-out groups)."""
    rng = np.random.default_rng(seed)
    pictures = []
    for index in range(count):
        side = 400
        backdrop = index % 3
        if backdrop == 0:
            image = Image.new("RGB", (side, side), (255, 255, 255))
        elif backdrop == 1:
            image = Image.new("RGB", (side, side), tuple(int(v) for v in rng.integers(60, 230, 3)))
        else:
            surface = surfaces[rng.integers(len(surfaces))]
            image = Image.fromarray(surface).resize((side, side))
        draw = ImageDraw.Draw(image)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        dark = tuple(max(0, c - 60) for c in colour)
        kind = index % 5
        cx, cy = side // 2 + int(rng.integers(-30, 31)), side // 2 + int(rng.integers(-30, 31))
        if kind == 0:  # mug
            w, h = int(rng.integers(90, 140)), int(rng.integers(100, 150))
            draw.ellipse((cx + w // 2 - 25, cy - h // 3, cx + w // 2 + 35, cy + h // 3), outline=colour, width=14)
            draw.rectangle((cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2), fill=colour)
            draw.ellipse((cx - w // 2, cy - h // 2 - 12, cx + w // 2, cy - h // 2 + 12), fill=dark)
        elif kind == 1:  # bottle
            w, h = int(rng.integers(60, 100)), int(rng.integers(200, 280))
            draw.rectangle((cx - w // 2, cy - h // 2 + 70, cx + w // 2, cy + h // 2), fill=colour)
            draw.rectangle((cx - w // 6, cy - h // 2, cx + w // 6, cy - h // 2 + 75), fill=colour)
            draw.rectangle((cx - w // 5, cy - h // 2 - 12, cx + w // 5, cy - h // 2 + 5), fill=dark)
            draw.rectangle((cx - w // 2, cy, cx + w // 2, cy + 50), fill=(240, 240, 230))
        elif kind == 2:  # lamp
            draw.polygon([(cx - 50, cy - 120), (cx + 50, cy - 120), (cx + 90, cy - 40), (cx - 90, cy - 40)],
                         fill=colour)
            draw.rectangle((cx - 6, cy - 40, cx + 6, cy + 100), fill=(90, 90, 90))
            draw.ellipse((cx - 60, cy + 90, cx + 60, cy + 120), fill=dark)
        elif kind == 3:  # carton
            w, h = int(rng.integers(100, 160)), int(rng.integers(180, 250))
            draw.rectangle((cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2), fill=colour)
            draw.polygon([(cx - w // 2, cy - h // 2), (cx, cy - h // 2 - 40), (cx + w // 2, cy - h // 2)], fill=dark)
            draw.rectangle((cx - w // 3, cy - 20, cx + w // 3, cy + 30), fill=(250, 250, 250))
            draw.text((cx - w // 4, cy - 10), "MILK 1L", fill=(20, 20, 20))
        else:  # ball
            r = int(rng.integers(70, 120))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
            draw.arc((cx - r, cy - r // 2, cx + r, cy + r // 2), 0, 180, fill=dark, width=6)
        pictures.append(image)
    return pictures


def held_out_scores(results, allowed: list[tuple[str, ...]]) -> dict:
    top1 = np.array([r.categories[0][0] in ok for r, ok in zip(results, allowed)])
    top3 = np.array([any(n in ok for n, _ in r.categories) for r, ok in zip(results, allowed)])
    unknown = np.array([r.unknown for r in results])
    answered = top1[~unknown].mean() if (~unknown).any() else float("nan")
    return {"top1": top1.mean(), "top3": top3.mean(), "unknown": unknown.mean(), "answered_top1": answered,
            "hits": top1, "unknowns": unknown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", required=True, type=Path, help="folder with images/ and labels.csv")
    parser.add_argument("--realphotos", required=True, type=Path)
    parser.add_argument("--backgrounds", required=True, type=Path)
    parser.add_argument("--classifier", default=str(ROOT / "weights" / "classifier"))
    parser.add_argument("--drawn", type=int, default=150, help="how many household objects to draw")
    parser.add_argument("--limit", type=int, help="at most this many photos per group (a quick look)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cap = slice(0, args.limit)
    model = load_classifier(args.classifier)
    far = model.config.unknown_far_above
    print(f"classifier: {args.classifier}, {len(model.config.categories)} types, unknown below certainty "
          f"{model.config.unknown_below}" + (f" or further than {far} from every type" if far is not None else ""))

    # -- the catalogue's val split -------------------------------------------------------------------
    rows = [r for r in catalogue_rows(args.products) if r["split"] == "validation"]
    known = [r for r in rows if r["role"] == "known"][cap]
    photos = [open_image(args.products / "images" / f"{r['id']}.jpg") for r in known]
    results = run(model, photos, aspect=0.75)
    scores = held_out_scores(results, [(r["type"],) for r in known])
    print(f"\ncatalogue val split, {len(known)} photos of {len({r['type'] for r in known})} types (choosing among "
          f"all {len(model.config.categories)}): top-1 {scores['top1']:.1%}, top-3 {scores['top3']:.1%}, "
          f"called unknown {scores['unknown']:.1%}")
    in16 = np.array([r["type"] in TOP16 for r in known])
    print(f"  the 16 types of the default generator ({in16.sum()} photos): top-1 {scores['hits'][in16].mean():.1%}")
    confused = Counter((r["type"], res.categories[0][0]) for r, res, hit in zip(known, results, scores["hits"])
                       if not hit)
    print("  most confused: " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in confused.most_common(6)))
    colour_rows = [(r, res) for r, res in zip(known, results) if r["baseColour"] in model.config.colours]
    head = np.mean([res.main_colour[0] == r["baseColour"] for r, res in colour_rows])
    print(f"  main colour (colour head) vs baseColour: {head:.1%} of {len(colour_rows)} photos")

    # -- held-out real photos ------------------------------------------------------------------------
    real = [r for r in realphoto_rows(args.realphotos) if r["split"] == "validation"]
    clothing = [r for r in real if r["source"] == "clothing" and real_types(r)][cap]
    photos = [open_image(args.realphotos / r["file"]) for r in clothing]
    started = time.perf_counter()
    results = run(model, photos)
    seconds = time.perf_counter() - started
    scores = held_out_scores(results, [real_types(r) for r in clothing])
    print(f"\nheld-out real photos, {len(clothing)} photos of {len({r['label'] for r in clothing})} labels: top-1 "
          f"{scores['top1']:.1%}, top-3 {scores['top3']:.1%}; called unknown {scores['unknown']:.1%}; top-1 of "
          f"those answered {scores['answered_top1']:.1%}")
    passed = np.array([r.status == "ok" for r in results])
    print(f"  answered \"ok\" (no check asked) {passed.mean():.1%}, and right {scores['hits'][passed].mean():.1%} of "
          f"those; \"check\" {np.mean([r.status == 'check' for r in results]):.1%}")
    by_label = defaultdict(list)
    for r, hit, unknown in zip(clothing, scores["hits"], scores["unknowns"]):
        by_label[r["label"]].append((hit, unknown))
    print("  per label (top-1, unknown, photos): " + ", ".join(
        f"{label} {np.mean([h for h, _ in v]):.0%}/{np.mean([u for _, u in v]):.0%}/{len(v)}"
        for label, v in sorted(by_label.items(), key=lambda item: -len(item[1]))))
    confused = Counter((r["label"], res.categories[0][0]) for r, res, hit in zip(clothing, results, scores["hits"])
                       if not hit)
    print("  most confused: " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in confused.most_common(6)))
    print(f"  speed: {len(photos) / seconds:.1f} photos/s through the whole pipeline (cut-out, classifier, "
          f"colours, text; {torch.get_num_threads()} threads)")

    # -- none of our types --------------------------------------------------------------------------
    print("\nphotos of none of our types (should be unknown):")
    grocery = [r for r in real if r["source"] == "grocery"][cap]
    results = run(model, [open_image(args.realphotos / r["file"]) for r in grocery])
    rate = np.mean([r.unknown for r in results])
    said = Counter(r.categories[0][0] for r in results if not r.unknown)
    print(f"  held-out dairy cartons in a shop ({len(grocery)} photos of {len({r['label'] for r in grocery})} "
          f"products never trained on): unknown {rate:.1%}; the others said {dict(said.most_common(4))}")
    every = [r for r in catalogue_rows(args.products) if r["role"] == "non-fashion"][cap]
    results = run(model, [open_image(args.products / "images" / f"{r['id']}.jpg") for r in every], aspect=0.75)
    print(f"  catalogue non-fashion ({len(every)} photos: {', '.join(sorted({r['type'] for r in every}))}): "
          f"unknown {np.mean([r.unknown for r in results]):.1%}")
    surfaces = load_surfaces(args.backgrounds, validation=True)
    drawn = drawn_objects(args.drawn, surfaces)
    results = run(model, drawn)
    kinds = ["mug", "bottle", "lamp", "carton", "ball"]
    per_kind = {k: np.mean([r.unknown for i, r in enumerate(results) if i % 5 == n]) for n, k in enumerate(kinds)}
    print(f"  drawn household objects ({len(drawn)}): unknown {np.mean([r.unknown for r in results]):.1%} ("
          + ", ".join(f"{k} {v:.0%}" for k, v in per_kind.items()) + ")")
    other = [r for r in catalogue_rows(args.products) if r["role"] == "other"][cap]
    results = run(model, [open_image(args.products / "images" / f"{r['id']}.jpg") for r in other], aspect=0.75)
    print(f"  for information, fashion types the app does not rank ({len(other)} catalogue photos, e.g. "
          f"{', '.join(t for t, _ in Counter(r['type'] for r in other).most_common(4))}): unknown "
          f"{np.mean([r.unknown for r in results]):.1%}")


if __name__ == "__main__":
    main()
