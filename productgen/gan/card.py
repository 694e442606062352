"""The generator's model card (weights/<name>/README.md), written through store.cards.write_card."""
from __future__ import annotations

from pathlib import Path

from productgen.store.cards import CATALOGUE_SOURCE, bullets, code, existing_notes, kept, write_card
from productgen.store.weights import read_json


def generator_card(model_dir: str | Path, quality: str = "", data_source: str | None = None,
                   notes: str = "", limitations: str = "") -> Path:
    """Write ``README.md`` for a generator folder from its ``config.json`` and a quality section.

    The data source is ``data_source``, else the one the config records (config.json's
    ``training["data_source"]``), else the catalogue for a model trained from scratch; a fine-tuned model is never
    described as trained on the catalogue. Without ``notes`` (``limitations``), the card's existing ``## Notes``
    (``## Limitations``) are kept."""
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
            f'from productgen import load_generator\nfrom productgen.gan.sampling import save_png\n\n'
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
