import math

import pytest

from productgen.gan.training import TrainOptions
from productgen.train.runbook import RunBook, RunOptions, check_run_budget


@pytest.mark.parametrize("budget, message", [
    ({"minutes": None, "steps": None}, "give a budget: minutes or steps"),
    ({"minutes": math.nan, "steps": None}, "minutes must be a positive number, got nan"),
    ({"minutes": None, "steps": 0}, "steps must be a positive number, got 0"),
    ({"minutes": math.inf, "steps": 5}, "minutes must be a positive number, got inf"),
])
def test_a_budget_is_given_finite_and_positive(budget, message):
    with pytest.raises(ValueError, match=message):
        check_run_budget(**budget)
    with pytest.raises(ValueError, match=message):
        RunOptions(**budget)


def test_the_gan_options_are_run_options_with_a_kimg_budget():
    assert isinstance(TrainOptions(kimg=1.5), RunOptions)
    with pytest.raises(ValueError, match="give a budget: minutes or steps or kimg"):
        TrainOptions()
    with pytest.raises(ValueError, match="kimg must be a positive number"):
        TrainOptions(kimg=-1)


def test_the_book_stops_at_the_step_budget_logs_and_checkpoints_once_at_the_end(tmp_path):
    written, seen = [], []
    book = RunBook(tmp_path, RunOptions(steps=30, log_every=10, checkpoint_minutes=60), step=5, seconds=100.0,
                   checkpoint=lambda: written.append(1), progress=seen.append)
    step = 5
    while not book.spent(step):
        step += 1
        book.after_step(step, {"step": step})
    book.finish(step)
    assert step == 30 and [record["step"] for record in seen] == [10, 20, 30]
    assert all(record["seconds"] >= 100 for record in seen)  # the earlier runs' time counts
    assert written == [1] and (tmp_path / "train_log.jsonl").read_text().count("\n") == 3
