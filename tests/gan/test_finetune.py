import os
import socket
import time

import pytest
import torch

from productgen.gan.finetune import FinetuneJob, check_budget, finetune
from productgen.gan.runs import TrainingRun, load_run, transfer
from productgen.gan.sampling import load_generator
from productgen.gan.training import Callbacks, Trainer, TrainOptions
from productgen.io.datasets import load_product_images
from productgen.recognise.network import ClassifierConfig, ProductClassifier
from productgen.store.weights import WeightsError, is_owner, owner_hash
from productgen.train.runbook import TrainingError

from .test_networks import tiny_config


@pytest.fixture
def base(tmp_path, image_folder):
    """A tiny trained base model with categories 'box' and 'round'."""
    data = load_product_images(image_folder, min_per_category=2)
    config = tiny_config(2)
    config.categories = data.categories
    out = tmp_path / "base"
    Trainer(TrainingRun.fresh(config), data, out, TrainOptions(steps=1, batch_size=8), torch.device("cpu")).train()
    return out


@pytest.fixture
def mugs(image_folder):
    return load_product_images(image_folder, min_per_category=2, single_category="Mugs")


def test_transfer_keeps_known_and_adds_new_categories(base):
    run, _ = load_run(base)
    new = transfer(run, ["round", "Mugs"])
    old = run.generator.config.categories.index("round")
    assert torch.equal(new.generator.label_embedding.weight[0], run.generator.label_embedding.weight[old])
    assert torch.allclose(new.generator.label_embedding.weight[1], run.generator.label_embedding.weight.mean(0))
    assert torch.equal(new.generator.to_rgb.weight, run.generator.to_rgb.weight)


def test_finetune_steps_callbacks_stop_and_resume(base, mugs, tmp_path):
    out = tmp_path / "mugs"
    seen = []
    callbacks = Callbacks(progress=seen.append, should_stop=lambda: len(seen) >= 2)
    run = finetune(base, mugs, out, steps=50, callbacks=callbacks)
    assert 2 <= run.step < 50 and seen[0].step == 1
    frozen = load_run(base)[0].discriminator.blocks[0].parametrizations.weight.original
    assert torch.equal(run.discriminator.blocks[0].parametrizations.weight.original.cpu(), frozen)  # Freeze-D
    stopped_at = run.step
    run = finetune(base, mugs, out, steps=stopped_at + 2, resume=True)
    assert run.step == stopped_at + 2
    images = load_generator(out).sample("Mugs", n=3, seed=1)
    assert len(images) == 3 and images[0].size == (64, 64)
    with pytest.raises(WeightsError, match="already holds"):
        finetune(base, mugs, out, steps=1)
    finetune(base, mugs, out, steps=1, overwrite=True)
    assert load_run(tmp_path / "mugs.backup-1")[0].step == stopped_at + 2, "the replaced model was not kept"


def test_budget_is_finite_whole_and_within_the_limit():
    assert check_budget("minutes", 2.5) == (2.5, None) and check_budget("steps", 30) == (None, 30)
    for kind, value, message in [("minutes", float("nan"), "at most"), ("minutes", 1e9, "at most"),
                                 ("minutes", 0, "more than 0"), ("steps", 2.5, "whole"), ("steps", 10**9, "1 to"),
                                 ("minutes", None, "a number"), ("hours", 1, "minutes or steps")]:
        with pytest.raises(ValueError, match=message):
            check_budget(kind, value)
    with pytest.raises(ValueError, match="at most 5 minutes"):
        check_budget("minutes", 6, max_minutes=5)


def test_a_job_stops_at_its_wall_clock_limit_and_publishes_atomically(base, mugs, tmp_path):
    classifier = ProductClassifier(ClassifierConfig(categories=["a", "b"], widths=(4, 8, 8, 8)))
    job = FinetuneJob(base, mugs, tmp_path / "limited", steps=20_000, classifier=classifier, max_minutes=0.02,
                      owner=owner_hash("key-of-the-owner")).start()
    assert not (tmp_path / "limited").exists() and job.work_dir.name.startswith(".staging-limited-")
    assert job.finished.wait(120) and job.error is None, job.error
    assert job.hit_limit and (tmp_path / "limited" / "config.json").is_file() and not job.work_dir.exists()
    assert is_owner(tmp_path / "limited", "key-of-the-owner") and not is_owner(tmp_path / "limited", "other")


def test_too_few_photos_is_a_clear_error(base, image_folder, tmp_path):
    few = load_product_images(image_folder / "box", min_per_category=2, single_category="Mugs")
    few.images, few.labels = few.images[:3], few.labels[:3]
    with pytest.raises(TrainingError, match="at least 8"):
        finetune(base, few, tmp_path / "few", steps=1)


def test_job_runs_in_background_one_at_a_time_and_reports(base, mugs, tmp_path):
    classifier = ProductClassifier(ClassifierConfig(categories=["a", "b"], widths=(4, 8, 8, 8)))
    gave_way = []  # a server blocks here while a visitor's single photo is processed
    job = FinetuneJob(base, mugs, tmp_path / "job", steps=400, classifier=classifier,
                      give_way=lambda: gave_way.append(time.monotonic())).start()
    second = FinetuneJob(base, mugs, tmp_path / "job2", steps=1, classifier=classifier)
    with pytest.raises(TrainingError, match="already running"):
        second.start()
    deadline = time.monotonic() + 60
    while job.progress is None and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    assert job.finished.wait(120)
    assert job.error is None, job.error
    assert job.losses and job.preview is not None and "Memorisation check" in job.quality
    assert (tmp_path / "job" / "README.md").is_file()
    assert len(gave_way) >= max(record["step"] for record in job.losses)  # before every step


def test_quality_report_flags_copies(base, mugs, tmp_path):
    import numpy as np

    from productgen.gan.metrics import memorisation

    photos = np.random.default_rng(0).normal(size=(30, 16))
    assert memorisation(photos[:10] + 1e-4, photos).flagged
    assert not memorisation(np.random.default_rng(1).normal(size=(30, 16)) * 3 + 10, photos).flagged


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rank_worker(rank: int, world: int, port: int, folder: str, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    data = load_product_images(folder, min_per_category=2)
    config = tiny_config(2)
    config.categories = data.categories
    torch.manual_seed(rank)  # different initial weights: the trainer must broadcast rank 0's
    run = TrainingRun.fresh(config)
    Trainer(run, data, out, TrainOptions(steps=2, batch_size=8), torch.device("cpu")).train()
    torch.save({k: v.clone() for k, v in run.generator.state_dict().items()}, f"{out}/rank{rank}.pt")
    import torch.distributed as dist

    dist.barrier()  # neither rank tears the group down while the other still uses it (a gloo abort, seen once in CI)
    dist.destroy_process_group()


@pytest.mark.slow
def test_two_process_gloo_keeps_ranks_identical(image_folder, tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_rank_worker, args=(2, _free_port(), str(image_folder), str(tmp_path)), nprocs=2, join=True)
    first, second = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert all(torch.equal(first[k], second[k]) for k in first if "running" not in k and "num_batches" not in k)
    assert load_run(tmp_path)[0].step == 2 and load_run(tmp_path)[0].images_seen == 2 * 8 * 2
