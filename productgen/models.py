"""One function to load a model of any kind: ``load(kind, name_or_path)``.

``name_or_path`` is a model folder, the name of a folder under ``weights/`` (or the user models' folder), or a
Hugging Face Hub id ``user/name`` (fetched only then, and only when online). With ``cache`` (the default) the
model comes from the one model cache (``store.loading.cached``): loaded once per process and per version of its
weights, shared read-only; ``cache=False`` gives a fresh copy to change or train.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from productgen.store.loading import KINDS, cached

# kind -> (module, loader, the shipped model's folder under weights/)
LOADERS = {
    "generator": ("productgen.gan.sampling", "load_generator", "default"),
    "classifier": ("productgen.recognise.network", "load_classifier", "classifier"),
    "cutout": ("productgen.cutout.network", "load_fused_cutout", "cutout"),
    "upscaler": ("productgen.upscale.upscaler", "load_upscaler", "upscale"),
}


def load(kind: str, name_or_path: str | Path | None = None, cache: bool = True):
    """The ``kind`` model ("generator", "classifier", "cutout" or "upscaler") at ``name_or_path`` (default: the
    shipped one), ready for inference."""
    if kind not in LOADERS:
        raise ValueError(f"unknown model kind {kind!r}: one of {', '.join(KINDS)}")
    module, attribute, shipped = LOADERS[kind]
    loader = getattr(importlib.import_module(module), attribute)
    name_or_path = shipped if name_or_path is None else name_or_path
    return cached(loader, name_or_path) if cache else loader(name_or_path)
