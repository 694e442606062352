"""The attacks of "Trust under attack": each is refused with a clear message, or completes within its limits,
and nothing the project ships is changed."""
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from productgen.enhance.studio import MAX_CANVAS, Recipe, process_image
from productgen.io.archives import MAX_NAME_CHARS, ArchiveError, collect_uploads
from productgen.io.images import open_image
from productgen.store import loading, weights

from .conftest import REPO, draw_product


def zero_entries(path, count: int, size: int = 1_000_000):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        block = b"\0" * size
        for index in range(count):
            bundle.writestr(f"p{index:04d}.png", block)
    return path


@pytest.mark.parametrize("count, message", [(600, "at most 512 MB"), (120, "ZIP bomb")])
def test_zip_of_many_small_zero_entries_is_refused_before_anything_is_written(tmp_path, count, message):
    archive = zero_entries(tmp_path / "small-bomb.zip", count)
    assert archive.stat().st_size < 3_000_000
    with pytest.raises(ArchiveError, match=message):
        collect_uploads([archive], tmp_path / "work")
    assert not any(p.is_file() for p in (tmp_path / "work").rglob("*"))


def test_the_unpacked_budget_counts_every_zip_of_one_upload(tmp_path, monkeypatch):
    from productgen.io import archives

    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 30_000)
    photos = []
    for index in range(2):
        path = tmp_path / f"part{index}.zip"
        with zipfile.ZipFile(path, "w") as bundle:  # stored: photos do not compress
            bundle.writestr("a.png", np.random.default_rng(index).bytes(20_000))
        photos.append(path)
    with pytest.raises(ArchiveError, match="smaller ZIPs"):
        collect_uploads(photos, tmp_path / "work")


def test_an_upload_deleted_while_its_request_queued_is_a_clear_message_without_the_server_path(tmp_path):
    from productgen.io import workspace

    kept = tmp_path / "kept.png"
    draw_product("round", 0).save(kept)
    with pytest.raises(ValueError, match="1 of the uploaded files are no longer on the server") as refused:
        with workspace.unpacked([str(kept), str(tmp_path / "aged-out.png")], None):
            pass
    assert str(tmp_path) not in str(refused.value)


def test_a_zip_entry_name_over_255_bytes_is_shortened_not_fatal(tmp_path):
    long_name = "ü" * 200 + ".png"  # 400 bytes in UTF-8
    image = tmp_path / "x.png"
    draw_product("round", 1, 64).save(image)
    with zipfile.ZipFile(tmp_path / "long.zip", "w") as bundle:
        bundle.write(image, f"folder/{long_name}")
        bundle.write(image, "ok.png")
    collected = collect_uploads([tmp_path / "long.zip"], tmp_path / "work")
    assert len(collected.files) == 2 and all(p.is_file() for p in collected.files)
    assert all(len(p.name) <= MAX_NAME_CHARS and p.suffix == ".png" for p in collected.files)


def test_a_corrupt_or_incomplete_model_folder_is_listed_as_broken_with_the_reason(tmp_path):
    (tmp_path / "garbled").mkdir()
    (tmp_path / "garbled" / "config.json").write_text("{not json")
    (tmp_path / "garbled" / "model.safetensors").write_bytes(b"")
    (tmp_path / "headless").mkdir()
    (tmp_path / "headless" / "model.safetensors").write_bytes(b"")
    (tmp_path / "photos").mkdir()  # not a model at all: not listed
    broken = weights.broken_models([tmp_path])
    assert "cannot be read" in broken["garbled"] and "config.json is missing" in broken["headless"]
    assert "photos" not in broken and weights.list_models("generator", [tmp_path]) == {}


@pytest.mark.parametrize("name", ["../default", "weights/default", "/etc", "classifier", "cutout"])
def test_only_a_listed_generator_is_used_never_a_path_or_another_kind_of_model(name):
    assert weights.generator_names()[0] == weights.DEFAULT_GENERATOR
    assert weights.known_generator("default") == "default"
    with pytest.raises(ValueError, match=f"Unknown model '{name}'; choose one of: default"):
        weights.known_generator(name)


def test_a_model_of_a_newer_format_is_refused_by_name_not_misread(tmp_path):
    import shutil

    from productgen.cutout.network import load_cutout
    from productgen.gan.sampling import load_generator

    for name, load in (("cutout", load_cutout), ("default", load_generator)):
        copy = tmp_path / name
        shutil.copytree(weights.WEIGHTS_DIR / name, copy, ignore=shutil.ignore_patterns("*.png", "*.pt"))
        config = weights.read_json(copy / "config.json")
        config["architecture"]["version"] = 99
        weights.write_json(copy / "config.json", config)
        with pytest.raises(weights.WeightsError, match="format-99 model .* reads up to format 1: update productgen"):
            load(copy)


