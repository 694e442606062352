"""Many photos into one listing: files, folders and ZIPs collected (``io.archives``), each photo made into a pack
(``listing.pack``) on a pool of processes, and the ZIP of images and CSV written (``listing.export``). Every
input is a row: a file that cannot be read, a broken link in a folder, a ZIP entry that was refused, each with
its reason.
"""
from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from productgen.enhance.studio import Recipe, output_name
from productgen.io.archives import collect_uploads, safe_name
from productgen.listing.export import write_listing_zip
from productgen.listing.pack import Pack, corrected, listing_recipe, make_pack

ARCHIVE_NAME = "listing.zip"
# a pool starts each worker in a fresh interpreter (about 3 s to import torch and load the models): worth it from
# this many photos on (a photo takes about 0.4 s)
POOL_FROM = 8


@dataclass
class Listing:
    """A batch of packs, their folder (the images and ``products.csv``) and the ZIP of both."""

    packs: list[Pack]
    folder: Path
    archive: Path
    language: str = "en"
    vendor: str = ""
    image_url: str = ""
    fashion: list[str] = field(default_factory=list)  # the classifier's types: a category outside gets no gender
    seconds: float = 0.0  # wall-clock time of the whole batch
    workers: int = 1
    previews: Path | None = None  # the small before/after JPEGs of each image (``pack.preview_path``), if made

    def stages(self) -> dict[str, float]:
        """Seconds spent in each stage, summed over the photos (over all workers)."""
        total: dict[str, float] = {}
        for pack in self.packs:
            for stage, seconds in pack.seconds.items():
                total[stage] = total.get(stage, 0.0) + seconds
        return total

    def correct(self, index: int, category: str | None = None, title: str | None = None) -> Pack:
        """The merchant's category and/or title for the pack at ``index`` (0 = the first row): its title, alt
        text and tags follow (``pack.corrected``), and the CSV and ZIP are written again."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.packs):
            raise ValueError(f"choose a photo of the listing: a row number from 1 to {len(self.packs)}")
        self.packs[index] = corrected(self.packs[index], category, title, self.fashion)
        self.write()
        return self.packs[index]

    def write(self) -> Path:
        return write_listing_zip(self.packs, self.folder, self.archive, self.language, self.vendor, self.image_url)


def make_listing(paths: list[str | Path], out: str | Path, recipe: Recipe | None = None, language: str = "en",
                 vendor: str = "", image_url: str = "", enlarge: bool = False, workers: int | None = None,
                 classifier="classifier", progress: Callable[[int, int, str], None] | None = None) -> Listing:
    """Photos, folders of photos or ZIPs (``paths``) into a listing in ``out``: one enhanced image per photo,
    ``products.csv`` (``listing.export``) and ``listing.zip`` of both.

    ``recipe``: Enhance's recipe (default ``pack.listing_recipe()``: Shopify, enlarging by Lanczos); ``enlarge``:
    frame on the marketplace's recommended size rather than near the photo's own (``pack.canvas_for``).
    ``language`` ("en" or "zh"): of the titles, alt text and tags. ``vendor``: the Vendor column. ``image_url``:
    put before each image's name in Image Src (where the images will be online). ``workers``: processes (default:
    one per core, at most 2; one below ``POOL_FROM`` photos). ``classifier``: a name, a folder or a loaded
    classifier. ``progress(done, total, name)`` is called after each photo. Returns the :class:`Listing`."""
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".unpacked-", dir=out) as workdir:
        collected = collect_uploads(paths, workdir)
        skipped = collected.skipped
        return list_photos(collected.files, out, recipe, skipped, language, vendor, image_url, enlarge, workers,
                           classifier, progress)


def list_photos(photos: list[Path], out: str | Path, recipe: Recipe | None = None,
                skipped: list[tuple[str, str]] = (), language: str = "en", vendor: str = "", image_url: str = "",
                enlarge: bool = False, workers: int | None = None, classifier="classifier",
                progress: Callable[[int, int, str], None] | None = None, previews: str | Path | None = None
                ) -> Listing:
    """``make_listing`` of photos already collected (the app unpacks its uploads itself); ``skipped``: (name,
    reason) of the inputs that were not photos, each a row of its own. ``previews``: a folder for the app's
    before/after previews."""
    if not photos and not skipped:
        raise ValueError("no photos to list: give JPEG, PNG or WebP files, folders of them, or a ZIP of them")
    if language not in ("en", "zh"):
        raise ValueError(f"language must be en or zh, got {language!r}")
    recipe = recipe or listing_recipe()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    jobs = [(Path(path), unique(safe_name(output_name(path, recipe)), used)) for path in photos]
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    workers = workers if len(jobs) >= POOL_FROM else 1
    started = time.perf_counter()
    packs = []
    for pack in packs_of(jobs, recipe, out, classifier, enlarge, previews, workers):
        packs.append(pack)
        if progress:
            progress(len(packs), len(jobs), pack.file)
    packs += [Pack(name, reason=reason) for name, reason in skipped]
    listing = Listing(packs, out, out / ARCHIVE_NAME, language, vendor, image_url, types_of(classifier),
                      workers=workers, previews=Path(previews) if previews is not None else None)
    listing.write()
    listing.seconds = time.perf_counter() - started
    return listing


def unique(name: str, used: set[str]) -> str:
    """``name``, or ``name`` with _1, _2... before its suffix, not yet in ``used`` (which it joins)."""
    path, number, candidate = Path(name), 1, name
    while candidate in used:
        candidate, number = f"{path.stem}_{number}{path.suffix}", number + 1
    used.add(candidate)
    return candidate


def types_of(classifier) -> list[str]:
    """The classifier's types, from its loaded config or its folder's config.json (no weights are loaded)."""
    if not isinstance(classifier, (str, Path)):
        return list(classifier.config.categories)
    from productgen.store.weights import read_json, resolve_model_dir

    return read_json(resolve_model_dir(classifier) / "config.json")["architecture"]["categories"]


def packs_of(jobs: list[tuple[Path, str]], recipe: Recipe, folder: Path, classifier, enlarge: bool, previews,
             workers: int):
    """The pack of each (photo, image name) job, in order: here, or on ``workers`` processes."""
    if workers <= 1:
        model = classifier_of(classifier)
        for path, name in jobs:
            yield make_pack(path, recipe, folder, name, model, enlarge, previews)
        return
    # spawn, not fork: a forked copy of a process whose torch and OpenMP threads have run can hang
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker, initargs=(classifier,)) as pool:
        futures = [pool.submit(pack_in_worker, path, recipe, folder, name, enlarge, previews) for path, name in jobs]
        for future in futures:
            yield future.result()


def classifier_of(classifier):
    """A loaded classifier: ``classifier`` itself, or the one its name or folder gives (the model cache's)."""
    from productgen.recognise.network import cached_classifier

    return cached_classifier(classifier) if isinstance(classifier, (str, Path)) else classifier


# the classifier of a pool's worker process, loaded once when it starts
WORKER: dict = {}


def start_worker(classifier) -> None:
    """A pool's worker: one thread (two workers share two cores without fighting over them), and its classifier."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    WORKER["classifier"] = classifier_of(classifier)


def pack_in_worker(path: Path, recipe: Recipe, folder: Path, name: str, enlarge: bool, previews) -> Pack:
    return make_pack(path, recipe, folder, name, WORKER["classifier"], enlarge, previews)
