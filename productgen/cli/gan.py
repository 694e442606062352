"""The CLI's generator commands: ``train``, ``finetune``, ``evaluate`` and ``product-data`` (the product-only
photos it trains on). ``generate`` is in ``cli.main`` with the other commands that use a model."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from productgen.cli.options import add_data_options, add_run_options, read_data, refuse_to_replace, stop_on_ctrl_c
from productgen.gan.networks import IMAGE_SIZES, TOP_STYLES
from productgen.io.datasets import load_product_images, parse_aspect
from productgen.limits import MAX_GRID, OUTPUT_SIZES
from productgen.store.weights import generator_image_size, resolve_model_dir


def command_train(args) -> None:
    from productgen.gan.training import Callbacks, train_gan

    refuse_to_replace(args.out, args.resume, args.overwrite)
    train_gan(read_data(args, args.size), args.out, minutes=args.minutes, kimg=args.kimg, steps=args.steps,
              resume=args.resume, seed=args.seed, threads=args.threads,
              widths=(args.generator_width, args.discriminator_width), checkpoint_minutes=args.checkpoint_minutes,
              command="python -m productgen " + " ".join(sys.argv[1:]), class_weight=args.class_weight,
              category_sampling=args.category_sampling, callbacks=Callbacks(should_stop=stop_on_ctrl_c()),
              image_size=args.size, start_from=args.start_from,
              top_style=args.top_style)


def command_finetune(args) -> None:
    from productgen.gan.card import generator_card
    from productgen.gan.finetune import finetune, quality_report, run_note
    from productgen.gan.training import Callbacks, Progress
    from productgen.train.runbook import set_threads

    set_threads(args.threads)
    refuse_to_replace(args.out, args.resume, args.overwrite)
    if args.labels and args.category:
        raise ValueError("give either --labels/--label-column or --category, not both")
    from productgen.cutout.segment import product_on_white

    size = generator_image_size(args.start_from)  # the photos are learned at the size the base model draws
    data = load_product_images(args.data, args.labels, args.label_column, None, size, parse_aspect(args.aspect),
                               args.min_per_category, single_category=args.category,
                               prepare=None if args.no_cutout else product_on_white)
    print(f"data: {data.summary()}", file=sys.stderr)

    def progress(report: Progress):
        eta = f", ETA {report.eta_s:.0f} s" if report.eta_s is not None else ""
        print(f"step {report.step}: D {report.loss_discriminator:.3f} G {report.loss_generator:.3f} "
              f"augment p {report.augment_probability:.2f}{eta}", file=sys.stderr, flush=True)

    stopped = stop_on_ctrl_c()
    run = finetune(args.start_from, data, args.out, minutes=args.minutes, steps=args.steps, resume=args.resume,
                   callbacks=Callbacks(progress=progress, should_stop=stopped),
                   command="python -m productgen " + " ".join(sys.argv[1:]),
                   data_source=f"the user's photos in {args.data}")
    quality = quality_report(args.out, data)
    generator_card(args.out, quality)
    print(quality)
    note = run_note(run.step, stopped(), hit_limit=False)
    if note:
        template, values = note
        print(template.format(**values).replace("Tick 'Continue this model's training' and start again",
                                                "Run it again with --resume"), file=sys.stderr)


def command_product_data(args) -> None:
    from tqdm import tqdm

    from productgen.gan.product_data import build, summary

    if not (args.products or args.realphotos):
        raise ValueError("give --products, --realphotos or both")
    for option, folder in (("--products", args.products), ("--realphotos", args.realphotos)):
        if folder and not (Path(folder) / "labels.csv").is_file():
            raise FileNotFoundError(f"{option}: no labels.csv in {folder}")
    bar = tqdm(unit="batch", dynamic_ncols=True, disable=None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    entries = build(args.products, args.realphotos, args.out, workers=args.workers, progress=progress)
    bar.close()
    print(summary(entries))
    print(f"wrote {sum(e.kept for e in entries)} photos and {Path(args.out) / 'manifest.csv'}")


def command_evaluate(args) -> None:
    import json

    from productgen.gan.card import generator_card
    from productgen.gan.metrics import evaluate_generator
    from productgen.gan.sampling import load_generator
    from productgen.recognise.network import load_classifier

    generator = load_generator(args.model)
    size = args.size or generator.image_size
    args.categories = [generator.categories[generator.category_index(name)] for name in args.categories or
                       generator.categories]
    real = read_data(args, size)
    classifier = load_classifier(args.classifier)
    judge = load_classifier(args.judge) if args.judge else None
    sections, reports = [], {}
    for variety in args.variety:
        report = evaluate_generator(generator, classifier, real.images, real.labels, args.per_category, variety,
                                    real.categories, size, judge)
        reports[str(variety)] = report.to_dict()
        drawn = "" if size == generator.image_size else f", drawn at {generator.image_size} px and enlarged by Lanczos"
        heading = (f"At variety {variety}, {size} px{drawn} ({args.per_category} samples per category against "
                   f"{len(real)} held-out photos, in the product classifier's features at {size} px):")
        sections.append(f"{heading}\n\n```\n{report.table()}\n```")
        print(f"{heading}\n{report.table()}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))
    if args.write_card:
        command = "python -m productgen " + " ".join(a for a in sys.argv[1:] if a != "--write-card")
        generator_card(resolve_model_dir(args.model), "\n\n".join(sections) + f"\n\nMeasured with `{command}`.")


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


def add_gan_commands(commands) -> None:
    """The generator's commands: train, finetune and evaluate."""
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

    train = commands.add_parser("train", help="train a class-conditional GAN on a folder of product photos")
    add_data_options(train)
    budget = add_run_options(train, "continue from the checkpoint in --out", 2.0, "the run")
    budget.add_argument("--kimg", type=float, help="train until this many thousand images have been shown in all")
    train.add_argument("--class-weight", type=float, default=0.5,
                       help="weight of the category loss for both networks: higher gives more recognisable "
                            "categories, less variety (default 0.5)")
    train.add_argument("--category-sampling", choices=["sqrt", "uniform"], default="sqrt",
                       help="how often each category is drawn: by the square root of its photo count (default) or "
                            "equally often (helps small categories that come out unlike themselves)")
    train.add_argument("--generator-width", type=int, default=48, help="generator width (channels of its last block)")
    train.add_argument("--discriminator-width", type=int, default=32, help="discriminator width (its first block)")
    train.add_argument("--size", type=int, choices=IMAGE_SIZES, default=64,
                       help="image size the model draws (default 64; 128 grows a 64 px --start-from model a stage)")
    train.add_argument("--start-from", help="start a new run from this model's weights (folder or name under "
                                            "weights/); its categories keep their rows, new ones start at the mean")
    train.add_argument("--top-style", choices=TOP_STYLES,
                       help="layout of the 128 px stage: resize (bilinear + 3x3 conv, the default for a new stage) "
                            "or transposed (the first 128 px models); a --start-from stage of the other layout "
                            "starts again at zero")
    train.set_defaults(run=command_train)

    tune = commands.add_parser("finetune", help="fine-tune a model on your own product photos")
    tune.add_argument("--start-from", default="default",
                      help="model to start from (folder, name under weights/ or Hub id; default: default)")
    tune.add_argument("--base", dest="start_from", help=argparse.SUPPRESS)  # the older name of --start-from
    tune.add_argument("--data", required=True, help="folder of photos (sub-folder per category, or --category)")
    tune.add_argument("--labels", help="CSV with a file/id column and a label column")
    tune.add_argument("--label-column", default="category", help="label column of --labels")
    tune.add_argument("--category", help="one category name for every photo in --data")
    tune.add_argument("--aspect", help="reshape photos to this width:height before padding")
    tune.add_argument("--min-per-category", type=int, default=8, help="fewest photos a category may have")
    add_run_options(tune, "continue the fine-tune in --out")
    tune.add_argument("--no-cutout", action="store_true",
                      help="use the photos as they are (default: cut each product out onto white first)")
    tune.set_defaults(run=command_finetune)

    product_data = commands.add_parser(
        "product-data", help="the generator's product-only photos: catalogue photos without a wearer and real "
                             "clothes photos cut out onto white, 96x128 on white, split train/val")
    product_data.add_argument("--products", help="the catalogue folder (labels.csv + images/)")
    product_data.add_argument("--realphotos", help="the real photos folder (labels.csv, clothing_senders.csv)")
    product_data.add_argument("--out", required=True, help="folder to write <split>/<category>/*.png and manifest.csv")
    product_data.add_argument("--workers", type=int, default=2, help="processes cutting out real photos (default 2)")
    product_data.set_defaults(run=command_product_data)

    evaluate = commands.add_parser("evaluate", help="FID, KID, precision/recall, consistency, spread of a model")
    add_data_options(evaluate)
    evaluate.add_argument("--model", default="default", help="generator folder or name under weights/")
    evaluate.add_argument("--classifier", default="classifier", help="classifier folder or name under weights/")
    evaluate.add_argument("--judge", help="classifier that tells class-consistency instead (at its own size): one "
                                          "trained on the model's categories, e.g. on its training photos")
    evaluate.add_argument("--per-category", type=int, default=100, help="samples per category")
    evaluate.add_argument("--size", type=int, choices=IMAGE_SIZES,
                          help="compare at this size (default: the model's own); a 64 px model's samples are "
                               "enlarged by Lanczos to 128, and the classifier sees both at this size")
    evaluate.add_argument("--variety", type=float, nargs="+", default=[1.0],
                          help="variety (0 typical .. 1 most varied) to sample at")
    evaluate.add_argument("--json", help="also write the report here")
    evaluate.add_argument("--write-card", action="store_true", help="put the report in the model's README.md")
    evaluate.set_defaults(run=command_evaluate)
