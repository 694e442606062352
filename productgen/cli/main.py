"""Command line: ``python -m productgen COMMAND ...`` (``--help`` on each command lists its options).

Each command is a small function that turns parsed options into calls on the library; errors the user can fix
are printed as one line and exit with 2. Each capability's commands are in its own module (``gan``,
``recognise``, ``cutout``, ``upscale``, ``listing``); Enhance's, ``push`` and ``split`` are here.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from productgen.cli.cutout import add_cutout_commands
from productgen.cli.gan import add_gan_commands
from productgen.cli.listing import add_listing_commands
from productgen.cli.options import (
    add_point_arguments,
    add_stroke_arguments,
    points_without_a_photo,
    read_points,
    read_strokes,
    require,
)
from productgen.cli.recognise import add_recognise_commands
from productgen.cli.upscale import add_upscale_commands
from productgen.io.datasets import DataError, make_split
from productgen.io.images import ImageError
from productgen.store.weights import WeightsError

USER_ERRORS = (DataError, ImageError, WeightsError, ValueError, FileNotFoundError)


def command_enhance(args) -> None:
    from productgen.enhance.studio import BatchRow, Recipe, process_files, write_report
    from productgen.io.archives import collect_uploads

    recipe = Recipe.from_json(Path(args.recipe).read_text()) if args.recipe else Recipe()
    recipe.preset, recipe.auto = args.preset or recipe.preset, args.auto or (recipe.auto and not args.recipe)
    if args.format:
        recipe.output_format = args.format
    recipe.__post_init__()
    missing = [p for p in args.inputs if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    strokes = read_strokes(args)
    collected = collect_uploads(args.inputs, Path(args.out) / ".unpacked")
    if strokes is not None and len(collected.files) != 1:
        raise ValueError(f"--remove and --keep correct the cut-out of one photo; {len(collected.files)} were given")
    points = read_points(args, args.inputs)
    rows = process_files(collected.files, recipe, args.out, strokes=strokes, points=points,
                         progress=lambda i, n, name: print(f"[{i + 1}/{n}] {name}", file=sys.stderr))
    rows += [BatchRow(name, verdict="error", reason=reason) for name, reason in collected.skipped]
    for row in rows:
        print(f"{row.file}: {row.verdict}" + (f" -> {row.output}" if row.output else "")
              + (f" ({row.reason})" if row.reason else "") + (f" [{row.details}]" if row.details else ""))
    if args.report:
        write_report(rows, args.report)
    failed = [row for row in rows if row.verdict == "error"]
    unused = points_without_a_photo(points, [path.name for path in collected.files])
    if unused:
        print(f"error: {unused}")
    if failed or unused:
        raise SystemExit(f"error: {len(failed)} of {len(rows)} file(s) failed" + (", and " + unused if unused else "")
                         + " (listed above)")


def command_push(args) -> None:
    from productgen.store.loading import push_to_hub

    print(f"pushed to {push_to_hub(args.model, args.repo, private=args.private)}")


def command_split(args) -> None:
    require(args.labels, "--labels", "a CSV file with one row per photo")
    ids = make_split(args.labels, args.label_column, args.fraction, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(ids) + "\n")
    print(f"wrote {len(ids)} held-out ids to {args.out}")


def build_parser() -> argparse.ArgumentParser:
    prog = "productgen" if Path(sys.argv[0]).name == "productgen" else "python -m productgen"  # installed, or not
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add_gan_commands(commands)  # generate, train, finetune, product-data, evaluate

    enhance = commands.add_parser("enhance", help="make photos marketplace-ready (files, folders or ZIPs)")
    enhance.add_argument("inputs", nargs="+", help="photos, folders of photos, or ZIPs")
    enhance.add_argument("--preset", help="amazon, shopify, ebay, etsy, google or taobao (default: amazon)")
    enhance.add_argument("--out", required=True, help="folder for the results")
    enhance.add_argument("--auto", action="store_true", help="choose enhancement settings per photo")
    enhance.add_argument("--recipe", help="JSON recipe saved from the app (settings, preset, format)")
    enhance.add_argument("--format", choices=["jpeg", "png"], help="output format (default: the recipe's, JPEG)")
    enhance.add_argument("--report", help="write a CSV report here")
    add_stroke_arguments(enhance)
    add_point_arguments(enhance)
    enhance.set_defaults(run=command_enhance)

    add_recognise_commands(commands)  # tag, train-classifier, calibrate-classifier
    add_cutout_commands(commands)  # cutout, train-cutout
    add_upscale_commands(commands)  # upscale, train-upscale
    add_listing_commands(commands)  # listing

    push = commands.add_parser("push", help="upload a model to the Hugging Face Hub (token from HF_TOKEN)")
    push.add_argument("model", help="model folder, e.g. weights/my-mugs")
    push.add_argument("--repo", required=True, help="Hub repo id, user/name")
    push.add_argument("--private", action="store_true", help="make the new Hub repository private")
    push.set_defaults(run=command_push)

    split = commands.add_parser("split", help="write a held-out id list (a share of every label)")
    split.add_argument("--labels", required=True, help="CSV with one row per photo")
    split.add_argument("--label-column", required=True, help="the CSV column whose every value gets its share")
    split.add_argument("--fraction", type=float, default=0.15, help="share of each label held out")
    split.add_argument("--seed", type=int, default=0, help="random seed of the choice")
    split.add_argument("--out", required=True, help="file for the held-out ids, one per line")
    split.set_defaults(run=command_split)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        args.run(args)
    except USER_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped; the last checkpoint is kept", file=sys.stderr)
        return 130
    print(f"done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
