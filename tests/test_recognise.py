import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from productgen.classifier import ClassifierConfig, ProductClassifier, load_classifier, save_classifier
from productgen.colours import PALETTE, dominant_colours, name_colour
from productgen.recognise import describe, recognise, recognise_files, write_csv

from .conftest import REPO


@pytest.mark.parametrize("rgb, name", [((200, 30, 35), "Red"), ((30, 40, 70), "Navy Blue"), ((20, 20, 20), "Black"),
                                       ((250, 250, 248), "White"), ((40, 130, 60), "Green"),
                                       ((240, 205, 40), "Yellow"), ((110, 70, 45), "Brown")])
def test_solid_patches_get_their_names(rgb, name):
    assert name_colour(rgb) == name
    assert dominant_colours(Image.new("RGB", (50, 50), rgb))[0].name == name


def test_palette_is_merchant_sized():
    assert 18 <= len(PALETTE) <= 26


def test_background_is_excluded_from_colours():
    image = Image.new("RGB", (120, 120), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 80, 90), fill=(200, 30, 35))
    draw.rectangle((40, 80, 80, 90), fill=(30, 40, 70))
    colours = dominant_colours(image)
    assert colours[0].name == "Red" and {c.name for c in colours} == {"Red", "Navy Blue"}
    assert sum(c.share for c in colours) == pytest.approx(1.0, abs=0.06)
    assert all(c.hex.startswith("#") and len(c.hex) == 7 for c in colours)


def test_titles_read_like_a_merchant_wrote_them():
    assert describe("Shirts", "Men", "Navy Blue") == "Navy blue men's shirt"
    assert describe("T-shirts", None, "Red") == "Red T-shirt"
    assert describe("Casual Shoes", "Women", None) == "Women's casual shoes"


def tiny_classifier(tmp_path):
    config = ClassifierConfig(categories=["T-shirts", "Watches", "Heels", "Belts"], genders=["Men", "Women"],
                              colours=["Black", "Red"], widths=(4, 8, 8, 8))
    save_classifier(ProductClassifier(config), tmp_path / "classifier", {})
    return load_classifier(tmp_path / "classifier")


def test_recognise_returns_top3_colours_and_text(tmp_path):
    model = tiny_classifier(tmp_path)
    image = Image.new("RGB", (200, 260), "white")
    ImageDraw.Draw(image).ellipse((50, 60, 150, 200), fill=(200, 30, 35))
    result = recognise(image, model)
    assert len(result.categories) == 3 and result.categories[0][1] >= result.categories[1][1]
    assert sum(p for _, p in result.categories) <= 1.0001
    assert result.colours[0].name == "Red" and result.title and result.alt_text.startswith(result.title)


def test_batch_csv_keeps_order_and_reports_bad_files(tmp_path):
    model = tiny_classifier(tmp_path)
    paths = []
    for i in range(5):
        path = tmp_path / f"p{i}.png"
        Image.new("RGB", (64, 64), (i * 40, 10, 10)).save(path)
        paths.append(path)
    (tmp_path / "bad.jpg").write_text("no")
    paths.insert(2, tmp_path / "bad.jpg")
    results = recognise_files(paths, model, batch_size=4)
    assert [r.file for r in results] == [p.name for p in paths]
    assert results[2].error and results[2].result is None
    lines = write_csv(results, tmp_path / "out.csv").read_text().splitlines()
    assert len(lines) == 7 and lines[0].startswith("file,category,confidence")


@pytest.mark.slow
def test_shipped_classifier_loads_and_has_the_16_types():
    model = load_classifier(REPO / "weights" / "classifier")
    wanted = ["T-shirts", "Shirts", "Casual Shoes", "Tops", "Kurtas", "Sports Shoes", "Watches", "Handbags", "Heels",
              "Sunglasses", "Wallets", "Sweaters", "Flip-flops", "Sweatshirts", "Sandals", "Belts"]
    assert set(wanted) <= set(model.config.categories)
    category, gender, colour = model(torch.rand(2, 3, 64, 64))
    assert category.shape == (2, len(model.config.categories)) and gender.shape[0] == 2
    assert colour.shape == (2, len(model.config.colours))
    assert np.isfinite(category.detach().numpy()).all()


def test_train_classifier_cli_learns_drawn_shapes_and_continues_with_init(image_folder, tmp_path):
    import json
    import subprocess
    import sys

    out, more = tmp_path / "clf", tmp_path / "clf2"
    base = [sys.executable, "-m", "productgen", "train-classifier", "--data", str(image_folder),
            "--min-per-category", "2", "--threads", "1"]
    small = ["--widths", "8", "8", "16", "16"]
    subprocess.run(base + small + ["--epochs", "2", "--out", str(out)], cwd=REPO, check=True, capture_output=True)
    subprocess.run(base + small + ["--epochs", "1", "--lr", "1e-3", "--init", str(out), "--out", str(more)],
                   cwd=REPO, check=True, capture_output=True)
    first, second = load_classifier(out), load_classifier(more)
    assert second.config == first.config and first.config.categories == ["box", "round"]
    assert any(not torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    info = json.loads((more / "config.json").read_text())["training"]
    assert info["init"] == str(out) and info["epochs"] == 1 and info["seconds"] >= 0
    wrong = subprocess.run(base + ["--widths", "8", "8", "8", "8", "--epochs", "1", "--init", str(out),
                                   "--out", str(tmp_path / "clf3")], cwd=REPO, capture_output=True, text=True)
    assert wrong.returncode != 0 and "--init" in wrong.stderr and not (tmp_path / "clf3").exists()
