"""The x4 upscaler: shipped weights, sizes, sharpness against Lanczos, tiling, the CLI, Generate and Enhance."""
import json
import math

import cv2
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from productgen.cli.main import main
from productgen.upscale import training, upscaler
from productgen.upscale.patches import degrade, make_batch
from productgen.upscale.training import UpscaleTrainOptions, detail_kept, psnr, ssim
from productgen.upscale.upscaler import UpscaleConfig, UpscaleNet, load_upscaler, run_tensor, upscale

from ..conftest import REPO

SHIPPED = REPO / "weights" / "upscale"


def drawn_sharp(side: int = 256) -> Image.Image:
    """Sharp edges at every angle, as a camera sees them (drawn 4x larger and shrunk, so anti-aliased): a disc,
    stripes, a checker and a diagonal, like a product's print and seams."""
    k = 4 * side / 256
    image = Image.new("RGB", (4 * side, 4 * side), (235, 230, 220))
    draw = ImageDraw.Draw(image)

    def box(*xy):
        return [round(v * k) for v in xy]

    draw.ellipse(box(20, 20, 120, 120), fill=(30, 60, 150))
    for x in range(140, 240, 12):
        draw.rectangle(box(x, 20, x + 5, 120), fill=(200, 40, 30))
    for y in range(140, 240, 16):
        for x in range(20 + (y // 16 % 2) * 16, 120, 32):
            draw.rectangle(box(x, y, x + 15, y + 15), fill=(20, 20, 20))
    draw.polygon([tuple(box(140, 240)), tuple(box(240, 140)), tuple(box(240, 240))], fill=(40, 140, 60))
    return image.resize((side, side), Image.Resampling.BOX)


def test_shipped_upscaler_loads_small_and_plain():
    config = json.loads((SHIPPED / "config.json").read_text())
    assert config["kind"] == "upscaler" and config["training"]["step"] > 0
    assert (SHIPPED / "model.safetensors").stat().st_size < 10_000_000
    assert (SHIPPED / "README.md").is_file()
    model = load_upscaler(SHIPPED)
    assert model.config.scale == 4 and 100_000 < upscaler.parameter_count(model) < 2_000_000


def test_output_size_range_alpha_and_label_kept():
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (23, 37, 3), dtype=np.uint8))
    image.info["AI-generated"] = "true"
    large = upscale(image, 4)
    assert large.size == (148, 92) and large.mode == "RGB" and large.info["AI-generated"] == "true"
    pixels = run_tensor(upscaler.cached_upscaler(), torch.randint(0, 256, (1, 3, 20, 30), dtype=torch.uint8))
    assert pixels.dtype == torch.uint8 and pixels.shape == (1, 3, 80, 120)
    rgba = image.convert("RGBA")
    rgba.putalpha(Image.new("L", image.size, 128))
    assert upscale(rgba, size=(100, 60)).mode == "RGBA" and upscale(rgba, size=(100, 60)).getpixel((50, 30))[3] == 128
    assert upscale(image, 2.5).size == (92, 58) and upscale(image, 8).size == (296, 184)
    for bad in (0.5, float("nan"), 100, "4", True):
        with pytest.raises(ValueError, match="scale"):
            upscale(image, bad)
    with pytest.raises(ValueError, match="8192"):
        upscale(image, size=(9000, 10))
    with pytest.raises(ValueError, match="method"):
        upscale(image, 4, method="magic")


def test_a_drawn_sharp_edge_comes_back_sharper_than_lanczos():
    sharp = drawn_sharp()
    small = sharp.resize((64, 64), Image.Resampling.BICUBIC)
    ours, plain = np.asarray(upscale(small, 4)), np.asarray(small.resize((256, 256), Image.Resampling.LANCZOS))
    truth = np.asarray(sharp)
    assert detail_kept(ours, truth) > 1.3 * detail_kept(plain, truth)
    assert psnr(ours, truth) > psnr(plain, truth)
    assert ssim(ours, truth) > ssim(plain, truth)


