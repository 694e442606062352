"""Collecting uploaded photos (files, folders, ZIPs) safely, and writing result ZIPs.

A ZIP from a user is untrusted: entries may try to escape their folder
(``../``, absolute paths, links), or unpack to far more than they weigh (a ZIP
bomb). We never call ``extractall``: each entry is checked, size-limited and
written under a fresh folder by its base name only.
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from productgen.io.images import is_image_name

MAX_ENTRIES = 2000
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # unpacked, over every entry of every ZIP of one upload
MAX_RATIO = 200  # uncompressed / compressed; photos barely compress, bombs compress ~1000x
MAX_NAME_CHARS = 120  # file systems refuse names over 255 bytes; a long name is shortened, its suffix kept


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
    """A file name with no folder part, no characters a shell or file system would trip on, and at most
    ``MAX_NAME_CHARS`` characters (the suffix is kept)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.\- ]", "_", base, flags=re.ASCII).strip(" .") or "file"
    if len(cleaned) > MAX_NAME_CHARS:
        suffix = PurePosixPath(cleaned).suffix[:10]
        cleaned = cleaned[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return cleaned


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


def check_archive(name: str, entries: list[zipfile.ZipInfo], budget: int) -> int:
    """Refuse a whole archive whose entries together unpack to more than ``budget`` bytes or compress like a
    bomb (counted over all entries, small ones too); returns its unpacked size."""
    if len(entries) > MAX_ENTRIES:
        raise ArchiveError(f"{name} has {len(entries)} files; the limit is {MAX_ENTRIES}")
    unpacked = sum(info.file_size for info in entries)
    packed = sum(info.compress_size for info in entries)
    if unpacked > budget:
        raise ArchiveError(f"{name} unpacks to {unpacked / 2**20:.0f} MB; one upload may unpack to at most "
                           f"{MAX_TOTAL_BYTES // 2**20} MB: send the photos in smaller ZIPs")
    if unpacked > 10 * 2**20 and unpacked > MAX_RATIO * max(1, packed):
        raise ArchiveError(f"{name} unpacks {unpacked // max(1, packed)}x larger than it is, which photos never "
                           "do: it looks like a ZIP bomb and was not unpacked")
    return unpacked


def extract_zip(archive: str | Path, destination: str | Path, collected: Collected,
                budget: int = MAX_TOTAL_BYTES) -> int:
    """Unpack the image entries of ``archive`` into ``destination`` (flat, renamed if needed); returns the
    bytes written.

    The entry's first folder, if any, is taken as its category. Refused entries are listed in
    ``collected.skipped``; a file that is not a ZIP, or one that would unpack to more than ``budget`` bytes
    or looks like a bomb, raises :class:`ArchiveError` before anything is written.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = [info for info in bundle.infolist() if not info.is_dir()]
            check_archive(Path(archive).name, entries, budget)
            total = 0
            for info in entries:
                problem = _entry_problem(info)
                if problem:
                    collected.skipped.append((info.filename, problem))
                    continue
                total += info.file_size
                target = _unique(destination / safe_name(info.filename))
                with bundle.open(info) as source, open(target, "wb") as sink:
                    _copy_limited(source, sink, info.file_size)
                parts = PurePosixPath(info.filename).parts
                collected.add(target, parts[-2] if len(parts) > 1 else None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as error:
        if isinstance(error, ArchiveError):
            raise
        raise ArchiveError(f"{Path(archive).name} is not a readable ZIP file ({error})") from error
    return total


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
    budget = MAX_TOTAL_BYTES
    for index, path in enumerate(Path(p) for p in paths):
        if path.suffix.lower() == ".zip":
            budget -= extract_zip(path, Path(workdir) / f"zip{index}", collected, budget)
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and is_image_name(child.name):
                    collected.add(child, child.parent.name if child.parent != path else None)
                elif child.is_symlink() and not child.exists() and is_image_name(child.name):
                    collected.skipped.append((child.name, f"a broken link (it points to {os.readlink(child)}, "
                                                          "which does not exist)"))
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
