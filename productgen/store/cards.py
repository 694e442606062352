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

from productgen.store.weights import atomic_write

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


def run_length(training: dict) -> str:
    """Steps and time of a run, counting the model it started from (``train-cutout --start-from``) if any."""
    step, hours = training.get("step", 0), training.get("seconds", 0) / 3600
    earlier = training.get("started_from") or {}
    if not earlier.get("step"):
        return f"{step:,}; time: {hours:.2f} h"
    before, before_hours = earlier["step"], (earlier.get("seconds") or 0) / 3600
    return (f"{step:,} in the last run ({hours:.2f} h), started from `{earlier.get('model')}` "
            f"({before:,} steps, {before_hours:.2f} h): {step + before:,} steps, {hours + before_hours:.2f} h in all")


def training_section(training: dict, unit: str, *first: str) -> str:
    """The "Training" section of a card: ``first`` lines, the command, and the steps with the batch and the size
    of the ``unit`` it trained on (e.g. "px composites")."""
    options = training.get("options", {})
    return bullets(*first, f"Command: `{training.get('command', 'n/a')}`",
                   f"Steps: {run_length(training)} (batch {options.get('batch_size')}, {options.get('side')} {unit}) "
                   "on 2 CPU cores.")


def closing_sections(model_dir: Path, training: str, quality: str, limitations: str, default_limitations: str) -> dict:
    """A card's last sections: "Training" (``training_section``), "Evaluation" (``quality``) and "Limitations"
    (``limitations``, else what the card holds, else ``default_limitations``)."""
    return {"Training": training, "Evaluation": quality or "Not measured yet.",
            "Limitations": kept(model_dir, "Limitations", limitations, bullets(default_limitations))}