def test_the_unsharp_mask_adds_detail_and_keeps_white_white_and_flat_flat():
    from productgen.upscale.upscaler import upscale_many

    sharp = drawn_sharp()
    small = sharp.resize((64, 64), Image.Resampling.BICUBIC)
    shipped = np.asarray(upscale(small, 4))
    raw = np.asarray(upscale_many([small], (256, 256), sharpen=(0, 0))[0])
    truth = np.asarray(sharp)
    assert detail_kept(shipped, truth) > 1.1 * detail_kept(raw, truth)
    assert np.abs(shipped.astype(int) - raw).max() > 0 and psnr(shipped, truth) > psnr(raw, truth) - 0.5
    product = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(product).rectangle((20, 20, 44, 44), fill=(40, 60, 150))  # a product on white
    large = np.asarray(upscale(product, 4))
    assert large[:40].min() >= 250 and large[:, :40].min() >= 250  # no dark fringe on the white around it
    flat = Image.new("RGB", (64, 64), (128, 128, 128))
    grey = np.asarray(upscale(flat, 4)).astype(int)
    grey_raw = np.asarray(upscale_many([flat], (256, 256), sharpen=(0, 0))[0]).astype(int)
    assert np.ptp(grey) <= np.ptp(grey_raw) + 2  # the network's own ripple, hardly sharpened


def test_the_answer_is_averaged_with_the_mirror_images_so_a_mirrored_photo_gets_the_mirrored_answer():
    model = upscaler.cached_upscaler()
    image = torch.from_numpy(np.array(drawn_sharp(64).convert("RGB"))).permute(2, 0, 1)[None].contiguous()
    averaged = run_tensor(model, image, precision="float32")
    of_mirror = run_tensor(model, image.flip(-1), precision="float32")
    assert (averaged.int() - of_mirror.flip(-1).int()).abs().max() <= 1  # the same answer, mirrored
    one_pass = run_tensor(model, image, precision="float32", mirror=False)
    one_pass_of_mirror = run_tensor(model, image.flip(-1), precision="float32", mirror=False)
    assert (one_pass.int() - one_pass_of_mirror.flip(-1).int()).abs().max() > 3  # one pass is not symmetric
    with torch.inference_mode():  # the mean of the network's two answers, clamped and rounded once
        pixels = image.float() / 255
        mean = (model(pixels) + model(pixels.flip(-1)).flip(-1)) / 2
    assert (averaged.float() - (mean.clamp(0, 1) * 255).round()).abs().max() <= 1


def test_tiles_give_the_one_pass_result():
    model = upscaler.cached_upscaler()
    images = torch.randint(0, 256, (2, 3, 70, 90), dtype=torch.uint8)
    whole = run_tensor(model, images, tile=1000, precision="float32")
    tiled = run_tensor(model, images, tile=32, precision="float32")
    assert tiled.shape == (2, 3, 280, 360)
    assert (tiled.int() - whole.int()).abs().max() <= 1


@pytest.mark.parametrize("length, tile", [(700, 512), (500, 256), (256, 256), (257, 256), (31, 32), (1000, 7)])
def test_tiles_are_few_and_even_and_cover_the_side_once(length, tile):
    pieces = upscaler._tiles(length, tile)
    assert len(pieces) == -(-length // tile)  # the fewest that fit
    assert [start for start, _ in pieces] == list(np.cumsum([0] + [size for _, size in pieces[:-1]]))
    assert sum(size for _, size in pieces) == length and max(size for _, size in pieces) <= tile
    assert max(size for _, size in pieces) - min(size for _, size in pieces) <= len(pieces)  # about one size


def test_bfloat16_where_the_cpu_has_it_stays_within_two_levels_of_float32():
    model = upscaler.cached_upscaler()
    images = torch.from_numpy(np.array(drawn_sharp(64).convert("RGB"))).permute(2, 0, 1)[None].contiguous()
    exact = run_tensor(model, images, precision="float32")
    if upscaler.fast_precision() != "bfloat16":
        pytest.skip("this CPU has no native bfloat16: the upscaler runs in float32")
    fast = run_tensor(model, images, precision="bfloat16")
    difference = (fast.int() - exact.int()).abs()
    assert difference.max() <= 3 and difference.float().mean() < 0.5


def test_many_images_of_one_size_go_as_one_batch_with_the_same_result():
    rng = np.random.default_rng(1)
    images = [Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)) for _ in range(3)]
    together = upscaler.upscale_many(images, (512, 512))
    alone = upscale(images[1], size=(512, 512))
    assert [image.size for image in together] == [(512, 512)] * 3
    assert np.abs(np.asarray(together[1], np.int16) - np.asarray(alone, np.int16)).max() <= 1
    assert upscaler.passes_for((64, 64), (512, 512)) == 1 and upscaler.passes_for((64, 64), (1024, 1024)) == 2
    assert upscaler.passes_for((100, 100), (140, 140)) == 0


