"""Model cards: the README.md beside every model's weights (data, command, time, device, measured quality)."""
from __future__ import annotations

from pathlib import Path

from .weights import atomic_write, read_json

CATALOGUE_SOURCE = ('"Fashion Product Images (Small)" by Param Aggarwal (Kaggle), scraped from the Myntra catalogue; '
                    "a subset of 8,583 photos with the labels of its styles.csv")


def generator_card(model_dir: str | Path, quality: str = "", data_source: str | None = None,
                   notes: str = "") -> Path:
    """Write ``README.md`` for a generator folder from its ``config.json`` and a quality section.

    The data source is ``data_source``, else the one the config records (``training.data_source``), else the
    catalogue for a model trained from scratch; a fine-tuned model is never described as trained on the
    catalogue. Without ``notes``, the ``## Notes`` section of the card already there (human-written history)
    is kept."""
    model_dir = Path(model_dir)
    if not notes:
        notes = existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    if data_source is None:
        data_source = training.get("data_source") or (
            "the model owner's own product photos (not recorded)" if training.get("finetune") else CATALOGUE_SOURCE)
    hours = training.get("seconds", 0) / 3600
    side = architecture.get("image_size", 64)
    dtype = training.get("options", {}).get("weights_dtype", "float16")
    lines = [
        f"# {model_dir.name}: class-conditional product image generator ({side}x{side})", "",
        "Generates AI product images for these categories: " + ", ".join(architecture.get("categories", [])) + ".",
        "Every PNG it saves through productgen is marked as AI-generated (PNG text chunks).", "",
        "## Training", "",
        f"- Data: {data_source}.",
        f"- Images: {training.get('data', 'n/a')}.",
        f"- Command: `{training.get('command', 'n/a')}`" + (f" (fine-tuned from `{training['base']}`)"
                                                          if training.get("base") else ""),
        f"- Steps: {training.get('step', 0):,}; images shown: {training.get('images_seen', 0):,}; "
        f"time: {hours:.2f} h on {training.get('device', 'cpu')}.",
        f"- Network: generator width {architecture.get('generator_width')}, discriminator width "
        f"{architecture.get('discriminator_width')}, z {architecture.get('z_dim')}; weights stored as {dtype}.",
        "", "## Quality", "", quality or "Not measured yet.", "",
    ]
    return write_card(model_dir, lines, notes)


def write_card(model_dir: Path, lines: list[str], notes: str = "") -> Path:
    """``README.md`` of a model folder: ``lines``, then a ``## Notes`` section when there are notes."""
    if notes:
        lines = lines + ["## Notes", "", notes, ""]
    text = "\n".join(lines)
    atomic_write(model_dir / "README.md", lambda tmp: Path(tmp).write_text(text))
    return model_dir / "README.md"


def existing_notes(card: Path) -> str:
    """The text under ``## Notes`` in a card (up to the next ``## `` heading), or ""."""
    if not card.is_file():
        return ""
    text = card.read_text()
    if "\n## Notes\n" not in text:
        return ""
    notes = text.split("\n## Notes\n", 1)[1]
    return notes.split("\n## ", 1)[0].strip()


