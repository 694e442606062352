"""Where a phone photo's tag may pass without "check": how often the "ok" answers are right at each top-1
probability, on the real photos of the calibration senders (never trained on: they set the threshold) and of
the held-out senders (never trained on or tuned on), from the cut-outs cached by ``train-classifier`` or
``calibrate-classifier`` (``--cache``; made with the cut-out model that was shipped when it was written).

    python bench/recognise_threshold.py --cache runs/recognise-cache-96.pt [--classifier classifier] \
        [--precision 0.95]

``recognise.pipeline.UNSURE_BELOW_PHONE`` is the lowest threshold at which the calibration senders' "ok" answers are
right at least ``--precision`` of the time: a confident wrong tag goes into a listing, a "check" costs the
merchant a look.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productgen.recognise.data import evaluation_sets, load_cache  # noqa: E402
from productgen.recognise.network import load_classifier, predict  # noqa: E402
from productgen.recognise.pipeline import UNSURE_BELOW_PHONE  # noqa: E402

THRESHOLDS = (0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", required=True, help="cut-out photos cached by train/calibrate-classifier")
    parser.add_argument("--classifier", default="classifier")
    parser.add_argument("--min-per-category", type=int, default=40, help="as the classifier was trained with")
    parser.add_argument("--precision", type=float, default=0.95, help="share of 'ok' answers that must be right")
    args = parser.parse_args()
    if not Path(args.cache).is_file():
        sys.exit(f"no cache at {args.cache}: `python -m productgen calibrate-classifier ... --cache FILE` makes it")
    model = load_classifier(args.classifier)
    cache = load_cache(args.cache, args.min_per_category, model.config.image_size)
    print(f"shipped threshold (recognise.pipeline.UNSURE_BELOW_PHONE): {UNSURE_BELOW_PHONE}")
    for split in ("calibration", "validation"):
        real = evaluation_sets(cache, model.config.categories, split)["real"]
        outputs = predict(model, real["images"])
        unknown = model.unknown(outputs)
        probability, top = outputs["category"].max(1)
        right = real["targets"].gather(1, top[:, None])[:, 0] > 0
        name = "calibration senders" if split == "calibration" else "held-out senders"
        print(f"{name}: {len(right)} photos, top-1 {right.float().mean():.1%}, unknown {unknown.float().mean():.1%}")
        chosen = None
        for threshold in THRESHOLDS:
            ok = ~unknown & (probability >= threshold)
            answered, wrong = int(ok.sum()), int((ok & ~right).sum())
            share = (answered - wrong) / answered if answered else 1.0
            print(f"  at {threshold:.2f}: {ok.float().mean():.1%} ok, {share:.1%} of them right "
                  f"({wrong} confident wrong tags of {len(right)} photos)")
            if chosen is None and answered - wrong >= args.precision * answered - 1e-9:
                chosen = threshold
        if split == "calibration":
            print(f"  lowest threshold with {args.precision:.0%} of 'ok' right: {chosen}")


if __name__ == "__main__":
    main()
