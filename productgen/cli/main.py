"""Command line: ``python -m productgen COMMAND ...`` (``--help`` on each command lists its options).

Each command is a small function that turns parsed options into calls on the
library; errors the user can fix are printed as one line and exit with 2.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from productgen.cli.cutout import add_cutout_commands
from productgen.cli.gan import add_gan_commands
from productgen.cli.options import require
from productgen.cli.recognise import add_recognise_commands
from productgen.cli.upscale import add_upscale_commands
from productgen.io.datasets import DataError, make_split
from productgen.io.images import ImageError
from productgen.limits import MAX_GRID, OUTPUT_SIZES
from productgen.store.weights import WeightsError

USER_ERRORS = (DataError, ImageError, WeightsError, ValueError, FileNotFoundError)


def command_generate(args) -> None:
    from tqdm import tqdm

    from productgen.gan.sampling import image_grid, load_generator, save_png

    generator = load_generator(args.model)
    size = args.size or generator.image_size
    if args.out and args.n > MAX_GRID:
        raise ValueError(f"--out puts every image in one grid, at most {MAX_GRID}; for --n {args.n} use --out-dir")
    batches = generator.iter_samples(args.category, args.n, args.seed, args.variety, size, args.upscaler)
    bar = tqdm(total=args.n, unit="image", dynamic_ncols=True, disable=None)
    if args.out_dir:
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        width = max(3, len(str(args.n - 1)))
        for images in batches:  # each batch is written before the next is drawn: memory stays bounded
            for image in images:
                meta = image.info["productgen"]
                save_png(image, out / f"{meta['category']}_{args.seed}_{meta['index']:0{width}d}.png".replace(" ", "_"))
            bar.update(len(images))
        bar.close()
        print(f"wrote {args.n} images of {size} px (drawn at {generator.image_size} px) to {out}")
    else:
        images = []
        for batch in batches:
            images += batch
            bar.update(len(batch))
        bar.close()
        grid = image_grid(images, args.columns)
        save_png(grid, args.out, {"model": generator.name, "category": args.category or "all", "seed": args.seed,
                                  "n": args.n, "variety": args.variety, "size": size})
        print(f"wrote a grid of {len(images)} images to {args.out}")


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
    rows = process_files(collected.files, recipe, args.out, strokes=strokes,
                         progress=lambda i, n, name: print(f"[{i + 1}/{n}] {name}", file=sys.stderr))
    rows += [BatchRow(name, verdict="error", reason=reason) for name, reason in collected.skipped]
    for row in rows:
        print(f"{row.file}: {row.verdict}" + (f" -> {row.output}" if row.output else "")
              + (f" ({row.reason})" if row.reason else "") + (f" [{row.details}]" if row.details else ""))
    if args.report:
        write_report(rows, args.report)
    failed = [row for row in rows if row.verdict == "error"]
    if failed:
        raise SystemExit(f"error: {len(failed)} of {len(rows)} file(s) failed (listed above)")


def read_strokes(args):
    """The cut-out corrections of ``--remove`` and ``--keep`` (mask images), or None when neither is given."""
    if not args.remove and not args.keep:
        return None
    from productgen.cutout.touchup import Strokes

    require(args.remove, "--remove", "a mask image (white where the cut-out should drop the surface)")
    require(args.keep, "--keep", "a mask image (white where the cut-out should keep the product)")
    return Strokes.from_files(args.remove, args.keep)


def command_tag(args) -> None:
    from productgen.i18n import translate
    from productgen.io.archives import collect_uploads
    from productgen.recognise.network import load_classifier
    from productgen.recognise.pipeline import recognise_files, write_csv

    missing = [p for p in args.inputs if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        collected = collect_uploads(args.inputs, workdir)
        results = recognise_files(collected.files, load_classifier(args.classifier))
        for item in results:
            if item.result:
                r = item.result
                if r.unknown:
                    verdict = "unknown (closest: " + ", ".join(f"{n} {p:.0%}" for n, p in r.categories) + ")"
                else:
                    verdict = f"{r.category} {r.categories[0][1]:.0%}" + (" (check)" if r.unsure else "")
                title = r.listing(args.language)[0]
                notes = [translate(args.language, note) for note in r.notes]
                print(f"{item.file}: {verdict} | {', '.join(c.label() for c in r.colours)} | {title}"
                      + (f" [{'; '.join(notes)}]" if notes else ""))
            else:
                print(f"{item.file}: error: {item.error}")
        for name, reason in collected.skipped:
            print(f"{name}: error: {reason}")
        if args.csv:
            write_csv(results, args.csv, args.language)
            print(f"wrote {args.csv}", file=sys.stderr)
    if any(item.error for item in results) or collected.skipped:
        raise SystemExit("error: some files could not be read (listed above)")


def each_image(inputs: list[str], out: str | Path, handle, failed: str) -> None:
    """For each image in ``inputs`` (files, folders, ZIPs): ``handle(path, image, out)`` writes its result and
    returns the line to print; a file that cannot be read or handled is listed with its reason, and then the
    command ends with ``failed`` (exit 1) after the others are done."""
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
    if collected.skipped:
        raise SystemExit(f"error: {failed} (listed above)")


def command_cutout(args) -> None:
    from productgen.cutout.network import load_cutout
    from productgen.cutout.pipeline import cutout, rgba
    from productgen.io.provenance import is_ai_generated, save_options

    model = load_cutout(args.model).fused()
    strokes = read_strokes(args)
    if strokes is not None and (len(args.inputs) != 1 or Path(args.inputs[0]).is_dir()
                                or Path(args.inputs[0]).suffix.lower() == ".zip"):
        raise ValueError("--remove and --keep correct the cut-out of one photo; give one photo, not several")

    def handle(path, photo, out):
        mask = cutout(photo, model)
        if strokes is not None:
            from productgen.cutout.touchup import touched_mask

            mask = touched_mask(photo, mask, strokes, model.config.input_side)
        target = out / f"{path.stem}.png"
        rgba(photo, mask).save(target, **save_options("PNG", is_ai_generated(photo)))
        notes = f" ({'; '.join((['corrected by hand'] if mask.touched else []) + mask.notes)})" \
            if mask.notes or mask.touched else ""
        return f"{path.name}: confidence {mask.confidence:.2f} -> {target}{notes}"

    each_image(args.inputs, args.out, handle, "some files could not be read")


def command_upscale(args) -> None:
    from productgen.io.provenance import is_ai_generated, save_options
    from productgen.upscale.upscaler import load_upscaler, upscale

    if not (math.isfinite(args.scale) and 1 <= args.scale <= 16):
        raise ValueError(f"--scale must be a number from 1 to 16, got {args.scale}")
    model = load_upscaler(args.model) if args.method == "model" else None

    def handle(path, photo, out):
        large = upscale(photo, args.scale, method=args.method, model=model)
        target = out / f"{path.stem}.png"
        large.save(target, **save_options("PNG", is_ai_generated(photo)))
        return f"{path.name}: {photo.width}x{photo.height} -> {large.width}x{large.height} {target}"

    each_image(args.inputs, args.out, handle, "some files could not be read or enlarged")


def command_push(args) -> None:
    from productgen.store.loading import push_to_hub

    print(f"pushed to {push_to_hub(args.model, args.repo, private=args.private)}")


def command_split(args) -> None:
    require(args.labels, "--labels", "a CSV file with one row per photo")
    ids = make_split(args.labels, args.label_column, args.fraction, args.seed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(ids) + "\n")
    print(f"wrote {len(ids)} held-out ids to {args.out}")


def add_stroke_arguments(parser) -> None:
    parser.add_argument("--remove", help="correct the cut-out of one photo: a mask image, white (or opaque) where "
                                         "surface was kept that should go; any size with the photo's shape")
    parser.add_argument("--keep", help="correct the cut-out of one photo: a mask image, white (or opaque) on "
                                       "product that was cut away")


def build_parser() -> argparse.ArgumentParser:
    prog = "productgen" if Path(sys.argv[0]).name == "productgen" else "python -m productgen"  # installed, or not
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="generate product images from a model")
    generate.add_argument("--model", default="default", help="model folder or name under weights/")
    generate.add_argument("--category", help="category to draw (default: all categories in turn)")
    generate.add_argument("--n", type=int, default=16, help="how many images")
    generate.add_argument("--seed", type=int, default=0, help="same seed, same images")
    generate.add_argument("--variety", type=float, default=1.0, help="0 (typical) .. 1 (most varied; the default)")
    generate.add_argument("--size", type=int, choices=OUTPUT_SIZES,
                          help="output size in px (default: the size the model draws at, 128 for the shipped one)")
    generate.add_argument("--upscaler", choices=["model", "lanczos"], default="model",
                          help="how the drawn image is enlarged to --size: the x4 upscaler (default) or plain Lanczos "
                               "(faster, softer)")
    generate.add_argument("--columns", type=int, help="grid columns (default: about square)")
    target = generate.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="write one grid PNG here")
    target.add_argument("--out-dir", help="write one PNG per image into this folder")
    generate.set_defaults(run=command_generate)

    enhance = commands.add_parser("enhance", help="make photos marketplace-ready (files, folders or ZIPs)")
    enhance.add_argument("inputs", nargs="+", help="photos, folders of photos, or ZIPs")
    enhance.add_argument("--preset", help="amazon, shopify, ebay, etsy, google or taobao (default: amazon)")
    enhance.add_argument("--out", required=True, help="folder for the results")
    enhance.add_argument("--auto", action="store_true", help="choose enhancement settings per photo")
    enhance.add_argument("--recipe", help="JSON recipe saved from the app (settings, preset, format)")
    enhance.add_argument("--format", choices=["jpeg", "png"], help="output format (default: the recipe's, JPEG)")
    enhance.add_argument("--report", help="write a CSV report here")
    add_stroke_arguments(enhance)
    enhance.set_defaults(run=command_enhance)

    tag = commands.add_parser("tag", help="recognise category and colours of photos; titles, alt text, tags")
    tag.add_argument("inputs", nargs="+", help="photos, folders of photos, or ZIPs")
    tag.add_argument("--csv", help="write the table here")
    tag.add_argument("--classifier", default="classifier", help="classifier folder or name under weights/")
    tag.add_argument("--language", choices=["en", "zh"], default="en",
                     help="language of the titles, alt text and tags (zh: Simplified Chinese); the category column "
                          "stays the model's English name")
    tag.set_defaults(run=command_tag)

    cutout = commands.add_parser("cutout", help="cut products out: one RGBA PNG per photo, alpha = the mask")
    cutout.add_argument("inputs", nargs="+", help="photos, folders of photos, or ZIPs")
    cutout.add_argument("--out", required=True, help="folder for the PNGs")
    cutout.add_argument("--model", default="cutout", help="cut-out model folder or name under weights/")
    add_stroke_arguments(cutout)
    cutout.set_defaults(run=command_cutout)

    upscale = commands.add_parser("upscale", help="enlarge images with the x4 upscaler: one PNG per input")
    upscale.add_argument("inputs", nargs="+", help="images, folders of images, or ZIPs")
    upscale.add_argument("--out", required=True, help="folder for the PNGs (same stem as the input)")
    upscale.add_argument("--scale", type=float, default=4, help="how many times larger, 1-16 (default 4)")
    upscale.add_argument("--method", choices=["model", "lanczos"], default="model",
                         help="the learned upscaler (default) or plain Lanczos resampling")
    upscale.add_argument("--model", default="upscale", help="upscaler folder or name under weights/")
    upscale.set_defaults(run=command_upscale)

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


    add_gan_commands(commands)
    add_recognise_commands(commands)
    add_cutout_commands(commands)
    add_upscale_commands(commands)
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
