"""The weights committed in weights/ load from a clean clone and do what their cards say."""
import json

import pytest
from PIL import Image

from productgen.gan.sampling import load_generator, read_provenance, save_png

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
    assert len(generator.categories) == 19 and config["training"]["step"] > 0  # the product-only 128 px model
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
    from productgen.gan.card import generator_card

    (tmp_path / "config.json").write_text(json.dumps({"architecture": {"categories": ["Watches"]},
                                                      "training": {"step": 7, "command": "python -m productgen"}}))
    generator_card(tmp_path, "FID 30", notes="Trained in two runs.\n\nSecond paragraph.")
    card = generator_card(tmp_path, "FID 20")
    text = card.read_text()
    assert "FID 20" in text and "FID 30" not in text
    assert text.count("## Notes") == 1 and "Trained in two runs.\n\nSecond paragraph." in text
    assert "- Steps: 7;" in text


def test_a_fine_tuned_model_s_card_never_claims_the_catalogue(tmp_path):
    from productgen.gan.card import generator_card
    from productgen.store.cards import CATALOGUE_SOURCE

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


def hub_metadata(text: str) -> dict:
    """The YAML front matter of a card as the Hub reads it (``huggingface_hub.ModelCard``, offline)."""
    from huggingface_hub import ModelCard

    assert text.startswith("---\n"), "a Hub card starts with its YAML front matter"
    return ModelCard(text).data.to_dict()


def assert_sections_in_order(text: str) -> None:
    from productgen.store.cards import SECTIONS

    places = [text.find(f"\n## {heading}\n") for heading in SECTIONS if f"\n## {heading}\n" in text]
    assert len(places) >= len(SECTIONS) - 1 and places == sorted(places), places  # Notes are optional


def test_every_card_writer_starts_its_card_with_a_hub_header(tmp_path):
    from productgen.cutout.card import cutout_card
    from productgen.gan.card import generator_card
    from productgen.recognise.card import classifier_card
    from productgen.store.cards import hub_header
    from productgen.upscale.card import upscale_card

    configs = {
        "generator": {"architecture": {"categories": ["Watches"], "image_size": 64}, "training": {"step": 7}},
        "classifier": {"architecture": {"categories": ["Watches"]}, "training": {
            "held_out": {"catalogue": {"photos": 3, "top1": 1.0, "top3": 1.0, "unknown": 0.0}}}},
        "cutout": {"architecture": {}, "training": {"step": 5, "options": {"batch_size": 16, "side": 256}}},
        "upscaler": {"architecture": {"scale": 4}, "training": {"step": 5, "options": {"batch_size": 16}}},
    }
    writers = {"generator": lambda folder: generator_card(folder, "FID 20"),
               "classifier": lambda folder: classifier_card(folder),
               "cutout": lambda folder: cutout_card(folder, "IoU 0.9"),
               "upscaler": lambda folder: upscale_card(folder, "PSNR 27")}
    tasks = {"generator": None, "classifier": "image-classification", "cutout": "image-segmentation",
             "upscaler": "image-to-image"}
    for kind, write in writers.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"kind": kind, **configs[kind]}))
        text = write(folder).read_text()
        assert text.startswith(hub_header(kind) + "\n# "), kind  # one code path: every card starts with it
        meta = hub_metadata(text)
        assert meta["license"] == "mit" and meta["library_name"] == "productgen", meta
        assert {"productgen", "pytorch", "safetensors"} <= set(meta["tags"]) and meta.get("pipeline_tag") == tasks[kind]
        assert "datasets" not in meta  # the data is not on the Hub: credited in the body
        assert_sections_in_order(text)
        assert "```python\nfrom productgen" in text and "python -m productgen " in text  # how to use it
    assert "datasets:\n- someone/clothing" in hub_header("cutout", datasets=["someone/clothing"])
    with pytest.raises(ValueError, match="Hub dataset ids"):
        hub_header("cutout", datasets=["Fashion Product Images (Small)"])
    with pytest.raises(ValueError, match="kind"):
        hub_header("diffusion")


