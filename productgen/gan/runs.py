"""A GAN run's networks and counters (what a checkpoint holds): saving and loading model folders, and starting a run
from another model's weights (new categories, or a grown 128 px stage)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch

from productgen.gan.networks import MODEL_VERSION, Discriminator, GANConfig, Generator
from productgen.io.datasets import spelling_key
from productgen.store import weights as weights_io
from productgen.store.loading import check_version
from productgen.train.runbook import (
    STATE_NAME,
    TrainingError,
)


@dataclass
class TrainingRun:
    """The networks and counters of one run; what a checkpoint holds."""

    generator: Generator
    discriminator: Discriminator
    generator_ema: Generator
    step: int = 0
    images_seen: int = 0
    augment_probability: float = 0.0
    history: dict = field(default_factory=dict)

    @classmethod
    def fresh(cls, config: GANConfig) -> "TrainingRun":
        generator = Generator(config)
        return cls(generator, Discriminator(config), copy.deepcopy(generator))


def per_category_keys(module: torch.nn.Module) -> set[str]:
    """State-dict keys whose first dimension is the category count: embeddings and the category head."""
    prefixes = [name for name, child in module.named_modules()
                if isinstance(child, torch.nn.Embedding) or name == "classify"]
    return {key for key in module.state_dict() if any(key.startswith(prefix + ".") for prefix in prefixes)}


def remap_state(module: torch.nn.Module, base_state: dict, rows: list[int | None], base_classes: int) -> dict:
    """``base_state`` fitted to ``module``: per-category tensors get one row per new category (``rows[i]``
    of the base, or the mean of the base's rows when None); everything else is copied. A key the base lacks
    (a grown stage) keeps the module's own starting value."""
    state, per_category = module.state_dict(), per_category_keys(module)
    for key, value in state.items():
        base = base_state.get(key)
        if base is None:
            continue
        if key in per_category and base.dim() and base.shape[0] == base_classes:
            mean = base.float().mean(0).to(base.dtype)
            state[key] = torch.stack([base[i] if i is not None else mean for i in rows])
        elif base.shape == value.shape:
            state[key] = base
    return state


def transfer(base: TrainingRun, categories: list[str], image_size: int | None = None,
             top_style: str | None = None) -> TrainingRun:
    """A new run for ``categories`` that starts from ``base``'s weights: categories the base knows keep their
    rows, new ones start at the mean of the known ones. With ``image_size`` 128 and a 64 px base, the networks
    grow a stage (``networks.Generator``) and first draw and judge as the base did. ``top_style`` (default:
    the base's; a grown stage: "resize") rebuilds the 128 px stage in that layout; a stage whose layout changes
    starts again at zero, so the run first draws the base's 64 px colours enlarged."""
    old = [spelling_key(name) for name in base.generator.config.categories]
    rows = [old.index(spelling_key(name)) if spelling_key(name) in old else None for name in categories]
    size = image_size or base.generator.config.image_size
    if size < base.generator.config.image_size:
        raise TrainingError(f"a {base.generator.config.image_size} px model cannot be shrunk to {size} px")
    base_config = base.generator.config.to_dict()
    if base.generator.config.image_size == 64:
        base_config.pop("top_style")  # a stage grown now takes today's layout
    config = GANConfig(**{**base_config, "categories": list(categories), "image_size": size,
                          **({"top_style": top_style} if top_style else {})})
    run = TrainingRun.fresh(config)
    restyled = config.top_style != base.generator.config.top_style
    for new_module, base_module in ((run.generator, base.generator), (run.discriminator, base.discriminator),
                                    (run.generator_ema, base.generator_ema)):
        base_state = base_module.state_dict()
        if restyled and new_module is not run.discriminator:  # the stage starts again, as when first grown
            base_state = {key: value for key, value in base_state.items() if not key.startswith("top_")}
        new_module.load_state_dict(remap_state(new_module, base_state, rows, len(old)))
    return run


def save_gan(out_dir: str | Path, run: TrainingRun, dtype: torch.dtype, training_info: dict) -> None:
    """Write ``model.safetensors`` (EMA generator), ``discriminator.safetensors`` and ``config.json``."""
    out_dir = Path(out_dir)
    weights_io.save_tensors(out_dir / "discriminator.safetensors", run.discriminator.state_dict(), dtype)
    weights_io.save_model(out_dir, "generator", run.generator_ema.state_dict(), run.generator_ema.config.to_dict(),
                          training_info, dtype)


def load_run(model_dir: str | Path) -> tuple[TrainingRun, dict]:
    """Rebuild a run from a model folder: the full state if ``train_state.pt`` is there, else the shipped weights."""
    model_dir = Path(model_dir)
    config_json = weights_io.read_json(model_dir / weights_io.CONFIG_NAME)
    check_version(config_json, MODEL_VERSION, model_dir)
    run = TrainingRun.fresh(GANConfig.from_dict(config_json["architecture"]))
    info = dict(config_json.get("training", {}))
    state_path = model_dir / STATE_NAME
    if state_path.is_file():
        state = weights_io.load_state(state_path)
        run.generator.load_state_dict(state["generator"])
        run.discriminator.load_state_dict(state["discriminator"])
        run.generator_ema.load_state_dict(state["generator_ema"])
        run.step, run.images_seen = state["step"], state["images_seen"]
        run.augment_probability, info["seconds"] = state["augment_probability"], state["seconds"]
        return run, {**info, "optimizer_state": state}
    ema_weights = weights_io.load_tensors(model_dir / "model.safetensors")
    run.generator.load_state_dict(ema_weights)
    run.generator_ema.load_state_dict(ema_weights)
    run.discriminator.load_state_dict(weights_io.load_tensors(model_dir / "discriminator.safetensors"))
    run.step, run.images_seen = info.get("step", 0), info.get("images_seen", 0)
    run.augment_probability = info.get("augment_probability", 0.0)
    return run, info
