"""What the CLI's commands share: the data options, the run options of every training command, and the rule
that a run writes a model folder only ``--resume`` continues and only ``--overwrite`` replaces (with a backup)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from productgen.io.datasets import load_product_images, parse_aspect


def add_data_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--data", required=required,
                        help="folder of images (sub-folder per category, or with --labels)")
    parser.add_argument("--labels", help="CSV with a file/id column and a label column")
    parser.add_argument("--label-column", default="category", help="label column of --labels (default: category)")
    parser.add_argument("--categories", nargs="+", help="category names to use, or one number: the N most common")
    parser.add_argument("--aspect", help="reshape photos to this width:height before padding, e.g. 3:4")
    parser.add_argument("--exclude-ids", help="file of ids to leave out (e.g. the validation split)")
    parser.add_argument("--only-ids", help="file of ids to use, nothing else")
    parser.add_argument("--min-per-category", type=int, default=10, help="fewest images a category may have")


def read_data(args, size: int = 64, extra_columns: tuple[str, ...] = ()):
    categories = args.categories
    if categories and len(categories) == 1 and categories[0].isdigit():
        categories = int(categories[0])
    data = load_product_images(args.data, args.labels, args.label_column, categories, size,
                               parse_aspect(args.aspect), args.min_per_category, args.only_ids, args.exclude_ids,
                               extra_columns)
    print(f"data: {data.summary()}", file=sys.stderr)
    return data


def require(path: str | Path | None, flag: str, what: str, inside: tuple[str, ...] = ()) -> None:
    """One line naming the flag when an input the command needs is missing (not a bare Errno)."""
    if path is None:
        return
    if not Path(path).exists():
        raise FileNotFoundError(f"{flag} {path} does not exist; pass {what}")
    for name in inside:
        if not (Path(path) / name).is_file():
            raise FileNotFoundError(f"{flag} {path} has no {name}; pass {what}")


def stop_on_ctrl_c():
    """First Ctrl-C: finish the current step and write a checkpoint; a second one stops at once."""
    import signal

    requested = []

    def handler(signum, frame):
        if requested:
            raise KeyboardInterrupt
        requested.append(True)
        print("\nstopping after this step (Ctrl-C again to stop at once)...", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    return lambda: bool(requested)


def refuse_to_replace(out: str | Path, resume: bool, overwrite: bool = False) -> None:
    """A new run never goes into a folder that holds a model, unless ``--overwrite`` (which keeps a backup)."""
    from productgen.store.weights import prepare_new_run

    try:
        backup = prepare_new_run(out, resume, overwrite)
    except ValueError as error:
        raise ValueError(f"{out} already holds a model; pass --resume to continue it, choose another --out, or "
                         "--overwrite to replace it (the old one is kept as a backup)") from error
    if backup:
        print(f"kept the old model as {backup}", file=sys.stderr)


def add_run_options(parser: argparse.ArgumentParser, resume_help: str, checkpoint_minutes: float | None = None,
                    seed_help: str | None = None):
    """--out, a --minutes/--steps budget, --resume, --overwrite and --threads; --checkpoint-minutes and --seed
    for runs that take them. Returns the budget group (for more budgets)."""
    parser.add_argument("--out", required=True, help="model folder to write")
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=float, help="wall-clock budget for this run")
    budget.add_argument("--steps", type=int, help="train until this step in all")
    parser.add_argument("--resume", action="store_true", help=resume_help)
    parser.add_argument("--overwrite", action="store_true", help="replace a model in --out (kept as a backup)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    if checkpoint_minutes is not None:
        parser.add_argument("--checkpoint-minutes", type=float, default=checkpoint_minutes,
                            help=f"how often to write a checkpoint (default {checkpoint_minutes:g})")
    if seed_help:
        parser.add_argument("--seed", type=int, default=0, help=f"random seed of {seed_help} (same seed, same run)")
    return budget


def read_strokes(args):
    """The cut-out corrections of ``--remove`` and ``--keep`` (mask images), or None when neither is given."""
    if not args.remove and not args.keep:
        return None
    from productgen.cutout.touchup import Strokes

    require(args.remove, "--remove", "a mask image (white where the cut-out should drop the surface)")
    require(args.keep, "--keep", "a mask image (white where the cut-out should keep the product)")
    return Strokes.from_files(args.remove, args.keep)


def add_stroke_arguments(parser) -> None:
    parser.add_argument("--remove", help="correct the cut-out of one photo: a mask image, white (or opaque) where "
                                         "surface was kept that should go; any size with the photo's shape")
    parser.add_argument("--keep", help="correct the cut-out of one photo: a mask image, white (or opaque) on "
                                       "product that was cut away")


def add_point_arguments(parser) -> None:
    parser.add_argument("--point", action="append", metavar="X,Y",
                        help="a tap on the product of one photo, in its pixels (may repeat): the cut-out keeps the "
                             "object under it, and of several objects only it")
    parser.add_argument("--point-remove", action="append", metavar="X,Y",
                        help="a tap on what is not product in one photo, in its pixels (may repeat): the cut-out "
                             "takes the region under it away")
    parser.add_argument("--points", metavar="FILE",
                        help="taps for a batch: a CSV with columns file,x,y,keep (file as given or its name; keep 1 "
                             "on the product, 0 to remove)")


def parse_point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(part) for part in str(text).split(","))
    except ValueError:
        raise ValueError(f"a point is X,Y in the photo's pixels (e.g. 420,310), got {text!r}") from None
    return x, y


def read_points(args, inputs: list[str]) -> dict:
    """The taps of ``--point`` and ``--point-remove`` (one photo) and ``--points FILE``, by file name (and by the
    path as given): ``cutout.taps.Taps`` each."""
    import csv

    from productgen.cutout.taps import Taps

    points: dict[str, Taps] = {}
    if args.point or args.point_remove:
        if len(inputs) != 1 or Path(inputs[0]).is_dir() or Path(inputs[0]).suffix.lower() == ".zip":
            raise ValueError("--point and --point-remove tap one photo; give one photo, or a --points CSV for several")
        points[Path(inputs[0]).name] = Taps([parse_point(text) for text in args.point or []],
                                            [parse_point(text) for text in args.point_remove or []])
    if args.points:
        require(args.points, "--points", "a CSV with columns file,x,y,keep")
        with open(args.points, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not {"file", "x", "y", "keep"} <= set(reader.fieldnames or []):
                raise ValueError(f"--points {args.points} needs the columns file,x,y,keep; it has "
                                 f"{', '.join(reader.fieldnames or []) or 'none'}")
            for line, row in enumerate(reader, 2):
                if (row["keep"] or "").strip() not in ("1", "0"):
                    raise ValueError(f"--points {args.points} line {line}: keep is 1 or 0, got {row['keep']!r}")
                point = parse_point(f"{row['x']},{row['y']}")
                taps = points.setdefault(Path(row["file"].strip()).name, Taps())
                (taps.keep if row["keep"].strip() == "1" else taps.remove).append(point)
    return points


def points_without_a_photo(points: dict[str, list], names) -> str | None:
    """A line naming the files ``--points`` taps that were not among the photos (a typo would leave a photo
    untapped in silence), or None."""
    unused = sorted(set(points) - set(names))
    return f"--points names files that are not among the photos: {', '.join(unused)}" if unused else None


def each_image(inputs: list[str], out: str | Path, handle, failed: str, points: dict[str, list] | None = None
               ) -> None:
    """For each image in ``inputs`` (files, folders, ZIPs): ``handle(path, image, out)`` writes its result and
    returns the line to print; a file that cannot be read or handled is listed with its reason, and then the
    command ends with ``failed`` (exit 1) after the others are done. ``points``: taps by file name, each of
    which must name one of the photos."""
    import tempfile

    from productgen.io.archives import collect_uploads
    from productgen.io.images import open_image

    missing = [p for p in inputs if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        collected = collect_uploads(inputs, workdir)
        for path in collected.files:
            try:
                print(handle(path, open_image(path), out))
            except ValueError as error:
                collected.skipped.append((path.name, str(error)))
    for name, reason in collected.skipped:
        print(f"{name}: error: {reason}")
    unused = points_without_a_photo(points or {}, [path.name for path in collected.files])
    if unused:
        print(f"error: {unused}")
    if collected.skipped or unused:
        raise SystemExit(f"error: {failed} (listed above)")


def add_files_command(commands, name: str, help: str, inputs: str, out: str) -> argparse.ArgumentParser:
    """A command that takes images (files, folders or ZIPs) and writes one result each into ``--out``."""
    parser = commands.add_parser(name, help=help)
    parser.add_argument("inputs", nargs="+", help=inputs)
    parser.add_argument("--out", required=True, help=out)
    return parser
