import threading
import time

from productgen.limits import Running


def test_running_counts_the_others_and_lets_other_work_wait_until_none_runs():
    jobs = Running()
    assert jobs.wait_until_idle(0.0)  # none running: no wait
    with jobs.one() as others:
        assert others == 0
        with jobs.one() as more:
            assert more == 1 and jobs.count == 2
        started = time.monotonic()
        assert not jobs.wait_until_idle(0.2)  # still one running: gives up after the time given
        assert time.monotonic() - started >= 0.19
    assert jobs.count == 0

    finished_at = []

    def job():
        with jobs.one():
            time.sleep(0.3)
            finished_at.append(time.monotonic())

    worker = threading.Thread(target=job)
    worker.start()
    time.sleep(0.05)
    assert jobs.wait_until_idle(5.0)  # woken when the job ends, not after 5 s
    assert finished_at and time.monotonic() - finished_at[0] < 0.5
    worker.join()


def test_background_work_runs_at_low_priority_and_the_caller_keeps_its_own():
    import os
    import sys

    import pytest

    from productgen.limits import lower_this_thread

    if not sys.platform.startswith("linux"):
        pytest.skip("a per-thread nice value is Linux's")
    seen = {}

    def background():
        seen["lowered"] = lower_this_thread(10)
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=background)
    worker.start()
    worker.join()
    assert seen == {"lowered": True, "nice": max(before, 10)}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # only that thread


def test_the_apps_background_thread_is_lowered_and_gives_back_results_and_errors():
    import os
    import sys

    import pytest

    from ui.server import in_background

    if sys.platform.startswith("linux"):
        assert in_background(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())) >= 10
    assert in_background(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]
    with pytest.raises(ValueError, match="bad photo"):
        in_background(lambda: (_ for _ in ()).throw(ValueError("bad photo")))