def classifier_card(model_dir: str | Path, extra: str = "") -> Path:
    """Write ``README.md`` for the product classifier from its ``config.json`` (held-out numbers included),
    with ``extra`` (e.g. the output of ``bench/recognise.py``) at the end; the card's existing ``## Notes``
    are kept."""
    from .recognise_data import REAL_TYPES

    model_dir = Path(model_dir)
    notes = existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    held_out = training.get("held_out", {})
    categories = architecture.get("categories", [])
    real = "realphotos" in training.get("command", "")

    def accuracy(name: str, report: dict) -> str:
        if "top1" not in report:
            return f"- {name}: called unknown {report['unknown']:.1%} of {report['photos']} photos"
        return (f"- {name}: top-1 {report['top1']:.1%}, top-3 {report['top3']:.1%} of {report['photos']} photos "
                f"(choosing among all {len(categories)} types); called unknown {report['unknown']:.1%}")

    lines = [
        f"# {model_dir.name}: product classifier (article type, gender, main colour; "
        f"{architecture.get('image_size', 64)}x{architecture.get('image_size', 64)})", "",
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
        lines += [
            f"- **Unknown**: a photo is `unknown` when the model's certainty (1 - entropy / log {len(categories)} "
            f"of the type probabilities) is below {architecture['unknown_below']}"
            + (f", or when its features lie far from every known type's: a relative Mahalanobis distance (to the "
               f"nearest type's mean, less that to all photos' mean, one spread shared by the types; "
               f"`feature_stats.safetensors`, from {calibration.get('feature_stats_photos', 'n/a')} training "
               f"photos) above {far}" if far is not None else "")
            + f". Together they call {calibration.get('share', 0):.1%} of the "
            f"{calibration.get('calibration_photos', 'n/a')} real photos of the calibration senders (never trained "
            "on) unknown; photos of none of our types were trained towards an even spread (outlier exposure)."]
    lines += ["", "## Training", "", f"- Data: {CATALOGUE_SOURCE}. The 1,285 photos of "
              "`productgen/splits/products_val_ids.txt` (15% of every type, seed 0) are held out."]
    if real:
        lines += [
            "- Real phone photos and surfaces (same sources and splits as the cut-out model):", CUTOUT_SOURCES,
            "- Real photos' labels become the set of our types they allow: " + "; ".join(
                f"{label} → {' / '.join(types)}" for label, types in REAL_TYPES.items()) + ". `Other` is not used. "
            "Grocery cartons (23 products; 8 more held out) and 1,500 drawn objects are outliers. The catalogue's "
            "non-fashion photos (perfume, deodorant, umbrellas, balls) are never trained on: they test unknown.",
            "- Clothing senders of `realphotos/` are split three ways: `productgen/splits/realphotos_val_files.txt` "
            "(held out), a calibration share (12% of the other senders: sets the unknown threshold), the rest "
            "trains. Catalogue photos get a phone look in training: a band of real surface at the cut-out's "
            "edge (sometimes the whole backdrop), zoom, rotation, colour casts, blur and noise.",
        ]
    else:
        lines += [f"- Images: {training.get('data', 'n/a')}."]
    lines += [f"- Command: `{training.get('command', 'n/a')}` ({training.get('epochs')} epochs, "
              f"{training.get('seconds', 0) / 60:.0f} minutes on {training.get('threads', 'n/a')} CPU threads).",
              "", f"## Held-out numbers (from training, on the cached {architecture.get('image_size', 64)} px "
              "cut-outs)", ""]
    if held_out and "photos" in next(iter(held_out.values()), {}):
        lines += [accuracy(name, report) for name, report in held_out.items()]
    elif held_out:
        lines += [f"- All types: top-1 {held_out['top1']:.1%}, top-3 {held_out['top3']:.1%} on "
                  f"{held_out['photos']} held-out photos"]
    lines += [""]
    if extra:
        lines += [extra, ""]
    return write_card(model_dir, lines, notes)


CUTOUT_SOURCES = """- Products: the catalogue photos above (their backdrop is white: each mask comes from the
  flood fill); the 1,285 photos of `productgen/splits/products_val_ids.txt` are held out.
- Surfaces: `backgrounds/` of the shared data, 292 photos of surfaces (CC0 1.0, CC BY 3.0, MIT), split by
  `group` (a tenth of the groups held out). Attribution: "terrains_rock_pack_01" by Christian Femmer (Duion),
  licensed CC BY 3.0 (https://creativecommons.org/licenses/by/3.0/), cropped and resized; Torque3D example
  terrain textures, Copyright (c) 2012-2016 GarageGames, LLC, MIT licence; courtesy credits (CC0): Poly Haven,
  ambientCG, Nobiax / Yughues, Christian Femmer (Duion) for the Uebergame textures.
- Real surfaces and, for self-training, real photos: `realphotos/` of the shared data, split by `sender_id`
  (grocery by product; 15% held out, never used in training): *Clothing dataset* by Alexey Grigorev and
  contributors (including Tagias.com and the people who sent their photos), CC0 1.0,
  https://github.com/alexeygrigorev/clothing-dataset; *Grocery Store Dataset*: M. Klasson, C. Zhang,
  H. Kjellström, "A Hierarchical Grocery Store Image Dataset with Visual and Semantic Labels", WACV 2019,
  https://github.com/marcusklasson/GroceryStoreDataset, MIT licence, Copyright (c) 2019 Marcus Klasson.
  The middles of the train products' grocery photos also print some of the drawn packages (`--package-share`)."""


def cutout_card(model_dir: str | Path, quality: str, notes: str = "") -> Path:
    """Write ``README.md`` for the cut-out model from its ``config.json``, a quality section and notes (the
    card's existing ``## Notes`` are kept when ``notes`` is empty)."""
    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    data = training.get("data", "n/a")
    if isinstance(data, dict):
        data = ", ".join(f"{key.replace('_', ' ')} {value:,}" if type(value) is int else
                         f"{key.replace('_', ' ')} {value}" for key, value in data.items())
    lines = [
        f"# {model_dir.name}: product cut-out (segmentation) model", "",
        "Returns the product's alpha mask for any photo, at the photo's size: a U-Net with a depthwise-separable "
        f"encoder (widths {architecture.get('widths')}, decoder {architecture.get('decoder_width')}) sees the "
        f"photo at {architecture.get('input_side')} px on its longer side; a fast guided filter lifts the mask to "
        "full resolution along the photo's own edges. Trained from scratch here (no downloaded backbone); "
        "weights stored as float16.", "",
        "## Training", "",
        f"- Data: {CATALOGUE_SOURCE}, composited onto surfaces (see below). Pictures: {data}.",
        CUTOUT_SOURCES,
        f"- Command: `{training.get('command', 'n/a')}`",
        f"- Steps: {run_length(training)} (batch {training.get('options', {}).get('batch_size')}, "
        f"{training.get('options', {}).get('side')} px composites) on 2 CPU cores.", "",
        "## Quality", "", quality or "Not measured yet.", "",
    ]
    return write_card(model_dir, lines, notes)


def run_length(training: dict) -> str:
    """Steps and time of a run, counting the model it started from (``train-cutout --start-from``) if any."""
    step, hours = training.get("step", 0), training.get("seconds", 0) / 3600
    earlier = training.get("started_from") or {}
    if not earlier.get("step"):
        return f"{step:,}; time: {hours:.2f} h"
    before, before_hours = earlier["step"], (earlier.get("seconds") or 0) / 3600
    return (f"{step:,} in the last run ({hours:.2f} h), started from `{earlier.get('model')}` "
            f"({before:,} steps, {before_hours:.2f} h): {step + before:,} steps, {hours + before_hours:.2f} h in all")


REALPHOTOS_SOURCE = """`realphotos/` of the shared data, split by `sender_id` (grocery by product; the 15% held out
  for the cut-out model are held out here too and used only by `bench/upscale.py`): *Clothing dataset* by Alexey
  Grigorev and contributors (including Tagias.com and the people who sent their photos), CC0 1.0,
  https://github.com/alexeygrigorev/clothing-dataset; *Grocery Store Dataset*: M. Klasson, C. Zhang,
  H. Kjellström, "A Hierarchical Grocery Store Image Dataset with Visual and Semantic Labels", WACV 2019,
  https://github.com/marcusklasson/GroceryStoreDataset, MIT licence, Copyright (c) 2019 Marcus Klasson."""


def upscale_card(model_dir: str | Path, quality: str, notes: str = "") -> Path:
    """Write ``README.md`` for the x4 upscaler from its ``config.json``, a quality section and notes (the card's
    existing ``## Notes`` are kept when ``notes`` is empty)."""
    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    options = training.get("options", {})
    data = training.get("data", {})
    lines = [
        f"# {model_dir.name}: x{architecture.get('scale')} upscaler (super-resolution)", "",
        f"Enlarges an image {architecture.get('scale')} times and draws the detail a plain resize smears: "
        f"{architecture.get('convs')} 3x3 convolutions of {architecture.get('channels')} channels with PReLU at the "
        "small image's resolution, a pixel shuffle, added to a bilinear enlargement (in the spirit of "
        "Real-ESRGAN's compact model). Trained from scratch here (no downloaded backbone or VGG); weights stored "
        "as float16. Used by Generate (256-1024 px), Enhance (products enlarged more than 1.5x) and "
        "`python -m productgen upscale`.", "",
        "## Training", "",
        f"- Data: {training.get('patches', 0):,} patches ({160} px) of {data.get('realphotos_train', 0):,} real "
        f"phone photos; {data.get('realphotos_held_out', 0):,} photos held out. Source: {REALPHOTOS_SOURCE}",
        "- Pairs: each patch is the target; its input is the patch made 4x smaller with an optional blur, one of "
        "four kernels (area, bilinear, bicubic, Lanczos; sometimes in two steps), camera noise and JPEG "
        "(`superres_training.degrade`).",
        ("- Losses: from the model it started from (trained with L1 alone first), " if not options.get("l1_steps")
         else f"- Losses: L1 alone for {options.get('l1_steps', 0):,} steps, then ")
        + f"L1 + {options.get('feature_weight')} x "
        "feature L1 (the first two blocks of our own product classifier, `weights/classifier`) + "
        f"{options.get('adversarial_weight')} x adversarial (a small spectral-norm patch discriminator)"
        + (f" + {options['texture_weight']} x texture (local detail, the softened Laplacian's RMS in 8x8 cells, "
           "matched to the target's: `superres_training.texture_loss`)" if options.get("texture_weight") else "")
        + (f" + {options['grid_weight']} x grid (a fixed 4 px stamp in the output's spectrum: "
           "`superres_training.grid_loss`)" if options.get("grid_weight") else "")
        + (f" + {options['phase_weight']} x phase (fine detail that depends on the position in a 4x4 block more "
           "than in the target: `superres_training.phase_loss`)" if options.get("phase_weight") else "")
        + f"; the weights shipped are an exponential moving average ({options.get('ema')}).",
        f"- Command: `{training.get('command', 'n/a')}`",
        f"- Steps: {run_length(training)} (batch {options.get('batch_size')}, {options.get('side')} px "
        "targets) on 2 CPU cores.", "",
        "## Quality", "", quality or "Not measured yet.", "",
    ]
    return write_card(model_dir, lines, notes)
