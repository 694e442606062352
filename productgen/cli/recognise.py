"""The CLI's recognition commands: ``tag`` (category, colours, title, alt text and tags of photos),
``train-classifier`` and ``calibrate-classifier``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from productgen.cli.options import (
    add_data_options,
    read_data,
    refuse_to_replace,
    require,
)


def command_train_classifier(args) -> None:
    import time
    from collections import Counter

    import torch

    from productgen.recognise.card import classifier_card
    from productgen.recognise.network import ClassifierConfig, load_classifier, save_classifier
    from productgen.recognise.training import LabelledImages, accuracy_report, train_classifier
    from productgen.train.runbook import set_threads

    set_threads(args.threads)
    if args.realphotos:
        return train_classifier_on_real_photos(args)
    continuing = bool(args.start_from) and Path(args.start_from).resolve() == Path(args.out).resolve()
    refuse_to_replace(args.out, args.resume, args.overwrite or continuing)  # --start-from in place keeps a backup
    started = time.monotonic()
    extra = tuple(c for c in (args.gender_column, args.colour_column) if c)
    data = read_data(args, args.size, extra_columns=extra)
    genders = data.extra.get(args.gender_column) if args.gender_column else None
    colours = data.extra.get(args.colour_column) if args.colour_column else None
    colour_names = sorted(c for c, n in Counter(colours or []).items() if n >= args.min_per_colour and c != "NA")
    config = ClassifierConfig(categories=data.categories, genders=sorted({g for g in genders or [] if g}),
                              colours=colour_names, widths=tuple(args.widths), extra_blocks=tuple(args.extra_blocks),
                              image_size=args.size)
    init = load_classifier(args.start_from) if args.start_from else None
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]), "data": data.summary(),
            "epochs": args.epochs, "lr": args.lr, "init": args.start_from, "threads": torch.get_num_threads()}
    model = train_classifier(LabelledImages.from_product_images(data, config, genders, colours), config,
                             epochs=args.epochs, seed=args.seed, lr=args.lr, init=init, out_dir=args.out,
                             resume=args.resume, info=info, log=lambda line: print(line, file=sys.stderr, flush=True))
    info["seconds"] = round(time.monotonic() - started)
    if args.holdout:
        args.only_ids, args.exclude_ids, args.min_per_category = args.holdout, None, 1
        args.categories = data.categories
        held_out = read_data(args, args.size)
        info["held_out"] = accuracy_report(model, held_out)
        info["held_out_top16"] = accuracy_report(model, held_out, data.categories[:16])
        print(f"held-out: {info['held_out']}\nheld-out, 16 most common types: {info['held_out_top16']}")
    save_classifier(model, args.out, info)
    classifier_card(args.out)
    print(f"saved the classifier to {args.out}")


def real_photo_cache(args) -> dict:
    """The catalogue and real photos cut out once into ``--cache`` (made on the first run), as the classifier
    sees them."""
    from productgen.recognise.data import build_cache, load_cache

    args.cache = args.cache or f"runs/recognise-cache-{args.size}.pt"
    if not Path(args.cache).is_file():
        build_cache(args.data, args.realphotos, args.cache, size=args.size, min_count=args.min_per_category,
                    log=lambda line: print(line, file=sys.stderr))
    return load_cache(args.cache, args.min_per_category, args.size)


def train_classifier_on_real_photos(args) -> None:
    """``train-classifier --realphotos``: the catalogue (``--data``, with its labels.csv), the real phone
    photos and outliers, cut out once into ``--cache``; then :func:`finish_classifier`."""
    import time
    from collections import Counter

    import torch

    from productgen.recognise.data import texture_pool, training_set
    from productgen.recognise.network import ClassifierConfig, load_classifier
    from productgen.recognise.training import train_classifier

    refuse_to_replace(args.out, args.resume, args.overwrite)
    started = time.monotonic()
    cache = real_photo_cache(args)
    init = load_classifier(args.start_from) if args.start_from else None
    config = ClassifierConfig(categories=cache["types"], genders=init.config.genders if init else [],
                              colours=init.config.colours if init else [], widths=tuple(args.widths),
                              extra_blocks=tuple(args.extra_blocks), image_size=args.size)
    if not init:
        examples = [e for e in cache["examples"] if e["source"] == "catalogue" and e["role"] == "known"]
        config.genders = sorted({e["gender"] for e in examples if e["gender"]})
        counts = Counter(e["colour"] for e in examples)
        config.colours = sorted(c for c, n in counts.items() if n >= args.min_per_colour and c not in ("", "NA"))
    data = training_set(cache, config, args.real_repeats, args.real_look)
    train_files = [e["name"] for e in cache["examples"] if e["source"] == "real" and e["split"] == "train"]
    textures = texture_pool(args.backgrounds, args.realphotos, train_files, size=args.size, seed=args.seed)
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]), "photos": len(data),
            "epochs": args.epochs, "lr": args.lr, "init": args.start_from, "threads": torch.get_num_threads()}
    info["mixup"], info["real_look"] = args.mixup, args.real_look
    model = train_classifier(data, config, epochs=args.epochs, seed=args.seed, lr=args.lr, init=init,
                             textures=textures, out_dir=args.out, resume=args.resume, info=info,
                             log=lambda line: print(line, file=sys.stderr, flush=True), mixup=args.mixup)
    info["seconds"] = round(time.monotonic() - started)
    finish_classifier(model, cache, args.unknown_share, info, args.out)


def finish_classifier(model, cache: dict, share: float, info: dict, out: str | Path) -> None:
    """Where each type's features lie (the cache's train split), the "unknown" thresholds set on the
    calibration senders (never trained on), the held-out numbers; then the model folder and its card."""
    from productgen.recognise.card import classifier_card
    from productgen.recognise.data import evaluation_sets, training_set
    from productgen.recognise.network import save_classifier
    from productgen.recognise.training import calibrate_unknown, fit_feature_stats, set_accuracy

    known = training_set(cache, model.config)
    model.stats = fit_feature_stats(model, known.images, known.targets)
    calibration = evaluation_sets(cache, model.config.categories, "calibration").get("real")
    if calibration is None:
        raise ValueError("no real photos of known types in the calibration senders: the unknown thresholds "
                         "cannot be set")
    calibrate_unknown(model, calibration["images"], share)
    info["unknown_below"] = {"value": model.config.unknown_below, "far_above": model.config.unknown_far_above,
                             "share": share, "calibration_photos": len(calibration["images"]),
                             "feature_stats_photos": int((known.targets.sum(1) > 0).sum())}
    info["held_out"] = {name: set_accuracy(model, held["images"], held["targets"])
                        for name, held in evaluation_sets(cache, model.config.categories).items()}
    save_classifier(model, out, info)
    classifier_card(out)
    for name, report in info["held_out"].items():
        print(f"held-out {name}: {report}")
    print(f"saved the classifier to {out}")


def command_calibrate_classifier(args) -> None:
    """``calibrate-classifier``: a trained classifier's "unknown" statistics and thresholds made again (after
    a change to the cut-out, or to the rule), written with the model to a new ``--out``."""
    from productgen.recognise.network import load_classifier
    from productgen.store.weights import read_json, resolve_model_dir

    require(args.data, "--data", "the products folder of the shared data", ("labels.csv",))
    require(args.realphotos, "--realphotos", "the realphotos folder of the shared data", ("labels.csv",))
    refuse_to_replace(args.out, False, args.overwrite)
    model = load_classifier(args.classifier)
    args.size = model.config.image_size
    info = read_json(resolve_model_dir(args.classifier) / "config.json")["training"]
    info["calibrated"] = "python -m productgen " + " ".join(sys.argv[1:])
    finish_classifier(model, real_photo_cache(args), args.unknown_share, info, args.out)


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


def add_recognise_commands(commands) -> None:
    """tag, train-classifier and calibrate-classifier."""
    tag = commands.add_parser("tag", help="recognise category and colours of photos; titles, alt text, tags")
    tag.add_argument("inputs", nargs="+", help="photos, folders of photos, or ZIPs")
    tag.add_argument("--csv", help="write the table here")
    tag.add_argument("--classifier", default="classifier", help="classifier folder or name under weights/")
    tag.add_argument("--language", choices=["en", "zh"], default="en",
                     help="language of the titles, alt text and tags (zh: Simplified Chinese); the category column "
                          "stays the model's English name")
    tag.set_defaults(run=command_tag)

    classify = commands.add_parser("train-classifier", help="train the product classifier (Recognise, metrics)")
    add_data_options(classify)
    classify.add_argument("--gender-column", help="CSV column with gender (a second head), e.g. gender")
    classify.add_argument("--colour-column", help="CSV column with the main colour (a third head), e.g. baseColour")
    classify.add_argument("--min-per-colour", type=int, default=25, help="fewest images a colour name needs")
    classify.add_argument("--holdout", help="ids file of held-out photos to report accuracy on")
    classify.add_argument("--epochs", type=int, default=20, help="passes over the training photos")
    classify.add_argument("--widths", type=int, nargs=4, default=[32, 64, 128, 256], help="channels of the 4 stages")
    classify.add_argument("--seed", type=int, default=0, help="random seed of the run (same seed, same run)")
    classify.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    classify.add_argument("--lr", type=float, default=2e-3, help="peak learning rate of the one-cycle schedule")
    classify.add_argument("--extra-blocks", type=int, nargs=4, default=[0, 0, 0, 0],
                          help="more residual blocks after each of the 4 stages (with --start-from they start as the "
                               "identity, so the grown model starts as the one it grows from)")
    classify.add_argument("--start-from", help="continue from this classifier (same categories, colours and widths)")
    classify.add_argument("--init", dest="start_from", help=argparse.SUPPRESS)  # the older name of --start-from
    classify.add_argument("--realphotos", help="also train on these real phone photos (realphotos/ layout); "
                          "--data is then the catalogue folder with its labels.csv")
    classify.add_argument("--backgrounds", help="with --realphotos: surfaces (backgrounds/ layout) for the phone look")
    classify.add_argument("--cache", help="with --realphotos: file of the cut-out photos, made on the first run "
                          "(default: runs/recognise-cache-SIZE.pt)")
    classify.add_argument("--size", type=int, default=64, choices=[64, 96, 128],
                          help="the side in pixels the classifier sees (default 64)")
    classify.add_argument("--real-repeats", type=int, default=1,
                          help="with --realphotos: show each real photo this many times per epoch (default 1)")
    classify.add_argument("--unknown-share", type=float, default=0.1,
                          help="with --realphotos: share of held-out known products the unknown threshold may "
                               "call unknown (default 0.1)")
    classify.add_argument("--mixup", type=float, default=0.0,
                          help="with --realphotos: blend half the batches two photos at a time, weight ~ "
                               "Beta(MIXUP, MIXUP), e.g. 0.4 (default 0: off)")
    classify.add_argument("--real-look", action="store_true",
                          help="with --realphotos: the real photos too get zoom, rotation, colour casts, blur, "
                               "noise, a band of surface and now and then a blanked patch (else flip and shift)")
    classify.add_argument("--out", required=True, help="model folder to write (a new one, or see --overwrite)")
    classify.add_argument("--resume", action="store_true", help="continue the run in --out from its last epoch")
    classify.add_argument("--overwrite", action="store_true", help="replace a model in --out (kept as a backup)")
    classify.set_defaults(run=command_train_classifier)

    calibrate = commands.add_parser("calibrate-classifier", help="set a trained classifier's \"unknown\" "
                                    "statistics and thresholds again on the calibration senders")
    calibrate.add_argument("--classifier", default="classifier", help="the classifier (folder or name under weights/)")
    calibrate.add_argument("--data", required=True, help="the catalogue folder with its labels.csv")
    calibrate.add_argument("--realphotos", required=True, help="the real phone photos (realphotos/ layout)")
    calibrate.add_argument("--min-per-category", type=int, default=40, help="as the classifier was trained with")
    calibrate.add_argument("--cache", help="file of the cut-out photos (default: runs/recognise-cache-SIZE.pt)")
    calibrate.add_argument("--unknown-share", type=float, default=0.1,
                           help="share of held-out known products the thresholds may call unknown")
    calibrate.add_argument("--out", required=True, help="model folder to write (a new one, or see --overwrite)")
    calibrate.add_argument("--overwrite", action="store_true", help="replace a model in --out (kept as a backup)")
    calibrate.set_defaults(run=command_calibrate_classifier)
