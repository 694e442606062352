"""The upscaler's model card, written through store.cards.write_card."""
from __future__ import annotations

from pathlib import Path

from productgen.store import cards
from productgen.store.weights import read_json


def upscale_card(model_dir: str | Path, quality: str, notes: str = "", limitations: str = "") -> Path:
    """Write ``README.md`` for the x4 upscaler from its ``config.json``, a quality section (its evaluation table)
    and notes; the card's existing ``## Notes`` (``## Limitations``) are kept when not given."""
    model_dir = Path(model_dir)
    notes = notes or cards.existing_notes(model_dir / "README.md")
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
        "(`upscale.upscaler.MIRROR`, `upscale.upscaler.SHARPEN`).")
    losses = (
        ("Losses: from the model it started from (trained with L1 alone first), " if not options.get("l1_steps")
         else f"Losses: L1 alone for {options.get('l1_steps', 0):,} steps, then ")
        + f"L1 + {options.get('feature_weight')} x "
        "feature L1 (the first two blocks of our own product classifier, `weights/classifier`) + "
        f"{options.get('adversarial_weight')} x adversarial (a small spectral-norm patch discriminator)"
        + (f" + {options['texture_weight']} x texture (local detail, the softened Laplacian's RMS in 8x8 cells, "
           "matched to the target's: `upscale.training.texture_loss`)" if options.get("texture_weight") else "")
        + (f" + {options['grid_weight']} x grid (a fixed 4 px stamp in the output's spectrum: "
           "`upscale.training.grid_loss`)" if options.get("grid_weight") else "")
        + (f" + {options['phase_weight']} x phase (fine detail that depends on the position in a 4x4 block more "
           "than in the target: `upscale.training.phase_loss`)" if options.get("phase_weight") else "")
        + f"; the weights shipped are an exponential moving average ({options.get('ema')}).")
    sections = {
        "Intended use": cards.bullets(
            "**For**: enlarging product images (generated images to 256-1024 px, small product photos in "
            "Enhance) with drawn detail where a plain resize smears.",
            "**Not for (out of scope)**: recovering a photo's true detail (the texture it draws is plausible, not "
            "measured: not for evidence, reading small text, or forensic or medical images); faces; more than x16 "
            "(refused)."),
        "How to use": cards.code(
            "from productgen.io.images import open_image\n"
            "from productgen.upscale.upscaler import load_upscaler, upscale\n\n"
            f'large = upscale(open_image("small.png"), 4, model=load_upscaler("{model_dir.name}"))  # x1 to x16\n'
            'large.save("large.png")  # method="lanczos": the plain resize instead',
            f"python -m productgen upscale small.png --model {model_dir.name} --scale 4 --out large/"),
        "Training data": cards.bullets(
            f"{training.get('patches', 0):,} patches (160 px) of {data.get('realphotos_train', 0):,} real phone "
            f"photos; {data.get('realphotos_held_out', 0):,} photos held out (the senders held out for the cut-out "
            f"model, used only by `bench/upscale.py`). Source: {cards.REALPHOTOS_SOURCE}.",
            "Pairs: each patch is the target; its input is the patch made 4x smaller with an optional blur, one of "
            "four kernels (area, bilinear, bicubic, Lanczos; sometimes in two steps), camera noise and JPEG "
            "(`upscale.patches.degrade`)."),
        **cards.closing_sections(
            model_dir, cards.training_section(training, "px targets", losses), quality, limitations,
            "The detail it draws is plausible texture, not the photo's own: it does not line up pixel for pixel "
            "(SSIM) and can show as a faint pattern on plain surfaces at high zoom."),
    }
    return cards.write_card(model_dir, "upscaler", f"{model_dir.name}: x{scale} upscaler (super-resolution)", intro,
                      sections, notes)
