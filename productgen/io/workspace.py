"""A server's scratch space: one folder per visitor's session, one sub-folder per request, all deleted when the
session ends and by age, and uploads unpacked once per request. No Gradio here: the app passes the session's
name (Gradio's session hash), and anything else that serves several people can do the same."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from productgen.io.archives import collect_uploads

# a visitor's files are deleted this long after they were made (or when the session ends)
MAX_AGE_S = int(os.environ.get("PRODUCTGEN_TEMP_MAX_AGE_S", "3600"))
_last_sweep = [0.0]


def root() -> Path:
    """Where every session's folder lives: ``productgen/`` in Gradio's temp folder (or the system's)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR", tempfile.gettempdir())) / "productgen"


def session_folder(session: str | None) -> Path:
    """The folder of one session (its name is hashed: nothing a client sends reaches a path)."""
    return root() / hashlib.sha256((session or "local").encode()).hexdigest()[:16]


def request_folder(prefix: str, session: str | None) -> Path:
    """A fresh folder for one request's files, in the session's folder."""
    sweep()
    folder = session_folder(session)
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


def end_session(session: str | None) -> None:
    """The session is over: its files go (a UI keeps its own copies of what it showed)."""
    shutil.rmtree(session_folder(session), ignore_errors=True)


def sweep(max_age_s: float = MAX_AGE_S) -> None:
    """Delete request folders older than ``max_age_s``, and empty session folders (at most once a minute)."""
    if time.time() - _last_sweep[0] < min(60, max_age_s / 2):
        return
    _last_sweep[0] = time.time()
    if not root().is_dir():
        return
    for session in root().iterdir():
        for folder in list(session.iterdir()) if session.is_dir() else []:
            try:
                if time.time() - folder.stat().st_mtime > max_age_s:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue
        try:
            session.rmdir()  # only if empty
        except OSError:
            pass
    release_freed_memory()


def release_freed_memory() -> None:
    """Hand memory that big photos left free back to the system (glibc keeps it otherwise)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do


def upload_paths(files) -> list[Path]:
    """Paths of an upload, whether a UI gave strings or file objects."""
    return [Path(f if isinstance(f, str) else f.name) for f in files or []]


@contextmanager
def unpacked(files, session: str | None):
    """The image files of an upload (files and ZIPs, each ZIP unpacked once, with the archive limits), and what
    was skipped with why; the unpacked copies are deleted when the block ends."""
    paths = upload_paths(files)
    gone = [path for path in paths if not path.exists()]
    if gone:  # e.g. the request waited in a long queue past the age at which uploads are deleted
        raise ValueError(f"{len(gone)} of the uploaded files are no longer on the server (uploads are kept "
                         f"{MAX_AGE_S / 60:g} minutes, less than this request waited); upload them again")
    folder = request_folder("upload-", session)
    try:
        collected = collect_uploads(paths, folder)
        yield collected.files, collected.skipped
    finally:
        shutil.rmtree(folder, ignore_errors=True)
