"""Numbers the app shows before it loads any model (so this module imports nothing heavy)."""

from collections.abc import Iterator
from contextlib import contextmanager

MIN_PHOTOS = 8  # a fine-tune needs at least this many usable photos
GOOD_PHOTOS = (20, 200)  # and does best with this many
SPACE_CPU_MINUTES = 5.0  # on a Hugging Face Space without a GPU, a fine-tune stops after this many minutes
OUTPUT_SIZES = (64, 128, 256, 512, 1024)  # sizes Generate writes (px, square)
MAX_GRID = 1024  # most images one grid PNG holds (``generate --out``); more go to a folder, one by one


def on_cpu_space() -> bool:
    """A Hugging Face Space (SPACE_ID is set there) without a GPU. torch is imported only on a Space."""
    import os

    if not os.environ.get("SPACE_ID"):
        return False
    import torch

    return not torch.cuda.is_available()


def lower_this_thread(niceness: int = 10) -> bool:
    """Let the operating system run the calling thread after the process's other threads (on Linux a thread has
    its own nice value), for background work: a server's batch or CPU fine-tune then takes the cores only when a
    visitor's single photo does not need them. Whether it could; a thread cannot undo this without privileges,
    so call it only in a thread that does nothing else (a pool's initializer, a job's own thread)."""
    import os
    import threading

    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, max(niceness, os.getpriority(os.PRIO_PROCESS, thread)))
    except (AttributeError, OSError):  # not Linux (macOS and Windows have no per-thread nice), or not allowed
        return False
    return True


class Running:
    """How many jobs of one kind the app is running now (thread-safe). ``with jobs.one() as others:`` counts
    this job while the block runs and says how many others were already running when it began; other work
    can give way to these jobs with ``wait_until_idle``."""

    def __init__(self):
        import threading

        self._idle = threading.Condition()
        self.count = 0

    @contextmanager
    def one(self) -> Iterator[int]:
        with self._idle:
            others = self.count
            self.count += 1
        try:
            yield others
        finally:
            with self._idle:
                self.count -= 1
                if self.count == 0:
                    self._idle.notify_all()

    def wait_until_idle(self, at_most: float) -> bool:
        """Block while any of these jobs runs, for at most ``at_most`` seconds; whether none runs now."""
        with self._idle:
            return self._idle.wait_for(lambda: self.count == 0, timeout=at_most)