@pytest.mark.parametrize("values, message", [
    ({"jpeg_quality": 50.5}, "jpeg_quality must be a whole number"),
    ({"jpeg_quality": "92"}, "jpeg_quality must be a number"),
    ({"canvas": [10000, 10000], "shadow": 1}, f"between 100 and {MAX_CANVAS}"),
    ({"canvas": [2000]}, r"\[width, height\]"),
    ({"shadow": float("nan")}, "shadow must be a number"),
    ({"shadow": 1e9}, "shadow must be between 0 and 1"),
    ({"fill": float("inf")}, "fill must be a number"),
    ({"auto": "yes"}, "auto must be true or false"),
    ({"preset": "myshop"}, "unknown marketplace preset"),
])
def test_recipe_values_are_typed_finite_and_in_range(values, message):
    with pytest.raises(ValueError, match=message):
        Recipe(**values)


def test_a_preset_named_by_its_display_name_or_case_works():
    assert Recipe(preset="Amazon").preset == "amazon"
    assert Recipe(preset="Amazon (main image)").preset == "amazon"
    assert Recipe.from_json('{"preset": "EBAY"}').preset == "ebay"


def test_the_heaviest_allowed_recipe_completes():
    photo = draw_product("round", 3, size=1200, background=(236, 234, 230))
    result = process_image(photo, Recipe(canvas=(MAX_CANVAS, MAX_CANVAS), shadow=1.0))
    assert result.image.size == (MAX_CANVAS, MAX_CANVAS)


def test_a_95_megapixel_photo_opens(tmp_path):
    path = tmp_path / "big.png"
    Image.new("1", (10_000, 9_500), 1).save(path)
    assert open_image(path).size == (10_000, 9_500)


def run_cli(*args):
    if args[0] == "train":
        args = (*args, "--min-per-category", "4", "--generator-width", "16", "--discriminator-width", "16")
    return subprocess.run([sys.executable, "-m", "productgen", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def tiny_data(folder):
    for kind in ("round", "box"):
        (folder / kind).mkdir(parents=True)
        for index in range(6):
            draw_product(kind, index, 64).save(folder / kind / f"{index}.png")
    return folder


@pytest.mark.slow
def test_the_cli_never_replaces_a_model_without_overwrite_and_then_keeps_a_backup(tmp_path):
    data, out = tiny_data(tmp_path / "data"), tmp_path / "model"
    assert run_cli("train", "--data", str(data), "--out", str(out), "--steps", "1", "--threads", "1").returncode == 0
    before = (out / "model.safetensors").read_bytes()
    refused = run_cli("train", "--data", str(data), "--out", str(out), "--steps", "2", "--threads", "1")
    assert refused.returncode == 2 and "--overwrite" in refused.stderr and "Traceback" not in refused.stderr
    assert (out / "model.safetensors").read_bytes() == before
    replaced = run_cli("train", "--data", str(data), "--out", str(out), "--steps", "1", "--threads", "1",
                       "--overwrite")
    assert replaced.returncode == 0 and (tmp_path / "model.backup-1" / "model.safetensors").read_bytes() == before


@pytest.mark.slow
def test_resume_after_a_kill_removes_orphan_temporaries_and_says_its_step(tmp_path):
    data, out = tiny_data(tmp_path / "data"), tmp_path / "model"
    assert run_cli("train", "--data", str(data), "--out", str(out), "--steps", "2", "--threads", "1").returncode == 0
    orphan = out / ".model.safetensors.k1ll3d.tmp"
    orphan.write_bytes(b"half a file")
    resumed = run_cli("train", "--data", str(data), "--out", str(out), "--steps", "3", "--threads", "1", "--resume")
    assert resumed.returncode == 0 and "from step 2" in resumed.stderr
    assert not orphan.exists()
    assert subprocess.run(["git", "check-ignore", "-q", "weights/x/.model.safetensors.k1ll3d.tmp"],
                          cwd=REPO).returncode == 0


class Payload:
    def __reduce__(self):
        return (print, ("this code ran",))


@pytest.mark.slow
def test_a_malicious_training_state_is_refused_in_one_line(tmp_path):
    data, out = tiny_data(tmp_path / "data"), tmp_path / "model"
    assert run_cli("train", "--data", str(data), "--out", str(out), "--steps", "1", "--threads", "1").returncode == 0
    with open(out / "train_state.pt", "wb") as handle:
        pickle.dump({"step": Payload()}, handle)
    resumed = run_cli("train", "--data", str(data), "--out", str(out), "--steps", "3", "--threads", "1", "--resume")
    assert resumed.returncode == 2 and "not a training state" in resumed.stderr
    assert "this code ran" not in resumed.stdout and "Traceback" not in resumed.stderr


def test_push_without_a_network_is_one_clear_error(tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    def offline(*args, **kwargs):
        raise OSError("[Errno -2] Name or service not known")

    monkeypatch.setattr(HfApi, "create_repo", offline)
    with pytest.raises(weights.WeightsError, match="could not upload.*check your connection"):
        loading.push_to_hub(REPO / "weights" / "classifier", "someone/model", token="hf_test")


def test_state_files_hold_only_tensors_and_numbers(tmp_path):
    weights.save_state(tmp_path / "s.pt", {"step": 3, "w": torch.ones(2)})
    assert weights.load_state(tmp_path / "s.pt")["step"] == 3
