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
