"""What every tab of the web app does alike: the visitor's session files, widget values as typed arguments, and
the core's errors as messages."""
from __future__ import annotations

import math
from pathlib import Path

import gradio as gr

from productgen.io import workspace

from .words import said, t

# The core's user errors (bad images, archives, data, weights, recipes) are all ValueErrors.
USER_ERRORS = (ValueError, FileNotFoundError)


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def work_folder(prefix: str, request: gr.Request | None = None) -> Path:
    """A fresh folder for one request's files, in the visitor's session folder (deleted when the tab closes,
    and by age: ``productgen.io.workspace``)."""
    return workspace.request_folder(prefix, session_of(request))


def unpacked(files, request: gr.Request | None):
    """The upload's photos and what was skipped, unpacked once for this request."""
    return workspace.unpacked(files, session_of(request))


def end_session(request: gr.Request):
    """The tab was closed: its files are no longer needed (Gradio keeps its own copies of what it showed)."""
    workspace.end_session(session_of(request))


def whole(value, name: str, low: int, high: int) -> int:
    """A widget's value as a whole number in ``low..high``, or a ValueError naming the field."""
    if isinstance(value, str):
        value = value.strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: enter a whole number from {low} to {high}.") from None
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise ValueError(f"{name}: enter a whole number from {low} to {high} (got {value}).")
    return int(number)


def fraction(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: enter a number from 0 to 1.") from None
    if not 0.0 <= number <= 1.0:  # also refuses NaN
        raise ValueError(f"{name}: enter a number from 0 to 1 (got {value}).")
    return number


def problem(request: gr.Request | None, text: str) -> gr.Error:
    """A message for the visitor (in their language) about what to do differently."""
    return gr.Error(said(request, text), print_exception=False)


def as_user_error(error: Exception, request: gr.Request | None = None) -> gr.Error:
    return problem(request, str(error))


UPSCALER_NAMES = {"model": "Sharp: our upscaler model", "lanczos": "Fast: plain Lanczos resize (softer)"}


def upscaler_choices() -> list[tuple]:
    return [(t(name), key) for key, name in UPSCALER_NAMES.items()]