@pytest.mark.parametrize("name", ["classifier", "cutout", "upscale", "default"])
def test_shipped_cards_are_hub_cards(name):
    text = (REPO / "weights" / name / "README.md").read_text()
    meta = hub_metadata(text)
    assert meta["license"] == "mit" and meta["library_name"] == "productgen" and "productgen" in meta["tags"]
    assert_sections_in_order(text)
    assert "not shipped" not in text and len(text.encode()) < 16_000  # the history of other runs lives in git


def test_shipped_cards_are_exactly_what_their_writers_write(tmp_path):
    """Regenerating a shipped card from its config and its evaluation gives the same bytes: its kept sections
    (limitations, notes) hold nothing a rewrite would drop or bring back."""
    import shutil

    from productgen.cutout.card import cutout_card
    from productgen.recognise.card import classifier_card
    from productgen.store.cards import existing_section
    from productgen.upscale.card import upscale_card

    for name in ("classifier", "cutout", "upscale"):
        folder = tmp_path / name
        folder.mkdir()
        for file in ("config.json", "README.md"):
            shutil.copy(REPO / "weights" / name / file, folder / file)
        shipped = (folder / "README.md").read_text()
        evaluation = existing_section(folder / "README.md", "Evaluation")
        if name == "classifier":  # its table: the config's held-out rows, then the rows given, then the text given
            generated = len(json.loads((folder / "config.json").read_text())["training"]["held_out"])
            lines = evaluation.split("\n\n")
            table = next(part for part in lines if part.startswith("| "))
            rows = [tuple(line[2:-2].split(" | ")) for line in table.splitlines()[2 + generated:]]
            classifier_card(folder, "\n\n".join(lines[lines.index(table) + 1:]), rows)
        else:
            (cutout_card if name == "cutout" else upscale_card)(folder, evaluation)
        assert (folder / "README.md").read_text() == shipped, name


def test_shipped_cutout_model_loads_and_its_card_credits_its_data():
    from productgen.cutout.network import load_cutout

    model = load_cutout()
    assert model.config.input_side == 320 and not model.training
    card = (REPO / "weights" / "cutout" / "README.md").read_text()
    for credit in ("Param Aggarwal", "Christian Femmer", "GarageGames", "Alexey Grigorev", "Marcus Klasson",
                   "python -m productgen train-cutout", "IoU"):
        assert credit in card, credit


def test_the_shipped_classifier_knows_where_its_types_lie():
    """Its feature statistics load with it, and both "unknown" thresholds were set when it was calibrated."""
    import torch

    from productgen.recognise.network import load_classifier

    model = load_classifier()
    stats_file = REPO / "weights" / "classifier" / "feature_stats.safetensors"
    assert model.stats is not None and stats_file.stat().st_size < 10_000_000
    assert 0 < model.config.unknown_below < 1 and model.config.unknown_far_above is not None
    assert model.stats.type_means.shape[1] == model.config.widths[-1]
    assert torch.isfinite(model.stats.distance(model.stats.type_means)).all()


def test_the_shipped_generator_draws_products_at_128_px_under_their_old_names(tmp_path):
    """``generate --size 128`` writes 128x128 PNGs the network drew at that size (not enlarged), and the ten
    categories the 64 px model had beside the garments keep their names."""
    from productgen.cli.main import main

    out = tmp_path / "shoes"
    assert main(["generate", "--category", "Casual Shoes", "--n", "8", "--size", "128", "--out-dir", str(out)]) == 0
    files = sorted(out.glob("*.png"))
    assert len(files) == 8 and all(Image.open(f).size == (128, 128) for f in files)
    assert read_provenance(files[0])["drawn_at"] == "128"
    kept = ["Casual Shoes", "Sports Shoes", "Watches", "Handbags", "Heels", "Sunglasses", "Wallets", "Flip-flops",
            "Sandals", "Belts"]
    assert set(kept) <= set(load_generator(DEFAULT).categories)
