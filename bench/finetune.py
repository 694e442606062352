"""Fine-tuning vs training from scratch on a category the base model has never seen, at equal CPU time.

    python bench/finetune.py --data ../shared/data/products [--category Trousers] [--minutes 10]

Takes ``--photos`` catalogue photos of the category from the training split to
tune on, and measures on the category's other photos (held-out split included),
which neither run sees. Both runs train at the same time, one thread each. Prints
FID and KID (classifier features) of the base model (its closest category), the
fine-tune and the scratch run, the ratios, and writes a sample sheet.
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from productgen.gan.metrics import frechet_distance, generate_for_metrics, kernel_distance  # noqa: E402
from productgen.gan.sampling import image_grid, load_generator, tensor_to_images  # noqa: E402
from productgen.io.datasets import load_product_images  # noqa: E402
from productgen.recognise.network import load_classifier, predict  # noqa: E402

SPLIT = ROOT / "productgen" / "splits" / "products_val_ids.txt"


def split_photos(data: Path, category: str, count: int, work: Path) -> tuple[Path, Path]:
    """Folders tune/<category>/ (``count`` training-split photos) and measure/<category>/ (the rest)."""
    held_out = set(SPLIT.read_text().split())
    rows = [r for r in csv.DictReader(open(data / "labels.csv", encoding="utf-8")) if r["articleType"] == category]
    train = [r["id"] for r in rows if r["id"] not in held_out]
    if len(train) <= count:
        raise SystemExit(f"{category} has only {len(train)} training photos; lower --photos")
    for folder, ids in (("tune", train[:count]), ("measure", train[count:] + [r["id"] for r in rows
                                                                               if r["id"] in held_out])):
        target = work / folder / category
        target.mkdir(parents=True, exist_ok=True)
        for photo_id in ids:
            link = target / f"{photo_id}.jpg"
            if not link.exists():
                link.symlink_to((data / "images" / f"{photo_id}.jpg").resolve())
    return work / "tune", work / "measure"


def train_both(tune: Path, work: Path, minutes: float, base: str) -> None:
    common = ["--data", str(tune), "--aspect", "3:4", "--min-per-category", "8", "--minutes", str(minutes),
              "--threads", "1"]
    runs = {"finetune": [sys.executable, "-m", "productgen", "finetune", "--start-from", base, *common,
                         "--out", str(work / "finetune")],
            "scratch": [sys.executable, "-m", "productgen", "train", *common, "--out", str(work / "scratch")]}
    processes = []
    for name, command in runs.items():
        log = open(work / f"{name}.log", "w")
        processes.append(subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
    if any(process.wait() for process in processes):
        raise SystemExit(f"a run failed: see {work}/*.log")


def scores(classifier, fake: torch.Tensor, real_features) -> tuple[float, float]:
    features = predict(classifier, fake)["features"].double().numpy()
    return frechet_distance(real_features, features), kernel_distance(real_features, features, 20, len(real_features))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder with images/ and labels.csv")
    parser.add_argument("--category", default="Trousers", help="a category the base model does not know")
    parser.add_argument("--photos", type=int, default=100, help="photos to fine-tune on")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--base", default=str(ROOT / "weights" / "default"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/productgen-bench-finetune"))
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(2)
    tune, measure = split_photos(args.data, args.category, args.photos, args.work)
    if not args.skip_train:
        train_both(tune, args.work, args.minutes, args.base)
    classifier = load_classifier()
    real = load_product_images(measure, aspect=0.75, min_per_category=8)
    real_features = predict(classifier, real.images)["features"].double().numpy()
    base = load_generator(args.base)
    base_fake, _ = generate_for_metrics(base, args.samples, 1.0)
    base_scores = {name: scores(classifier, base_fake[i * args.samples:(i + 1) * args.samples], real_features)
                   for i, name in enumerate(base.categories)}
    closest = min(base_scores, key=lambda name: base_scores[name][0])
    results = {f"base ({closest})": base_scores[closest]}
    sheets = []
    for name in ("finetune", "scratch"):
        generator = load_generator(args.work / name)
        fake, _ = generate_for_metrics(generator, args.samples, 1.0)
        results[name] = scores(classifier, fake, real_features)
        sheets += tensor_to_images(fake[:8])
        print(f"{name}: {generator.info.get('step')} steps, {generator.info.get('images_seen')} images shown")
    sheets += tensor_to_images(real.images[:8])
    print(f"measured against {len(real)} unseen {args.category} photos, {args.samples} samples each:")
    for name, (fid, kid) in results.items():
        print(f"  {name:<24} FID {fid:7.1f}   KID x1000 {kid * 1000:7.1f}")
    tuned, scratch, base_fid = results["finetune"][0], results["scratch"][0], results[f"base ({closest})"][0]
    print(f"FID ratios: fine-tuned / base = {tuned / base_fid:.2f}, fine-tuned / scratch = {tuned / scratch:.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    image_grid(sheets, columns=8).save(out / "finetune_samples.png")
    print(f"samples (rows: fine-tuned, scratch, real): {out / 'finetune_samples.png'}")


if __name__ == "__main__":
    main()
