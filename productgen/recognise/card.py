"""The classifier's model card, written through store.cards.write_card."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from productgen.store import cards
from productgen.store.weights import read_json


def classifier_card(model_dir: str | Path, extra: str = "", rows: Sequence[Sequence[str]] = (),
                    limitations: str = "", notes: str = "") -> Path:
    """Write ``README.md`` for the product classifier from its ``config.json``.

    Its evaluation table holds the held-out numbers measured in training (config.json's ``training["held_out"]``),
    then ``rows`` (set, photos, top-1, top-3, answered unknown: e.g. the whole pipeline's numbers from
    ``bench/recognise.py`` and its baselines), then ``extra`` below it. The card's existing ``## Limitations`` and
    ``## Notes`` are kept when not given."""
    from productgen.recognise.data import REAL_TYPES

    model_dir = Path(model_dir)
    notes = notes or cards.existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    held_out = training.get("held_out", {})
    categories = architecture.get("categories", [])
    side = architecture.get("image_size", 64)
    real = "realphotos" in training.get("command", "")
    intro = [
        "Tags merchants' photos in the Recognise tab and provides the feature space in which productgen "
        "measures its generators (FID, KID, precision/recall, class-consistency, spread). Recognise cuts the "
        "product out first (`weights/cutout`) and shows the classifier the product on white, framed as the "
        "catalogue photos are.", "",
        f"- Article types ({len(categories)}): {', '.join(categories)}.",
        f"- Genders: {', '.join(architecture.get('genders', []))}. Main colours "
        f"({len(architecture.get('colours', []))}): {', '.join(architecture.get('colours', []))}.",
        f"- Network: residual CNN, widths {architecture.get('widths')}; weights stored as float16.",
    ]
    if architecture.get("unknown_below"):
        calibration = training.get("unknown_below", {})
        far = architecture.get("unknown_far_above")
        intro += [
            f"- **Unknown**: a photo is `unknown` when the model's certainty (1 - entropy / log {len(categories)} "
            f"of the type probabilities) is below {architecture['unknown_below']}"
            + (f", or when its features lie far from every known type's: a relative Mahalanobis distance (to the "
               f"nearest type's mean, less that to all photos' mean, one spread shared by the types; "
               f"`feature_stats.safetensors`, from {calibration.get('feature_stats_photos', 'n/a')} training "
               f"photos) above {far}" if far is not None else "")
            + f". Together they call {calibration.get('share', 0):.1%} of the "
            f"{calibration.get('calibration_photos', 'n/a')} real photos of the calibration senders (never trained "
            "on) unknown; photos of none of our types were trained towards an even spread (outlier exposure)."]
    data = [f"Catalogue: {cards.CATALOGUE_SOURCE}; {cards.HELD_OUT_PRODUCTS}."]
    if real:
        data += [
            "Real phone photos: " + cards.REALPHOTOS_SOURCE + ". Clothing senders are split three ways: "
            "`productgen/splits/realphotos_val_files.txt` (held out), a calibration share (12% of the other senders: "
            "sets the unknown threshold), the rest trains.",
            "Surfaces (the phone look of the catalogue photos: a band of real surface at the cut-out's edge, "
            "sometimes the whole backdrop, zoom, rotation, colour casts, blur and noise): " + cards.BACKGROUNDS_SOURCE
            + "; and corners of the real photos above (same splits as the cut-out model).",
            "Real photos' labels become the set of our types they allow: " + "; ".join(
                f"{label} → {' / '.join(types)}" for label, types in REAL_TYPES.items()) + ". `Other` is not used. "
            "Grocery cartons (23 products; 8 more held out) and 1,500 drawn objects are outliers. The catalogue's "
            "non-fashion photos (perfume, deodorant, umbrellas, balls) are never trained on: they test unknown."]
    else:
        data += [f"Images: {training.get('data', 'n/a')}."]
    train = [f"Command: `{training.get('command', 'n/a')}` ({training.get('epochs')} epochs, "
             f"{training.get('seconds', 0) / 60:.0f} minutes on {training.get('threads', 'n/a')} CPU threads)."]
    if training.get("calibrated"):
        train += [f"Unknown thresholds and feature statistics set afterwards (the weights unchanged): "
                  f"`{training['calibrated']}`."]

    def percent(report: dict, key: str) -> str:
        return f"{report[key]:.1%}" if key in report else ""

    table = ["| photos never trained on | photos | top-1 | top-3 | answered unknown |", "|---|---|---|---|---|"]
    if held_out and "photos" in next(iter(held_out.values()), {}):
        table += [f"| {name} (from training) | {report['photos']:,} | {percent(report, 'top1')} | "
                  f"{percent(report, 'top3')} | {percent(report, 'unknown')} |" for name, report in held_out.items()]
    elif held_out:
        table += [f"| all types (from training) | {held_out['photos']:,} | {percent(held_out, 'top1')} | "
                  f"{percent(held_out, 'top3')} | |"]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    evaluation = (f"Top-1 and top-3 choose among all {len(categories)} types. \"From training\": measured when it "
                  f"was trained, on the cached {side} px cut-outs.\n\n" + "\n".join(table))
    if extra:
        evaluation += "\n\n" + extra.strip()
    sections = {
        "Intended use": cards.bullets(
            "**For**: suggesting a product photo's type, gender and main colour (titles, alt text and tags a "
            "merchant checks before use: the Recognise tab, `python -m productgen tag`), answering `unknown` for "
            "photos of none of its types, and the feature space productgen measures its generators in.",
            "**Not for (out of scope)**: decisions without a person checking the answer; types not listed above; "
            "people (the gender is the product's intended wearer as the catalogue labels it, never a person's); "
            "comparing generator numbers measured in another classifier's features."),
        "How to use": cards.code(
            "from productgen.recognise.network import load_classifier\nfrom productgen.io.images import open_image\n"
            "from productgen.recognise.pipeline import recognise\n\n"
            f'result = recognise(open_image("photo.jpg"), load_classifier("{model_dir.name}"))  # folder or name\n'
            "print(result.category, result.status, result.categories, result.title)  # unknown / check / ok",
            f"python -m productgen tag photos/ --classifier {model_dir.name} --csv tags.csv"),
        "Training data": cards.bullets(*data),
        "Training": cards.bullets(*train),
        "Evaluation": evaluation,
        "Limitations": cards.kept(model_dir, "Limitations", limitations, cards.bullets(
            "Its answers are suggestions: an unsure answer says \"check\", and a photo of a type it does not know is "
            "`unknown` at best, or taken for the nearest known type.")),
    }
    title = f"{model_dir.name}: product classifier (article type, gender, main colour; {side}x{side})"
    return cards.write_card(model_dir, "classifier", title, "\n".join(intro), sections, notes)
