import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from productgen.gan.runs import TrainingRun, load_run
from productgen.gan.sampling import load_generator
from productgen.gan.training import Callbacks, Trainer, TrainOptions, category_weights, train_gan
from productgen.io.datasets import load_product_images
from productgen.store.weights import WeightsError
from productgen.train.runbook import TrainingError

from ..conftest import REPO
from .test_networks import tiny_config


@pytest.fixture
def data(image_folder):
    return load_product_images(image_folder, size=64, min_per_category=2)


def tiny_run(data) -> TrainingRun:
    config = tiny_config(len(data.categories))
    config.categories = data.categories
    return TrainingRun.fresh(config)


def test_two_steps_change_weights_with_finite_losses(data, tmp_path):
    run = tiny_run(data)
    before = {k: v.clone() for k, v in run.generator.state_dict().items()}
    trainer = Trainer(run, data, tmp_path, TrainOptions(steps=2, batch_size=8), torch.device("cpu"))
    losses = [trainer.step() for _ in range(2)]
    assert all(torch.isfinite(torch.tensor(pair)).all() for pair in losses)
    after = run.generator.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert run.step == 2 and run.images_seen == 16


def test_the_batch_is_laid_out_in_the_model_s_groups(data, tmp_path):
    run = tiny_run(data)
    run.discriminator.config.stddev_group = 3  # the discriminator's setting, not a number in the trainer
    trainer = Trainer(run, data, tmp_path, TrainOptions(steps=1, batch_size=9), torch.device("cpu"))
    _, labels = trainer._batch()
    assert torch.equal(labels[:3], labels[3:6]) and torch.equal(labels[:3], labels[6:])
    with pytest.raises(ValueError, match="multiple of the model's group size 3"):
        Trainer(run, data, tmp_path, TrainOptions(steps=1, batch_size=8), torch.device("cpu"))


def test_callbacks_fire_and_stop_ends_the_run(data, tmp_path):
    seen, previews, checkpoints = [], [], []
    callbacks = Callbacks(progress=seen.append, preview=lambda step, images: previews.append(images.shape),
                          checkpoint=lambda step, path: checkpoints.append(step),
                          should_stop=lambda: len(seen) >= 3)
    options = TrainOptions(steps=100, batch_size=8, log_every=1, preview_every=2)
    run = Trainer(tiny_run(data), data, tmp_path, options, torch.device("cpu")).train(callbacks)
    assert run.step == 3 and [p.step for p in seen] == [1, 2, 3]
    assert previews[0] == (2 * 8, 3, 64, 64)  # two categories: 8 each, so a preview holds at least 16 images
    assert checkpoints == [3]
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "train_state.pt").is_file()
    import json

    saved = json.loads((tmp_path / "config.json").read_text())["training"]["options"]
    assert saved["batch_size"] == 8 and saved["preview_every"] == 2 and saved["steps"] == 100  # the whole options


def test_resume_continues_the_step_count(data, tmp_path):
    Trainer(tiny_run(data), data, tmp_path, TrainOptions(steps=2, batch_size=8), torch.device("cpu")).train()
    run, info = load_run(tmp_path)
    assert run.step == 2 and "optimizer_state" in info
    train_gan(data, tmp_path, steps=4, resume=True, threads=1)
    assert load_run(tmp_path)[0].step == 4
    with pytest.raises(WeightsError, match="already holds a model"):
        train_gan(data, tmp_path, steps=6, resume=False, threads=1)
    assert load_run(tmp_path)[0].step == 4, "a refused run changed the model"


def test_category_sampling_sqrt_or_uniform(image_folder, tmp_path):
    assert torch.allclose(category_weights([100, 25, 0], "sqrt"), torch.tensor([10 / 15, 5 / 15, 0]))
    assert torch.allclose(category_weights([100, 25, 0], "uniform"), torch.tensor([0.5, 0.5, 0]))
    with pytest.raises(ValueError, match="category_sampling"):
        TrainOptions(steps=1, category_sampling="balanced")
    for extra in sorted((image_folder / "box").iterdir())[:4]:
        extra.unlink()  # 6 round, 2 box: drawn 63/37 by the square root, 50/50 uniformly
    data = load_product_images(image_folder, size=64, min_per_category=2)
    out = tmp_path / "model"
    run = train_gan(data, out, steps=1, threads=1, widths=(8, 8), class_weight=1.0, category_sampling="uniform")
    trainer = Trainer(run, data, out, TrainOptions(steps=1, batch_size=64, category_sampling="uniform"),
                      torch.device("cpu"))
    drawn = torch.cat([trainer._batch()[1] for _ in range(40)])
    assert abs(drawn.float().mean().item() - 0.5) < 0.07
    info = load_generator(out).info
    assert info["options"]["category_sampling"] == "uniform" and info["options"]["class_loss_weight"] == 1.0


