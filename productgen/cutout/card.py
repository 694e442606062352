"""The cut-out model's card, written through store.cards.write_card."""
from __future__ import annotations

from pathlib import Path

from productgen.store.cards import (
    BACKGROUNDS_SOURCE,
    CATALOGUE_SOURCE,
    HELD_OUT_PRODUCTS,
    REALPHOTOS_SOURCE,
    bullets,
    closing_sections,
    code,
    existing_notes,
    training_section,
    write_card,
)
from productgen.store.weights import read_json


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
        "OpenCV; a colour-decided edge; specks dropped: `productgen/cutout/network.py`) and judges the network's own "
        "answer (a verdict with its doubts, which Enhance shows).")
    if architecture.get("tap_channels"):
        intro += (" It also reads the merchant's taps: two more input maps, a round bump where a tap keeps and one "
                  "where a tap removes (`productgen/cutout/taps.py`); without taps it answers from the photo alone.")
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
    if shares.get("real_masks"):
        data_lines.append(
            f"Our own masks of {shares['real_masks']} real photos of the train senders (`data/real_masks`, made with "
            "this project's taps and brush and checked by eye; `data/README.md`), each seen "
            f"{shares.get('real_mask_repeats', 1)} times as often as a pseudo-label. Every photo of a sender or "
            "grocery product with a held-out mask is left out of the pseudo-labels, corners and shop photos, so "
            "the held-out masks' IoU below is of photos and senders never trained on.")
    sections = {
        "Intended use": bullets(
            "**For**: cutting a product out of its photo (garments, shoes, bags, a boxed product held up or laid "
            "down) for a white or transparent background: Enhance, Recognise and `python -m productgen cutout`.",
            "**Not for (out of scope)**: people or faces as the subject (hands and people around a product are "
            "surface to it); separating several products (it returns one mask for everything it takes for "
            "product); medical or safety-critical segmentation; a final mask nobody looked at when the verdict "
            "warns."),
        "How to use": code(
            "from productgen.cutout.network import load_cutout\nfrom productgen.cutout.pipeline import cutout, rgba\n"
            "from productgen.io.images import open_image\n"
            f'\nphoto = open_image("photo.jpg")\nmask = cutout(photo, load_cutout("{model_dir.name}").fused())'
            "  # mask.alpha (H, W), mask.confidence, mask.notes\n"
            'rgba(photo, mask).save("product.png")  # the product on transparency' + (
                '\nmask = cutout(photo, load_cutout("{0}").fused(), keep_points=[(420, 310)], '
                'remove_points=[(90, 200)])  # taps, in the photo\'s pixels'.format(model_dir.name)
                if architecture.get("tap_channels") else ""),
            f"python -m productgen cutout photos/ --model {model_dir.name} --out cutouts/"),
        "Training data": bullets(*data_lines),
        **closing_sections(
            model_dir, training_section(training, "px composites"), quality, limitations,
            "Surfaces that look like the product (its colour, a strong pattern) may be kept or bite into it; the "
            "verdict says when the network is unsure, and the Enhance tab's brush corrects a mask by hand."),
    }
    return write_card(model_dir, "cutout", f"{model_dir.name}: product cut-out (segmentation) model", intro,
                      sections, notes)
