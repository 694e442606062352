"""The one way to load a model of any kind, and the one cache they share."""
import os
import shutil

import pytest

from productgen import load_model
from productgen.store.loading import cached, clear_cache


def test_every_kind_loads_through_one_function_and_one_cache():
    for kind in ("generator", "classifier", "cutout", "upscaler"):
        first = load_model(kind)
        assert load_model(kind) is first, f"the {kind} was loaded twice"
        assert load_model(kind, cache=False) is not first
    with pytest.raises(ValueError, match="unknown model kind 'mask'"):
        load_model("mask")


def test_a_model_trained_again_is_loaded_again(tmp_path):
    from productgen.upscale.upscaler import load_upscaler

    folder = tmp_path / "mine"
    shutil.copytree("weights/upscale", folder)
    first = cached(load_upscaler, folder)
    assert cached(load_upscaler, str(folder)) is first  # the same folder however it is named
    weights = folder / "model.safetensors"
    stamp = weights.stat().st_mtime_ns + 10**9
    os.utime(weights, ns=(stamp, stamp))  # a newer version of the weights
    again = cached(load_upscaler, folder)
    assert again is not first and cached(load_upscaler, folder) is again
    clear_cache()
    assert cached(load_upscaler, folder) is not again