def test_resume_from_shipped_files_without_train_state(data, tmp_path):
    Trainer(tiny_run(data), data, tmp_path, TrainOptions(steps=2, batch_size=8), torch.device("cpu")).train()
    (tmp_path / "train_state.pt").unlink()
    run, info = load_run(tmp_path)
    assert run.step == 2 and "optimizer_state" not in info


def test_divergence_keeps_the_last_good_checkpoint(data, tmp_path):
    trainer = Trainer(tiny_run(data), data, tmp_path, TrainOptions(steps=2, batch_size=8), torch.device("cpu"))
    trainer.train()
    good = (tmp_path / "model.safetensors").read_bytes()
    trainer.options.steps = 10
    with torch.no_grad():
        next(trainer.run.generator.parameters()).fill_(float("nan"))
    with pytest.raises(TrainingError, match="diverged"):
        trainer.train()
    assert (tmp_path / "model.safetensors").read_bytes() == good


def test_generator_round_trip_and_seeds(data, tmp_path):
    Trainer(tiny_run(data), data, tmp_path, TrainOptions(steps=1, batch_size=8), torch.device("cpu")).train()
    generator = load_generator(tmp_path)
    first = generator.sample("box", n=4, seed=5)
    assert [image.size for image in first] == [(64, 64)] * 4
    assert [image.tobytes() for image in first] == [i.tobytes() for i in generator.sample("box", n=4, seed=5)]
    # the first images of a seed do not depend on how many are drawn
    assert first[0].tobytes() == generator.sample("box", n=1, seed=5)[0].tobytes()
    assert first[0].tobytes() != generator.sample("box", n=1, seed=6)[0].tobytes()
    # saving the loaded model again and loading it gives identical images
    from productgen.gan.runs import save_gan
    run, _ = load_run(tmp_path)
    run.generator_ema.load_state_dict(generator.generator.state_dict())
    save_gan(tmp_path / "copy", run, torch.float16, {})
    again = load_generator(tmp_path / "copy").sample("box", n=4, seed=5)
    assert [i.tobytes() for i in again] == [i.tobytes() for i in first]


@pytest.mark.slow
def test_cli_resumes_after_kill_9(image_folder, tmp_path):
    out = tmp_path / "model"
    command = [sys.executable, "-m", "productgen", "train", "--data", str(image_folder), "--min-per-category", "2",
               "--out", str(out), "--steps", "100000", "--threads", "1", "--generator-width", "8",
               "--discriminator-width", "8", "--checkpoint-minutes", "0"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "train_state.pt").is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    killed_at = load_run(out)[0].step  # the last complete checkpoint loads
    assert killed_at >= 1
    resume = command + ["--resume"]
    resume[resume.index("--steps") + 1] = str(killed_at + 2)
    subprocess.run(resume, cwd=REPO, env=env, check=True, capture_output=True)
    assert load_run(out)[0].step == killed_at + 2


def test_a_128_px_model_trains_saves_and_streams_its_images(image_folder, tmp_path):
    data = load_product_images(image_folder, size=128, min_per_category=2)
    parent = tiny_run(load_product_images(image_folder, size=64, min_per_category=2))
    from productgen.gan.runs import transfer

    Trainer(transfer(parent, data.categories, 128), data, tmp_path, TrainOptions(steps=1, batch_size=8),
            torch.device("cpu")).train()
    generator = load_generator(tmp_path)
    assert generator.image_size == 128
    drawn = generator.sample("box", n=5, seed=3, size=128)
    assert [image.size for image in drawn] == [(128, 128)] * 5
    assert drawn[0].info["productgen"]["drawn_at"] == 128
    # streamed in batches of two: the same images (a batch of another size may round a level apart), never
    # more than a batch at a time
    batches = list(generator.iter_samples("box", n=5, seed=3, size=128, batch_size=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    streamed = np.stack([np.asarray(i, np.int16) for batch in batches for i in batch])
    assert np.abs(streamed - np.stack([np.asarray(i, np.int16) for i in drawn])).max() <= 1
    assert [i.info["productgen"]["index"] for batch in batches for i in batch] == [0, 1, 2, 3, 4]
    assert [image.size for image in generator.sample("box", n=2, seed=3, size=64)] == [(64, 64)] * 2


def test_a_grown_run_is_refused_a_smaller_size(data):
    from productgen.gan.runs import transfer

    grown = transfer(tiny_run(data), data.categories, 128)
    with pytest.raises(TrainingError, match="cannot be shrunk"):
        transfer(grown, data.categories, 64)


def test_train_starts_from_a_model_and_grows_it(image_folder, tmp_path):
    small = tmp_path / "small"
    train_gan(load_product_images(image_folder, size=64, min_per_category=2), small, steps=1, widths=(8, 8))
    grown = tmp_path / "grown"
    run = train_gan(load_product_images(image_folder, size=128, min_per_category=2), grown, steps=2,
                    image_size=128, start_from=small)
    assert run.generator.config.image_size == 128 and run.step == 2
    assert load_generator(grown).image_size == 128
    assert load_run(grown)[1]["start_from"] == str(small)