def test_cli_round_trip(tmp_path, capsys):
    drawn_sharp(64).save(tmp_path / "label.png")
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="could not be read"):
        main(["upscale", str(tmp_path / "label.png"), str(tmp_path / "broken.jpg"), "--out", str(out)])
    assert Image.open(out / "label.png").size == (256, 256)
    assert "broken.jpg: error" in capsys.readouterr().out
    assert main(["upscale", str(tmp_path / "label.png"), "--out", str(out), "--scale", "2",
                 "--method", "lanczos"]) == 0
    assert Image.open(out / "label.png").size == (128, 128)
    assert main(["upscale", str(tmp_path / "label.png"), "--out", str(out), "--scale", "50"]) == 2
    assert "scale must be" in capsys.readouterr().err


def test_training_pairs_and_a_resumable_run(tmp_path):
    rng = np.random.default_rng(0)
    patches = np.stack([np.asarray(drawn_sharp(160)) for _ in range(4)])
    inputs, targets = make_batch(rng, patches, 3, 64)
    assert inputs.shape == (3, 3, 16, 16) and targets.shape == (3, 3, 64, 64)
    assert all(degrade(rng, patches[0][:64, :64]).shape == (16, 16, 3) for _ in range(20))
    options = UpscaleTrainOptions(batch_size=2, side=64, steps=3, l1_steps=2, log_every=1)
    config = UpscaleConfig(channels=8, convs=2)
    training.train_upscaler(patches, tmp_path / "run", options, config)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3] and "adversarial" in log[-1] and "feature" in log[-1]
    with pytest.raises(ValueError, match="already holds a model"):
        training.train_upscaler(patches, tmp_path / "run", options, config)
    options.steps = 5
    model = training.train_upscaler(patches, tmp_path / "run", options, resume=True)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["training"]["step"] == 5
    assert isinstance(model, UpscaleNet) and model.config.channels == 8


def test_texture_loss_asks_for_the_targets_detail_in_its_places():
    target = torch.from_numpy(np.array(drawn_sharp(64))).permute(2, 0, 1)[None].float() / 255
    smooth = torch.nn.functional.avg_pool2d(target, 5, 1, 2)
    assert training.texture_loss(target, target) < 1e-6
    assert training.texture_loss(smooth, target) > 0.01  # detail averaged away costs
    # detail in the wrong places costs too: a plain output with grain everywhere is no match for the edges
    grain = target.mean() + 0.2 * (torch.rand_like(target) - 0.5)
    assert training.texture_loss(grain, target) > 0.01


def test_grid_loss_finds_a_stamp_painted_into_every_block():
    # a texture with no fixed period (blurred noise), and the same with one 4x4 pattern added to every block
    noise = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    texture = torch.nn.functional.avg_pool2d(noise, 3, 1, 1)
    stamped = texture + torch.tensor([[0.0, 0.06, -0.06, 0.0]] * 4).repeat(32, 32)
    assert training.grid_loss(texture) < 0.3
    assert training.grid_loss(stamped) > training.grid_loss(texture) + 0.5
    stamped.requires_grad_(True)
    training.grid_loss(stamped).backward()  # trainable
    assert torch.isfinite(stamped.grad).all()


def test_block_phase_strength_finds_a_dot_screen_that_follows_the_content():
    """A dot at one position of every 4x4 block, dark on the light half and light on the dark half: the stamp's
    spectral peaks cancel out (``grid_strength`` stays low), the block-phase measure does not."""
    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur(rng.uniform(0, 255, (128, 128, 3)).astype(np.float32), (0, 0), 1)
    photo[:, :64] = photo[:, :64] * 0.5 + 120  # a light half and a dark half
    photo[:, 64:] = photo[:, 64:] * 0.5
    screened = photo.copy()
    screened[1::4, 1::4, :] += np.where(np.arange(128)[1::4] < 64, -40, 40)[None, :, None]
    plain, dotted = (np.clip(image, 0, 255).astype(np.uint8) for image in (photo, screened))
    assert training.block_phase_strength(plain) < 0.15
    assert training.block_phase_strength(dotted) > 0.4
    assert training.grid_strength(dotted) < 2  # the spectral measure misses it
    as_tensor = [training._one_image(image) for image in (plain, dotted)]
    assert training.phase_loss(as_tensor[0], as_tensor[0]) == 0
    screen = as_tensor[1].requires_grad_(True)
    loss = training.phase_loss(screen, as_tensor[0])
    assert loss > 0.3
    loss.backward()  # trainable
    assert torch.isfinite(screen.grad).all()


