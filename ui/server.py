"""What the server shares among its visitors: the count of requests computing now (so that a single photo goes
first and nobody waits behind an upscaler), the one running fine-tune, and the classifier, loaded once."""
from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

from productgen.limits import Running, lower_this_thread

# every request that computes (Generate, Interpolate, Enhance, its batches, Recognise) counts here: while another
# one runs, or a fine-tune, enlargements are drawn by Lanczos instead of the upscaler (seconds of CPU per photo),
# and the visitor is told, so nobody waits behind it
JOBS = Running()


def busy(others: int) -> bool:
    """Whether the app is doing other work besides this request (``others`` requests, or a fine-tune)."""
    job = current_finetune.get("job")
    return bool(others) or (job is not None and job.on_cpu and not job.finished.is_set())


# a visitor waiting on one photo goes first: batches, Recognise and a CPU fine-tune wait (up to GIVE_WAY_S
# before each photo or step) while a single Enhance runs
SINGLE_PHOTOS = Running()
# single photos run four at a time: the CPU is shared among them, so a normal photo (0.5 s of CPU) is not held up
# in the queue behind the heaviest recipes (3000 px with a shadow: 1 s), as it was with two workers
PHOTO_WORKERS = 4
GIVE_WAY_S = 3.0
# batches, Recognise and the cut-outs of a fine-tune's photos compute in one thread that the operating system runs
# after every other (nice 10, where the system allows it): a visitor's single photo or Generate takes the cores
# while it waits, and it still gets every cycle they leave
BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background", initializer=lower_this_thread)


def in_background(function, *args, **kwargs):
    """``function(*args, **kwargs)`` run in the background thread, its result or its exception returned here. The
    request's context goes with it (Gradio's progress bar and warnings keep working)."""
    return BACKGROUND.submit(contextvars.copy_context().run, function, *args, **kwargs).result()


BUSY_NOTE = ("The app was busy with other work, so any enlargement was drawn by Lanczos resampling (faster, "
             "softer) instead of the upscaler: enhance again when the app is quiet for a sharper result.")
GENERATE_BUSY_NOTE = ("The app was busy with other work, so the images were enlarged by Lanczos (faster, softer) "
                      "instead of the upscaler: generate again when the app is quiet for sharper ones.")


def cached_classifier():
    """The shipped classifier, from the library's one model cache."""
    from productgen.recognise.network import cached_classifier as from_cache

    return from_cache()


current_finetune: dict[str, object] = {}  # the server's one fine-tune (training takes every core); read-only to others
