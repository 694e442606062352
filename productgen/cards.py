"""Model cards: the README.md beside every model's weights, written as Hugging Face Hub cards.

Every card is written by ``write_card`` and starts with the YAML front matter of ``hub_header`` (licence,
library, tags, the Hub task), so ``python -m productgen push`` uploads a card the Hub reads as it is. Its body has
the same sections in the same order (``SECTIONS``): what the model is for and not for, how to use it, the data it
was trained on with attribution, how it was trained (command, steps, hours), one evaluation table against its
baselines, its limitations, and optional hand-written notes. A card holds what is true of the model in its folder:
runs that were not shipped belong in git history, not in the card."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from .weights import atomic_write, read_json

LICENSE = "mit"  # the project's licence (pyproject.toml); the weights are released under it too
LIBRARY = "productgen"
BASE_TAGS = ("productgen", "pytorch", "safetensors")
# kind (config.json's "kind") -> its own tags and the Hub task it does; no Hub task fits a class-conditional GAN
# honestly (it is neither unconditional nor text-to-image), so the generator has none
KINDS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "generator": (("gan", "image-generation", "class-conditional"), None),
    "classifier": (("image-classification",), "image-classification"),
    "cutout": (("image-segmentation", "background-removal"), "image-segmentation"),
    "upscaler": (("super-resolution", "image-to-image"), "image-to-image"),
}
SECTIONS = ("Intended use", "How to use", "Training data", "Training", "Evaluation", "Limitations", "Notes")
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")

CATALOGUE_SOURCE = ('"Fashion Product Images (Small)" by Param Aggarwal (Kaggle), scraped from the Myntra catalogue; '
                    "a subset of 8,583 photos with the labels of its styles.csv")
HELD_OUT_PRODUCTS = ("the 1,285 photos of `productgen/splits/products_val_ids.txt` (15% of every type, seed 0) are "
                     "held out")
BACKGROUNDS_SOURCE = (
    "`backgrounds/` of the shared data, 292 photos of surfaces (CC0 1.0, CC BY 3.0, MIT), split by `group` (a tenth "
    'of the groups held out). Attribution: "terrains_rock_pack_01" by Christian Femmer (Duion), licensed CC BY 3.0 '
    "(https://creativecommons.org/licenses/by/3.0/), cropped and resized; Torque3D example terrain textures, "
    "Copyright (c) 2012-2016 GarageGames, LLC, MIT licence; courtesy credits (CC0): Poly Haven, ambientCG, "
    "Nobiax / Yughues, Christian Femmer (Duion) for the Uebergame textures")
REALPHOTOS_SOURCE = (
    "`realphotos/` of the shared data, split by `sender_id` (grocery by product; 15% held out, never used in "
    "training): *Clothing dataset* by Alexey Grigorev and contributors (including Tagias.com and the people who sent "
    "their photos), CC0 1.0, https://github.com/alexeygrigorev/clothing-dataset; *Grocery Store Dataset*: "
    'M. Klasson, C. Zhang, H. Kjellström, "A Hierarchical Grocery Store Image Dataset with Visual and Semantic '
    'Labels", WACV 2019, https://github.com/marcusklasson/GroceryStoreDataset, MIT licence, Copyright (c) 2019 '
    "Marcus Klasson")


def hub_header(kind: str, datasets: Sequence[str] = (), tags: Sequence[str] = (),
               pipeline_tag: str | None = None) -> str:
    """The YAML front matter every card starts with (between ``---`` lines, newline-terminated): ``license``,
    ``library_name``, ``tags`` (productgen, pytorch, safetensors, the kind's own and ``tags``), ``pipeline_tag``
    (``pipeline_tag``, else the kind's Hub task; left out where none fits) and ``datasets`` when given. The Hub
    reads ``datasets`` as Hub dataset ids: data that is not on the Hub is credited in the card's body instead, so a
    free-text name here is refused."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    for name in datasets:
        if not HUB_ID.fullmatch(name):
            raise ValueError(f"datasets holds Hub dataset ids (owner/name), not {name!r}: credit other data in the "
                             "card's body")
    kind_tags, task = KINDS[kind]
    lines = ["---", f"license: {LICENSE}", f"library_name: {LIBRARY}", "tags:"]
    lines += [f"- {yaml_string(tag)}" for tag in dict.fromkeys((*BASE_TAGS, *kind_tags, *tags))]
    if pipeline_tag or task:
        lines.append(f"pipeline_tag: {yaml_string(pipeline_tag or task)}")
    if datasets:
        lines += ["datasets:"] + [f"- {yaml_string(name)}" for name in datasets]
    return "\n".join(lines + ["---"]) + "\n"


def yaml_string(text: str) -> str:
    """``text`` as a YAML scalar: plain when it is a simple word, else double-quoted (JSON's quoting is YAML's)."""
    return text if re.fullmatch(r"[A-Za-z0-9][\w./-]*", text) else json.dumps(text, ensure_ascii=False)


def write_card(model_dir: Path, kind: str, title: str, intro: str, sections: dict[str, str],
               notes: str = "") -> Path:
    """``README.md`` of a model folder, the one code path every card goes through: ``hub_header(kind)``, the
    title and ``intro``, then ``sections`` (heading -> markdown) in the order of ``SECTIONS``, then ``## Notes``
    when there are notes. Every section but the notes is required."""
    sections = {**sections, "Notes": notes}
    missing = [heading for heading in SECTIONS[:-1] if not sections.get(heading, "").strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if missing or unknown:
        raise ValueError(f"a card needs the sections {', '.join(SECTIONS[:-1])}; missing {missing}, unknown {unknown}")
    lines = [f"# {title}", "", intro.strip(), ""]
    for heading in SECTIONS:
        if sections[heading].strip():
            lines += [f"## {heading}", "", sections[heading].strip(), ""]
    text = hub_header(kind) + "\n" + "\n".join(lines)
    atomic_write(model_dir / "README.md", lambda tmp: Path(tmp).write_text(text))
    return model_dir / "README.md"


def existing_section(card: Path, heading: str) -> str:
    """The text under ``## heading`` in a card (up to the next ``## `` heading), or ""."""
    if not card.is_file():
        return ""
    text = card.read_text()
    marker = f"\n## {heading}\n"
    if marker not in text:
        return ""
    return text.split(marker, 1)[1].split("\n## ", 1)[0].strip()


def existing_notes(card: Path) -> str:
    """The text under ``## Notes`` in a card, or "". A rewrite of a card keeps only its hand-written sections, the
    notes and the limitations (``kept``); everything else is written again from the config and the arguments. So
    what those two sections hold is all that comes back: keep them to what is true of the model in the folder."""
    return existing_section(card, "Notes")


def kept(model_dir: Path, heading: str, given: str, default: str) -> str:
    """A hand-written section: ``given``, else the one the card already has, else ``default``."""
    return given or existing_section(model_dir / "README.md", heading) or default


def code(python: str, shell: str) -> str:
    """The "How to use" section: a Python example and the same from the command line."""
    return f"```python\n{python.strip()}\n```\n\nFrom the command line:\n\n```bash\n{shell.strip()}\n```"


def bullets(*items: str) -> str:
    return "\n".join(f"- {item}" for item in items if item)


def generator_card(model_dir: str | Path, quality: str = "", data_source: str | None = None,
                   notes: str = "", limitations: str = "") -> Path:
    """Write ``README.md`` for a generator folder from its ``config.json`` and a quality section.

    The data source is ``data_source``, else the one the config records (``training.data_source``), else the
    catalogue for a model trained from scratch; a fine-tuned model is never described as trained on the
    catalogue. Without ``notes`` (``limitations``), the card's existing ``## Notes`` (``## Limitations``) are kept."""
    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    if data_source is None:
        data_source = training.get("data_source") or (
            "the model owner's own product photos (not recorded)" if training.get("finetune") else CATALOGUE_SOURCE)
    hours = training.get("seconds", 0) / 3600
    side = architecture.get("image_size", 64)
    dtype = training.get("options", {}).get("weights_dtype", "float16")
    categories = architecture.get("categories", [])
    example = categories[0] if categories else "Watches"
    intro = ("Generates AI product images for these categories: " + ", ".join(categories) + ". A class-conditional "
             f"GAN drawing {side}x{side} px images, trained with productgen. Every PNG it saves through "
             "productgen is marked as AI-generated (PNG text chunks).")
    sections = {
        "Intended use": bullets(
            "**For**: product images of the categories above for a shop's drafts, mock-ups and placeholders, ideas "
            "for a listing's look, and research on small GANs that train on a CPU.",
            "**Not for (out of scope)**: passing an image off as a photograph of a real item for sale (it shows no "
            "real product; keep the AI-generated mark productgen gives every PNG); categories it was not trained on; "
            "people, faces or brands; detail beyond what it draws at its own size."),
        "How to use": code(
            f'from productgen import load_generator\nfrom productgen.sampling import save_png\n\n'
            f'generator = load_generator("{model_dir.name}")  # this folder, its name under weights/ or a Hub repo id\n'
            f'images = generator.sample("{example}", n=8, seed=1, variety=0.8)  # PIL images: same seed, same images\n'
            f'save_png(images[0], "product.png")  # marked as AI-generated',
            f'python -m productgen generate --model {model_dir.name} --category "{example}" --n 16 --out grid.png'),
        "Training data": bullets(f"{data_source}.", f"Images: {training.get('data', 'n/a')}."),
        "Training": bullets(
            f"Command: `{training.get('command', 'n/a')}`" + (f" (fine-tuned from `{training['base']}`)"
                                                              if training.get("base") else ""),
            f"Steps: {training.get('step', 0):,}; images shown: {training.get('images_seen', 0):,}; "
            f"time: {hours:.2f} h on {training.get('device', 'cpu')}.",
            f"Network: generator width {architecture.get('generator_width')}, discriminator width "
            f"{architecture.get('discriminator_width')}, z {architecture.get('z_dim')}; weights stored as {dtype}."),
        "Evaluation": quality or "Not measured yet.",
        "Limitations": kept(model_dir, "Limitations", limitations, bullets(
            f"It draws at {side} px; larger sizes are enlarged by the x4 upscaler, which adds texture but no new "
            "content.",
            "It knows only the categories above, in the look of the photos it learnt from; some samples are off-type "
            "or malformed, so look at every image before using it.")),
    }
    return write_card(model_dir, "generator", f"{model_dir.name}: class-conditional product image generator "
                      f"({side}x{side})", intro, sections, notes)


def classifier_card(model_dir: str | Path, extra: str = "", rows: Sequence[Sequence[str]] = (),
                    limitations: str = "", notes: str = "") -> Path:
    """Write ``README.md`` for the product classifier from its ``config.json``.

    Its evaluation table holds the held-out numbers measured in training (``training.held_out``), then ``rows``
    (set, photos, top-1, top-3, answered unknown: e.g. the whole pipeline's numbers from ``bench/recognise.py`` and
    its baselines), then ``extra`` below it. The card's existing ``## Limitations`` and ``## Notes`` are kept when
    not given."""
    from .recognise_data import REAL_TYPES

    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
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
    data = [f"Catalogue: {CATALOGUE_SOURCE}; {HELD_OUT_PRODUCTS}."]
    if real:
        data += [
            "Real phone photos: " + REALPHOTOS_SOURCE + ". Clothing senders are split three ways: "
            "`productgen/splits/realphotos_val_files.txt` (held out), a calibration share (12% of the other senders: "
            "sets the unknown threshold), the rest trains.",
            "Surfaces (the phone look of the catalogue photos: a band of real surface at the cut-out's edge, "
            "sometimes the whole backdrop, zoom, rotation, colour casts, blur and noise): " + BACKGROUNDS_SOURCE
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
        "Intended use": bullets(
            "**For**: suggesting a product photo's type, gender and main colour (titles, alt text and tags a "
            "merchant checks before use: the Recognise tab, `python -m productgen tag`), answering `unknown` for "
            "photos of none of its types, and the feature space productgen measures its generators in.",
            "**Not for (out of scope)**: decisions without a person checking the answer; types not listed above; "
            "people (the gender is the product's intended wearer as the catalogue labels it, never a person's); "
            "comparing generator numbers measured in another classifier's features."),
        "How to use": code(
            "from productgen.classifier import load_classifier\nfrom productgen.imageio import open_image\n"
            "from productgen.recognise import recognise\n\n"
            f'result = recognise(open_image("photo.jpg"), load_classifier("{model_dir.name}"))  # folder or name\n'
            "print(result.category, result.status, result.categories, result.title)  # unknown / check / ok",
            f"python -m productgen tag photos/ --classifier {model_dir.name} --csv tags.csv"),
        "Training data": bullets(*data),
        "Training": bullets(*train),
        "Evaluation": evaluation,
        "Limitations": kept(model_dir, "Limitations", limitations, bullets(
            "Its answers are suggestions: an unsure answer says \"check\", and a photo of a type it does not know is "
            "`unknown` at best, or taken for the nearest known type.")),
    }
    return write_card(model_dir, "classifier", f"{model_dir.name}: product classifier (article type, gender, main "
                      f"colour; {side}x{side})", "\n".join(intro), sections, notes)


def cutout_card(model_dir: str | Path, quality: str, notes: str = "", limitations: str = "") -> Path:
    """Write ``README.md`` for the cut-out model from its ``config.json``, a quality section (its evaluation
    table) and notes; the card's existing ``## Notes`` (``## Limitations``) are kept when not given."""
    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    data = training.get("data", "n/a")
    if isinstance(data, dict):
        data = ", ".join(key.replace("_", " ") if value is True else
                         f"{key.replace('_', ' ')} {value:,}" if type(value) is int else
                         f"{key.replace('_', ' ')} {value}" for key, value in data.items()
                         if value is not False and value != 0)
        shares = training.get("data", {})
    else:
        shares = {}
    intro = (
        "Returns the product's alpha mask for any photo, at the photo's size: a U-Net with a depthwise-separable "
        f"encoder (widths {architecture.get('widths')}, decoder {architecture.get('decoder_width')}) sees the "
        f"photo at {architecture.get('input_side')} px on its longer side; a fast guided filter lifts the mask to "
        "full resolution along the photo's own edges. Trained from scratch here (no downloaded backbone); "
        "weights stored as float16. productgen averages its answer on the photo and on the mirror image, corrects "
        "it with the photo's own colours where the network is unsure (a colour cut by GrabCut: Rother et al. 2004, "
        "OpenCV; a colour-decided edge; specks dropped: `productgen/cutout_model.py`) and judges the network's own "
        "answer (a verdict with its doubts, which Enhance shows).")
    data_lines = [
        f"Products: {CATALOGUE_SOURCE}; their backdrop is white, so each mask comes from the flood fill; "
        f"{HELD_OUT_PRODUCTS}. Each is composited onto a surface below.",
        f"Surfaces: {BACKGROUNDS_SOURCE}.",
        f"Real surfaces and, for self-training, real photos: {REALPHOTOS_SOURCE}.",
        f"Pictures: {data}.",
    ]
    if shares.get("package_share"):
        data_lines[2] += (" The middles of the train products' grocery photos also print some of the drawn packages "
                          "(`--package-share`)" + (", and the same photos are the shop behind some of them "
                                                   "(`--shop-share`)" if shares.get("shop_share") else "") + ".")
    sections = {
        "Intended use": bullets(
            "**For**: cutting a product out of its photo (garments, shoes, bags, a boxed product held up or laid "
            "down) for a white or transparent background: Enhance, Recognise and `python -m productgen cutout`.",
            "**Not for (out of scope)**: people or faces as the subject (hands and people around a product are "
            "surface to it); separating several products (it returns one mask for everything it takes for "
            "product); medical or safety-critical segmentation; a final mask nobody looked at when the verdict "
            "warns."),
        "How to use": code(
            "from productgen.cutout_model import cutout, load_cutout, rgba\nfrom productgen.imageio import open_image\n"
            f'\nphoto = open_image("photo.jpg")\nmask = cutout(photo, load_cutout("{model_dir.name}").fused())'
            "  # mask.alpha (H, W), mask.confidence, mask.notes\n"
            'rgba(photo, mask).save("product.png")  # the product on transparency',
            f"python -m productgen cutout photos/ --model {model_dir.name} --out cutouts/"),
        "Training data": bullets(*data_lines),
        "Training": bullets(
            f"Command: `{training.get('command', 'n/a')}`",
            f"Steps: {run_length(training)} (batch {training.get('options', {}).get('batch_size')}, "
            f"{training.get('options', {}).get('side')} px composites) on 2 CPU cores."),
        "Evaluation": quality or "Not measured yet.",
        "Limitations": kept(model_dir, "Limitations", limitations, bullets(
            "Surfaces that look like the product (its colour, a strong pattern) may be kept or bite into it; the "
            "verdict says when the network is unsure, and the Enhance tab's brush corrects a mask by hand.")),
    }
    return write_card(model_dir, "cutout", f"{model_dir.name}: product cut-out (segmentation) model", intro,
                      sections, notes)


def run_length(training: dict) -> str:
    """Steps and time of a run, counting the model it started from (``train-cutout --start-from``) if any."""
    step, hours = training.get("step", 0), training.get("seconds", 0) / 3600
    earlier = training.get("started_from") or {}
    if not earlier.get("step"):
        return f"{step:,}; time: {hours:.2f} h"
    before, before_hours = earlier["step"], (earlier.get("seconds") or 0) / 3600
    return (f"{step:,} in the last run ({hours:.2f} h), started from `{earlier.get('model')}` "
            f"({before:,} steps, {before_hours:.2f} h): {step + before:,} steps, {hours + before_hours:.2f} h in all")


def upscale_card(model_dir: str | Path, quality: str, notes: str = "", limitations: str = "") -> Path:
    """Write ``README.md`` for the x4 upscaler from its ``config.json``, a quality section (its evaluation table)
    and notes; the card's existing ``## Notes`` (``## Limitations``) are kept when not given."""
    model_dir = Path(model_dir)
    notes = notes or existing_notes(model_dir / "README.md")
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    options = training.get("options", {})
    data = training.get("data", {})
    scale = architecture.get("scale")
    intro = (
        f"Enlarges an image {scale} times and draws the detail a plain resize smears: "
        f"{architecture.get('convs')} 3x3 convolutions of {architecture.get('channels')} channels with PReLU at the "
        "small image's resolution, a pixel shuffle, added to a bilinear enlargement (in the spirit of "
        "Real-ESRGAN's compact model). Trained from scratch here (no downloaded backbone or VGG); weights stored "
        "as float16. Used by Generate (256-1024 px), Enhance (products enlarged more than 1.5x) and "
        "`python -m productgen upscale`. At run time productgen averages the network's answer with its answer on the "
        "mirror image (self-ensemble, as in EDSR+, Lim et al. 2017), then gives the brightness an unsharp mask "
        "(`superres.MIRROR`, `superres.SHARPEN`).")
    losses = (
        ("Losses: from the model it started from (trained with L1 alone first), " if not options.get("l1_steps")
         else f"Losses: L1 alone for {options.get('l1_steps', 0):,} steps, then ")
        + f"L1 + {options.get('feature_weight')} x "
        "feature L1 (the first two blocks of our own product classifier, `weights/classifier`) + "
        f"{options.get('adversarial_weight')} x adversarial (a small spectral-norm patch discriminator)"
        + (f" + {options['texture_weight']} x texture (local detail, the softened Laplacian's RMS in 8x8 cells, "
           "matched to the target's: `superres_training.texture_loss`)" if options.get("texture_weight") else "")
        + (f" + {options['grid_weight']} x grid (a fixed 4 px stamp in the output's spectrum: "
           "`superres_training.grid_loss`)" if options.get("grid_weight") else "")
        + (f" + {options['phase_weight']} x phase (fine detail that depends on the position in a 4x4 block more "
           "than in the target: `superres_training.phase_loss`)" if options.get("phase_weight") else "")
        + f"; the weights shipped are an exponential moving average ({options.get('ema')}).")
    sections = {
        "Intended use": bullets(
            "**For**: enlarging product images (generated images to 256-1024 px, small product photos in "
            "Enhance) with drawn detail where a plain resize smears.",
            "**Not for (out of scope)**: recovering a photo's true detail (the texture it draws is plausible, not "
            "measured: not for evidence, reading small text, or forensic or medical images); faces; more than x16 "
            "(refused)."),
        "How to use": code(
            "from productgen.imageio import open_image\nfrom productgen.superres import load_upscaler, upscale\n\n"
            f'large = upscale(open_image("small.png"), 4, model=load_upscaler("{model_dir.name}"))  # x1 to x16\n'
            'large.save("large.png")  # method="lanczos": the plain resize instead',
            f"python -m productgen upscale small.png --model {model_dir.name} --scale 4 --out large/"),
        "Training data": bullets(
            f"{training.get('patches', 0):,} patches (160 px) of {data.get('realphotos_train', 0):,} real phone "
            f"photos; {data.get('realphotos_held_out', 0):,} photos held out (the senders held out for the cut-out "
            f"model, used only by `bench/upscale.py`). Source: {REALPHOTOS_SOURCE}.",
            "Pairs: each patch is the target; its input is the patch made 4x smaller with an optional blur, one of "
            "four kernels (area, bilinear, bicubic, Lanczos; sometimes in two steps), camera noise and JPEG "
            "(`superres_training.degrade`)."),
        "Training": bullets(
            losses, f"Command: `{training.get('command', 'n/a')}`",
            f"Steps: {run_length(training)} (batch {options.get('batch_size')}, {options.get('side')} px "
            "targets) on 2 CPU cores."),
        "Evaluation": quality or "Not measured yet.",
        "Limitations": kept(model_dir, "Limitations", limitations, bullets(
            "The detail it draws is plausible texture, not the photo's own: it does not line up pixel for pixel "
            "(SSIM) and can show as a faint pattern on plain surfaces at high zoom.")),
    }
    return write_card(model_dir, "upscaler", f"{model_dir.name}: x{scale} upscaler (super-resolution)", intro,
                      sections, notes)