def test_grid_loss_does_not_join_the_top_edge_to_the_bottom():
    # a light-to-dark gradient: a plain FFT sees a hard seam where the bottom wraps to the top, with power on the
    # stamp's frequencies (the network trained against it painted a dotted band along the top edge)
    noise = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(1))
    ramp = torch.linspace(0.1, 0.9, 128)[None, None, :, None] + 0.02 * torch.nn.functional.avg_pool2d(noise, 3, 1, 1)
    seam = torch.nn.functional.relu(torch.log(training.grid_peaks(ramp)) - math.log(2.5)).mean()
    assert training.grid_loss(ramp) < 0.1 < seam


def test_a_run_can_start_from_a_trained_upscaler_with_the_texture_loss(tmp_path):
    patches = np.stack([np.asarray(drawn_sharp(160)) for _ in range(2)])
    start = UpscaleNet(UpscaleConfig(channels=8, convs=2))
    options = UpscaleTrainOptions(batch_size=2, side=64, steps=2, l1_steps=0, texture_weight=1.0, log_every=1)
    model = training.train_upscaler(patches, tmp_path / "run", options, init=start)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert "texture" in log[0] and model.config.channels == 8
    with pytest.raises(ValueError, match="texture_weight"):
        UpscaleTrainOptions(steps=1, texture_weight=-1)

def test_enhance_says_the_model_enlarged_a_small_product():
    from productgen.enhance.studio import Recipe, process_image

    photo = Image.new("RGB", (160, 160), (255, 255, 255))
    ImageDraw.Draw(photo).rectangle((40, 30, 120, 130), fill=(40, 70, 140))
    result = process_image(photo, Recipe(canvas=(400, 400)))
    rules = {r.rule: r for r in result.report}
    assert rules["Sharpness"].status == "pass" and "upscaler model" in rules["Sharpness"].measured
    assert result.enlarged_by == "model"
    result = process_image(photo, Recipe(canvas=(400, 400), upscaler="lanczos"))
    rules = {r.rule: r for r in result.report}
    assert rules["Sharpness"].status == "warn" and "Lanczos" in rules["Sharpness"].measured
    assert result.enlarged_by == "lanczos"
    assert process_image(photo, Recipe(canvas=(100, 100))).enlarged_by is None
    with pytest.raises(ValueError, match="upscaler"):
        Recipe(upscaler="bicubic")


def test_card_of_a_fine_tune_counts_the_model_it_started_from(tmp_path):
    from productgen.store.weights import write_json
    from productgen.upscale.card import upscale_card

    options = {"batch_size": 16, "side": 128, "l1_steps": 0, "feature_weight": 1.0, "adversarial_weight": 0.1,
               "grid_weight": 0.4, "ema": 0.999}
    training = {"step": 700, "seconds": 1800, "options": options,
                "started_from": {"model": "upscale", "step": 12000, "seconds": 7200}}
    write_json(tmp_path / "config.json", {"kind": "upscale", "architecture": {"scale": 4}, "training": training})
    text = upscale_card(tmp_path, "PSNR 27").read_text()
    assert "700 in the last run (0.50 h), started from `upscale` (12,000 steps, 2.00 h): 12,700 steps" in text
    assert "from the model it started from (trained with L1 alone first)" in text and "0.4 x grid" in text
    assert text.startswith("---\nlicense: mit\nlibrary_name: productgen\n") and "pipeline_tag: image-to-image" in text


def test_a_fine_tune_records_all_the_training_of_the_model_it_started_from(tmp_path):
    from productgen.store.weights import save_model, training_history

    # the model started from was itself a fine-tune: its own start counts too
    state = UpscaleNet(UpscaleConfig(channels=8, convs=2)).state_dict()
    training = {"step": 700, "seconds": 1800, "started_from": {"model": "upscale", "step": 12000, "seconds": 7200}}
    save_model(tmp_path, "upscale", state, {}, training)
    assert training_history(tmp_path) == {"model": str(tmp_path), "step": 12700, "seconds": 9000}
    save_model(tmp_path, "upscale", state, {}, {"step": 5})
    assert training_history(tmp_path)["step"] == 5
