"""Making our own real-photo masks with the app's own tools: taps and strokes on the cut-out, checked by eye.

A person (or a helper) works through a part file of photos in rounds:

1. ``pick`` chooses photos of the train senders of ``realphotos/`` (never the held-out senders of
   ``productgen/splits``), spread over the kinds the sheets show as hard, and deals them into part files.
2. ``render`` cuts each photo of a part out with the cut-out model and that photo's corrections, and draws sheets:
   the photo with a grid (tenths of its width and height) beside what is kept (the product in colour, the rest
   dark, the outline green, the taps and strokes drawn on it).
3. The person looks at the sheets and edits the part file: for a photo whose cut-out is not right, keep taps
   ``"keep": [[x, y]]`` and remove taps ``"remove": [[x, y]]`` (shares of the width and height, as the grid reads),
   and strokes as polygons, ``"erase": [[[x, y], ...]]`` over what should go and ``"restore"`` over product that
   was lost (``cutout.touchup``: a stroke takes the region of the same colours it touches); then renders again.
   ``"status": "ok"`` when the cut-out is right by eye, ``"reject"`` when the taps and strokes cannot make it so.
4. ``accept`` writes the masks of the ``ok`` photos as PNGs (the photo's size, white on product) with
   ``real_masks.csv``, keyed by the shared file's path, with their split (by sender: ``held_out`` masks are never
   trained on), and ``corrections.json``: every photo looked at, its corrections and its verdict.

    python data/label_masks.py pick --realphotos ../shared/data/realphotos --parts 8 --out ~/labels
    python data/label_masks.py pick --realphotos ../shared/data/realphotos --parts 4 --out ~/labels --seed 1 \
        --first-part 9 --first-id 400 --exclude ~/labels/part_?.json --quota '{"Shoes": 10, "Hat": 8, ...}'
    python data/label_masks.py render --realphotos ../shared/data/realphotos --part ~/labels/part_1.json --model M
    python data/label_masks.py accept --realphotos ../shared/data/realphotos --parts ~/labels/part_*.json \
        --out data/real_masks --model M

M is a copy of the cut-out model the masks are made with (``weights/cutout`` of commit fc2232b for ours).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# photos per kind: the cartons held up in a shop, shoes and hats (hard), and the garments of the sheets
QUOTA = {"grocery": 50, "Shoes": 40, "Hat": 30, "Pants": 30, "T-Shirt": 30, "Longsleeve": 25, "Dress": 20,
         "Outwear": 20, "Shirt": 20, "Shorts": 15, "Skirt": 15, "Polo": 10, "Undershirt": 10, "Blazer": 10,
         "Hoodie": 10, "Body": 5, "Top": 5, "Other": 5}
HELD_OUT_SHARE = 0.25  # of the senders (clothing) or products (grocery) labelled: their masks are never trained on
TILE = 480  # px, the longer side of each picture on a sheet
PER_SHEET = 4


def group_of(row: dict, senders: dict) -> str:
    return f"clothing:{senders.get(row['file'])}" if row["source"] == "clothing" else f"grocery:{row['label']}"


def pick(realphotos: Path, parts: int, out: Path, seed: int, quota: dict | None = None, exclude=(),
         first_part: int = 1, first_id: int = 0) -> None:
    from productgen.cutout.training import realphoto_split
    from productgen.io.catalogue import held_out

    train, _ = realphoto_split(realphotos)
    taken = {entry["file"] for part in exclude for entry in json.loads(Path(part).read_text())}
    train = set(train) - taken
    with open(realphotos / "labels.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["file"] in train]
    with open(realphotos / "clothing_senders.csv", newline="") as handle:
        senders = {row["file"]: row["sender_id"] for row in csv.DictReader(handle)}
    rng = np.random.default_rng(seed)
    chosen = []
    for kind, count in (quota or QUOTA).items():
        pool = [row for row in rows if (row["source"] == "grocery" if kind == "grocery" else row["label"] == kind)]
        chosen += [pool[i] for i in rng.permutation(len(pool))[:count]]
    rng.shuffle(chosen)
    out.mkdir(parents=True, exist_ok=True)
    for part in range(parts):
        photos = [{"id": first_id + index, "file": row["file"],
                   "kind": row["label"].split("/")[1] if row["source"] == "grocery" else row["label"],
                   "split": "held_out" if held_out(f"labels:{group_of(row, senders)}", HELD_OUT_SHARE) else "train",
                   "keep": [], "remove": [], "erase": [], "restore": [], "status": "pending", "note": ""}
                  for index, row in enumerate(chosen) if index % parts == part]
        (out / f"part_{first_part + part}.json").write_text(json.dumps(photos, indent=1))
    print(f"{len(chosen)} photos in {parts} parts under {out}")


def _polygons(polygons, width: int, height: int) -> np.ndarray | None:
    if not polygons:
        return None
    mask = np.zeros((height, width), np.uint8)
    for polygon in polygons:
        points = np.array([[x * width, y * height] for x, y in polygon], np.int32)
        if len(points) >= 3:
            cv2.fillPoly(mask, [points], 1)
        else:
            for x, y in points:
                cv2.circle(mask, (int(x), int(y)), max(3, width // 60), 1, -1)
    return mask > 0


def product_mask(photo: np.ndarray, entry: dict, model) -> np.ndarray:
    """The photo's mask (bool) from the cut-out model with the entry's taps and strokes."""
    from productgen.cutout.pipeline import cutout
    from productgen.cutout.touchup import Strokes, touched_mask

    height, width = photo.shape[:2]
    keep = [(min(width - 1, x * width), min(height - 1, y * height)) for x, y in entry.get("keep", [])]
    remove = [(min(width - 1, x * width), min(height - 1, y * height)) for x, y in entry.get("remove", [])]
    mask = cutout(photo, model, keep_points=keep or None, remove_points=remove or None)
    erase, restore = _polygons(entry.get("erase"), width, height), _polygons(entry.get("restore"), width, height)
    if erase is not None or restore is not None:
        mask = touched_mask(photo, mask, Strokes(remove=erase, keep=restore), model.config.input_side)
    return mask.alpha >= 0.5


def _tile_pair(photo: np.ndarray, product: np.ndarray, entry: dict) -> Image.Image:
    height, width = photo.shape[:2]
    scale = TILE / max(height, width)
    size = (round(width * scale), round(height * scale))
    left = Image.fromarray(photo).resize(size, Image.LANCZOS)
    draw = ImageDraw.Draw(left)
    for tenth in range(1, 10):  # the grid the corrections are read from
        x, y = tenth * size[0] / 10, tenth * size[1] / 10
        draw.line((x, 0, x, size[1]), fill=(255, 255, 0), width=1)
        draw.line((0, y, size[0], y), fill=(255, 255, 0), width=1)
        draw.text((x + 2, 2), str(tenth), fill=(255, 255, 0))
        draw.text((2, y + 2), str(tenth), fill=(255, 255, 0))
    small = cv2.resize(product.view(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    pixels = np.asarray(Image.fromarray(photo).resize(size, Image.LANCZOS)).astype(np.float32)
    shown = np.where(small[:, :, None], pixels, pixels * 0.15 + np.array([40.0, 0.0, 60.0]))
    ring = cv2.morphologyEx(small.view(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    shown[ring] = (0, 255, 0)
    right = Image.fromarray(shown.clip(0, 255).astype(np.uint8))
    marks = ImageDraw.Draw(right)
    for key, colour in (("keep", (0, 200, 255)), ("remove", (255, 60, 60))):
        for x, y in entry.get(key, []):
            marks.ellipse((x * size[0] - 6, y * size[1] - 6, x * size[0] + 6, y * size[1] + 6), outline=colour, width=3)
    for key, colour in (("erase", (255, 60, 60)), ("restore", (0, 200, 255))):
        for polygon in entry.get(key, []):
            marks.line([(x * size[0], y * size[1]) for x, y in polygon + polygon[:1]], fill=colour, width=2)
    pair = Image.new("RGB", (2 * size[0] + 8, size[1] + 22), (255, 255, 255))
    pair.paste(left, (0, 22))
    pair.paste(right, (size[0] + 8, 22))
    ImageDraw.Draw(pair).text((4, 4), f"#{entry['id']}  {entry['kind']}  [{entry['status']}]  {entry['file'][-24:]}",
                              fill=(0, 0, 0))
    return pair


def render(realphotos: Path, part: Path, model_name: str) -> None:
    from productgen.cutout.network import load_cutout

    model = load_cutout(model_name).fused()
    entries = json.loads(part.read_text())
    sheets = part.parent / f"{part.stem}_sheets"
    sheets.mkdir(exist_ok=True)
    for old in sheets.glob("*.png"):
        old.unlink()
    pairs = []
    for entry in entries:
        if entry["status"] == "reject":
            continue
        photo = np.asarray(Image.open(realphotos / entry["file"]).convert("RGB"))
        pairs.append((entry, _tile_pair(photo, product_mask(photo, entry, model), entry)))
    for start in range(0, len(pairs), PER_SHEET):
        group = pairs[start:start + PER_SHEET]
        width = max(pair.size[0] for _, pair in group)
        sheet = Image.new("RGB", (width, sum(pair.size[1] + 10 for _, pair in group)), (255, 255, 255))
        top = 0
        for _, pair in group:
            sheet.paste(pair, (0, top))
            top += pair.size[1] + 10
        ids = [entry["id"] for entry, _ in group]
        sheet.save(sheets / f"sheet_{ids[0]:03d}-{ids[-1]:03d}.png")
    print(f"{len(pairs)} photos on {-(-len(pairs) // PER_SHEET)} sheets in {sheets}")


def accept(realphotos: Path, parts: list[Path], out: Path, model_name: str) -> None:
    from productgen.cutout.network import load_cutout

    model = load_cutout(model_name).fused()
    out.mkdir(parents=True, exist_ok=True)
    rows, record = [], []
    for part in parts:
        for entry in json.loads(part.read_text()):
            record.append(entry)
            if entry["status"] != "ok":
                continue
            photo = np.asarray(Image.open(realphotos / entry["file"]).convert("RGB"))
            product = product_mask(photo, entry, model)
            name = entry["file"].replace("images/", "").replace("/", "__").rsplit(".", 1)[0] + ".png"
            Image.fromarray(product.astype(np.uint8) * 255).convert("1").save(out / name, optimize=True)
            tools = [key for key in ("keep", "remove", "erase", "restore") if entry.get(key)]
            rows.append({"file": entry["file"], "mask": name, "kind": entry["kind"], "split": entry["split"],
                         "tools": "+".join(tools) or "none", "note": entry.get("note", "")})
    rows.sort(key=lambda row: row["file"])
    with open(out / "real_masks.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["file", "mask", "kind", "split", "tools", "note"])
        writer.writeheader()
        writer.writerows(rows)
    # every photo looked at, with its corrections and verdict: ``render`` remakes the masks from it
    (out / "corrections.json").write_text(json.dumps(sorted(record, key=lambda entry: entry["id"]), indent=0))
    held = sum(row["split"] == "held_out" for row in rows)
    print(f"{len(rows)} masks ({held} held out) in {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("pick")
    one.add_argument("--realphotos", required=True, type=Path)
    one.add_argument("--parts", type=int, default=8)
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--out", required=True, type=Path)
    one.add_argument("--quota", type=json.loads, help='photos per kind as JSON, e.g. {"Shoes": 10} (default QUOTA)')
    one.add_argument("--exclude", nargs="*", default=[], type=Path, help="part files whose photos are taken")
    one.add_argument("--first-part", type=int, default=1)
    one.add_argument("--first-id", type=int, default=0)
    two = commands.add_parser("render")
    two.add_argument("--realphotos", required=True, type=Path)
    two.add_argument("--part", required=True, type=Path)
    two.add_argument("--model", required=True, help="the cut-out model the masks are made with (pin it: the masks "
                                                    "are its answer with the corrections)")
    three = commands.add_parser("accept")
    three.add_argument("--realphotos", required=True, type=Path)
    three.add_argument("--parts", required=True, nargs="+", type=Path)
    three.add_argument("--out", required=True, type=Path)
    three.add_argument("--model", required=True, help="the same model as render's")
    args = parser.parse_args()
    if args.command == "pick":
        pick(args.realphotos, args.parts, args.out, args.seed, args.quota, args.exclude, args.first_part,
             args.first_id)
    elif args.command == "render":
        render(args.realphotos, args.part, args.model)
    else:
        accept(args.realphotos, args.parts, args.out, args.model)


if __name__ == "__main__":
    main()
