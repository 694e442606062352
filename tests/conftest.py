"""Shared fixtures: tiny images and tiny models, made by the tests themselves."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

torch.set_num_threads(min(2, os.cpu_count() or 1))
REPO = Path(__file__).resolve().parent.parent


def draw_product(kind: str, seed: int, size: int = 96, background=(255, 255, 255)) -> Image.Image:
    """A simple 'product' on a plain background: a coloured ellipse ('round') or rectangle ('box')."""
    random = np.random.default_rng(seed)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    colour = tuple(int(c) for c in random.integers(0, 200, 3))
    margin = int(size * random.uniform(0.15, 0.25))
    box = (margin, margin, size - margin, size - margin)
    (draw.ellipse if kind == "round" else draw.rectangle)(box, fill=colour)
    return image


def run_python(code: str) -> None:
    """Run ``code`` in a fresh interpreter at the repository root (what a fresh import does, unaffected by the
    modules this test session has loaded); fails the test if it raises."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def shipped_files() -> dict:
    return {path: path.read_bytes() for path in sorted((REPO / "weights").rglob("*")) if path.is_file()}


@pytest.fixture(scope="session", autouse=True)
def shipped_models_stay_byte_identical():
    """No test, however hostile, may change a shipped model."""
    before = shipped_files()
    yield
    assert shipped_files() == before, "the test suite changed files under weights/"


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """12 images in two category sub-folders."""
    for kind in ("round", "box"):
        (tmp_path / kind).mkdir()
        for i in range(6):
            draw_product(kind, i).save(tmp_path / kind / f"{kind}_{i}.png")
    return tmp_path


def pytest_collection_modifyitems(config, items):
    """The fast tier is ``pytest -m "not slow"``: tests that launch the app or a browser are slow too."""
    for item in items:
        if item.get_closest_marker("app") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
