"""The weights committed in weights/ load from a clean clone and do what their cards say."""
import json

import pytest

from productgen.sampling import load_generator, read_provenance, save_png

from .conftest import REPO

pytestmark = pytest.mark.slow
DEFAULT = REPO / "weights" / "default"


def test_files_are_plain_and_small():
    for folder in ("default", "classifier", "cutout", "upscale"):
        for name in ("model.safetensors", "config.json", "README.md"):
            path = REPO / "weights" / folder / name
            assert path.is_file(), path
            assert path.stat().st_size < 10_000_000
            assert not path.read_bytes().startswith(b"version https://git-lfs")


def test_default_generator_gives_every_category():
    generator = load_generator(DEFAULT)
    config = json.loads((DEFAULT / "config.json").read_text())
    assert len(generator.categories) == 16 and config["training"]["step"] > 0
    for category in generator.categories:
        images = generator.sample(category, n=2, seed=1, variety=0.8, size=256)
        assert len(images) == 2 and all(image.size == (256, 256) for image in images)


def test_an_image_is_reproduced_from_its_metadata(tmp_path):
    generator = load_generator(DEFAULT)
    image = generator.sample("Watches", n=5, seed=11, variety=0.7)[4]
    meta = read_provenance(save_png(image, tmp_path / "watch.png"))
    again = load_generator(DEFAULT).sample(meta["category"], n=int(meta["index"]) + 1, seed=int(meta["seed"]),
                                           variety=float(meta["variety"]))[int(meta["index"])]
    assert again.tobytes() == image.tobytes()


def test_rewriting_a_card_keeps_its_notes_and_replaces_the_quality(tmp_path):
    from productgen.cards import generator_card

    (tmp_path / "config.json").write_text(json.dumps({"architecture": {"categories": ["Watches"]},
                                                      "training": {"step": 7, "command": "python -m productgen"}}))
    generator_card(tmp_path, "FID 30", notes="Trained in two runs.\n\nSecond paragraph.")
    card = generator_card(tmp_path, "FID 20")
    text = card.read_text()
    assert "FID 20" in text and "FID 30" not in text
    assert text.count("## Notes") == 1 and "Trained in two runs.\n\nSecond paragraph." in text
    assert "- Steps: 7;" in text


def test_a_fine_tuned_model_s_card_never_claims_the_catalogue(tmp_path):
    from productgen.cards import CATALOGUE_SOURCE, generator_card

    training = {"step": 7, "finetune": True, "data_source": "the user's photos in shop/",
                "options": {"weights_dtype": "float32"}}
    (tmp_path / "config.json").write_text(json.dumps({"architecture": {"categories": ["Mugs"], "image_size": 64},
                                                      "training": training}))
    text = generator_card(tmp_path, "FID 20").read_text()  # as `evaluate --write-card` writes it
    assert "the user's photos in shop/" in text and CATALOGUE_SOURCE not in text and "stored as float32" in text


def test_shipped_cards_say_where_data_came_from_and_how_good_the_model_is():
    for name in ("default", "classifier"):
        card = (REPO / "weights" / name / "README.md").read_text()
        assert "Param Aggarwal" in card and "python -m productgen" in card
    assert "class-consistency" in (REPO / "weights" / "default" / "README.md").read_text()


def test_shipped_cutout_model_loads_and_its_card_credits_its_data():
    from productgen.cutout_model import load_cutout

    model = load_cutout()
    assert model.config.input_side == 320 and not model.training
    card = (REPO / "weights" / "cutout" / "README.md").read_text()
    for credit in ("Param Aggarwal", "Christian Femmer", "GarageGames", "Alexey Grigorev", "Marcus Klasson",
                   "python -m productgen train-cutout", "IoU"):
        assert credit in card, credit


def test_the_shipped_classifier_knows_where_its_types_lie():
    """Its feature statistics load with it, and both "unknown" thresholds were set when it was calibrated."""
    import torch

    from productgen.classifier import load_classifier

    model = load_classifier()
    stats_file = REPO / "weights" / "classifier" / "feature_stats.safetensors"
    assert model.stats is not None and stats_file.stat().st_size < 10_000_000
    assert 0 < model.config.unknown_below < 1 and model.config.unknown_far_above is not None
    assert model.stats.type_means.shape[1] == model.config.widths[-1]
    assert torch.isfinite(model.stats.distance(model.stats.type_means)).all()
