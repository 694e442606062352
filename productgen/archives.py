"""Collecting uploaded photos (files, folders, ZIPs) safely, and writing result ZIPs.

A ZIP from a user is untrusted: entries may try to escape their folder
(``../``, absolute paths, links), or unpack to far more than they weigh (a ZIP
bomb). We never call ``extractall``: each entry is checked, size-limited and
written under a fresh folder by its base name only.
"""
from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .imageio import is_image_name

MAX_ENTRIES = 2000
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; photos barely compress, bombs compress ~1000x


class ArchiveError(ValueError):
    """An upload that cannot be used; the message says why."""


@dataclass
class Collected:
    """Image files found in an upload, with what was skipped and why."""

    files: list[Path] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: Path, category: str | None = None) -> None:
        self.files.append(path)
        self.categories.append(category)


def safe_name(name: str) -> str:
    """A file name with no folder part and no characters a shell or file system would trip on."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return cleaned or "file"


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if path.is_absolute() or re.match(r"^[A-Za-z]:", info.filename):
        return "absolute path"
    if ".." in path.parts:
        return "path leaves the archive's folder (..)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link"
    if info.file_size > MAX_ENTRY_BYTES:
        return f"entry is {info.file_size / 1e6:.0f} MB unpacked, over {MAX_ENTRY_BYTES / 1e6:.0f} MB"
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000:
        return f"compression ratio {info.file_size // info.compress_size}:1 looks like a ZIP bomb"
    if not is_image_name(path.name):
        return "not an image file"
    return None


def extract_zip(archive: str | Path, destination: str | Path, collected: Collected) -> None:
    """Unpack the image entries of ``archive`` into ``destination`` (flat, renamed if needed).

    The entry's first folder, if any, is taken as its category. Refused entries are
    listed in ``collected.skipped``; a file that is not a ZIP raises :class:`ArchiveError`.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = [info for info in bundle.infolist() if not info.is_dir()]
            if len(entries) > MAX_ENTRIES:
                raise ArchiveError(f"{Path(archive).name} has {len(entries)} files; the limit is {MAX_ENTRIES}")
            total = 0
            for info in entries:
                problem = _entry_problem(info)
                if problem is None and total + info.file_size > MAX_TOTAL_BYTES:
                    problem = f"archive unpacks to over {MAX_TOTAL_BYTES // 2**20} MB"
                if problem:
                    collected.skipped.append((info.filename, problem))
                    continue
                total += info.file_size
                target = _unique(destination / safe_name(info.filename))
                with bundle.open(info) as source, open(target, "wb") as sink:
                    _copy_limited(source, sink, info.file_size)
                parts = PurePosixPath(info.filename).parts
                collected.add(target, parts[-2] if len(parts) > 1 else None)
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"{Path(archive).name} is not a readable ZIP file ({error})") from error


def _copy_limited(source, sink, declared: int) -> None:
    # The declared size can lie; stop at it rather than trust the stream.
    remaining = declared
    while chunk := source.read(min(1 << 20, remaining + 1)):
        remaining -= len(chunk)
        if remaining < 0:
            raise ArchiveError("a ZIP entry is larger than it declares; the archive is damaged or hostile")
        sink.write(chunk)


def _unique(path: Path) -> Path:
    candidate, number = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}_{number}{path.suffix}")
        number += 1
    return candidate


def collect_uploads(paths: list[str | Path], workdir: str | Path) -> Collected:
    """Image files from uploaded files and ZIPs (unpacked under ``workdir``), in upload order."""
    collected = Collected()
    for index, path in enumerate(Path(p) for p in paths):
        if path.suffix.lower() == ".zip":
            extract_zip(path, Path(workdir) / f"zip{index}", collected)
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and is_image_name(child.name):
                    collected.add(child, child.parent.name if child.parent != path else None)
        elif is_image_name(path.name):
            collected.add(path)
        else:
            collected.skipped.append((path.name, "not an image file (use JPEG, PNG, WebP or a ZIP of them)"))
    return collected


def write_zip(files: list[str | Path], archive: str | Path, names: list[str] | None = None) -> Path:
    """Store ``files`` in a ZIP (no recompression: images are compressed already)."""
    archive = Path(archive)
    names = names or [Path(f).name for f in files]
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for file, name in zip(files, names):
            bundle.write(file, safe_name(name))
    return archive
