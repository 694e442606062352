"""Model cards: the README.md beside every model's weights (data, command, time, device, measured quality)."""
from __future__ import annotations

from pathlib import Path

from .weights import atomic_write, read_json

CATALOGUE_SOURCE = ('"Fashion Product Images (Small)" by Param Aggarwal (Kaggle), scraped from the Myntra catalogue; '
                    "a subset of 8,583 photos with the labels of its styles.csv")


def generator_card(model_dir: str | Path, quality: str = "", data_source: str = CATALOGUE_SOURCE,
                   notes: str = "") -> Path:
    """Write ``README.md`` for a generator folder from its ``config.json`` and a quality section."""
    model_dir = Path(model_dir)
    config = read_json(model_dir / "config.json")
    training, architecture = config.get("training", {}), config.get("architecture", {})
    hours = training.get("seconds", 0) / 3600
    lines = [
        f"# {model_dir.name}: class-conditional product image generator (64x64)", "",
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
        f"{architecture.get('discriminator_width')}, z {architecture.get('z_dim')}; weights stored as float16.",
        "", "## Quality", "", quality or "Not measured yet.", "",
    ]
    if notes:
        lines += ["## Notes", "", notes, ""]
    text = "\n".join(lines)
    atomic_write(model_dir / "README.md", lambda tmp: Path(tmp).write_text(text))
    return model_dir / "README.md"
