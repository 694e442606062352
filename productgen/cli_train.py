"""The CLI's commands that train the helper models (``python -m productgen train-classifier|train-cutout|
train-upscale``), and what every training command shares: each turns its options into one call on the library
and writes a model folder that only ``--resume`` continues and only ``--overwrite`` replaces (keeping a backup).
The generator's commands (train, finetune, evaluate) are in ``cli_gan``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import add_data_options, read_data, require


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
    from .weights import prepare_new_run

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


def command_train_classifier(args) -> None:
    import time
    from collections import Counter

    import torch

    from .cards import classifier_card
    from .classifier import (
        ClassifierConfig,
        LabelledImages,
        accuracy_report,
        load_classifier,
        save_classifier,
        train_classifier,
    )
    from .runbook import set_threads

    set_threads(args.threads)
    if args.realphotos:
        return train_classifier_on_real_photos(args)
    continuing = bool(args.init) and Path(args.init).resolve() == Path(args.out).resolve()
    refuse_to_replace(args.out, args.resume, args.overwrite or continuing)  # --init in place keeps a backup
    started = time.monotonic()
    extra = tuple(c for c in (args.gender_column, args.colour_column) if c)
    data = read_data(args, extra_columns=extra)
    genders = data.extra.get(args.gender_column) if args.gender_column else None
    colours = data.extra.get(args.colour_column) if args.colour_column else None
    colour_names = sorted(c for c, n in Counter(colours or []).items() if n >= args.min_per_colour and c != "NA")
    config = ClassifierConfig(categories=data.categories, genders=sorted({g for g in genders or [] if g}),
                              colours=colour_names, widths=tuple(args.widths), extra_blocks=tuple(args.extra_blocks))
    init = load_classifier(args.init) if args.init else None
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]), "data": data.summary(),
            "epochs": args.epochs, "lr": args.lr, "init": args.init, "threads": torch.get_num_threads()}
    model = train_classifier(LabelledImages.from_product_images(data, config, genders, colours), config,
                             epochs=args.epochs, seed=args.seed, lr=args.lr, init=init, out_dir=args.out,
                             resume=args.resume, info=info, log=lambda line: print(line, file=sys.stderr, flush=True))
    info["seconds"] = round(time.monotonic() - started)
    if args.holdout:
        args.only_ids, args.exclude_ids, args.min_per_category = args.holdout, None, 1
        args.categories = data.categories
        held_out = read_data(args)
        info["held_out"] = accuracy_report(model, held_out)
        info["held_out_top16"] = accuracy_report(model, held_out, data.categories[:16])
        print(f"held-out: {info['held_out']}\nheld-out, 16 most common types: {info['held_out_top16']}")
    save_classifier(model, args.out, info)
    classifier_card(args.out)
    print(f"saved the classifier to {args.out}")


def real_photo_cache(args) -> dict:
    """The catalogue and real photos cut out once into ``--cache`` (made on the first run), as the classifier
    sees them."""
    from .recognise_data import build_cache, load_cache

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

    from .classifier import ClassifierConfig, load_classifier, train_classifier
    from .recognise_data import texture_pool, training_set

    refuse_to_replace(args.out, args.resume, args.overwrite)
    started = time.monotonic()
    cache = real_photo_cache(args)
    init = load_classifier(args.init) if args.init else None
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
            "epochs": args.epochs, "lr": args.lr, "init": args.init, "threads": torch.get_num_threads()}
    info["mixup"], info["real_look"] = args.mixup, args.real_look
    model = train_classifier(data, config, epochs=args.epochs, seed=args.seed, lr=args.lr, init=init,
                             textures=textures, out_dir=args.out, resume=args.resume, info=info,
                             log=lambda line: print(line, file=sys.stderr, flush=True), mixup=args.mixup)
    info["seconds"] = round(time.monotonic() - started)
    finish_classifier(model, cache, args.unknown_share, info, args.out)


def finish_classifier(model, cache: dict, share: float, info: dict, out: str | Path) -> None:
    """Where each type's features lie (the cache's train split), the "unknown" thresholds set on the
    calibration senders (never trained on), the held-out numbers; then the model folder and its card."""
    from .cards import classifier_card
    from .classifier import calibrate_unknown, fit_feature_stats, save_classifier, set_accuracy
    from .recognise_data import evaluation_sets, training_set

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
    from .classifier import load_classifier
    from .weights import read_json, resolve_model_dir

    require(args.data, "--data", "the products folder of the shared data", ("labels.csv",))
    require(args.realphotos, "--realphotos", "the realphotos folder of the shared data", ("labels.csv",))
    refuse_to_replace(args.out, False, args.overwrite)
    model = load_classifier(args.classifier)
    args.size = model.config.image_size
    info = read_json(resolve_model_dir(args.classifier) / "config.json")["training"]
    info["calibrated"] = "python -m productgen " + " ".join(sys.argv[1:])
    finish_classifier(model, real_photo_cache(args), args.unknown_share, info, args.out)


def command_train_cutout(args) -> None:
    from .cutout_model import CutoutConfig, parameter_count
    from .cutout_training import CompositeSources, CutoutTrainOptions, train_cutout
    from .data import _read_ids
    from .runbook import set_threads

    if args.real_product_share and not args.pseudo_labels_from:
        raise ValueError("--real-product-share lays the products of pseudo-labelled photos on other surfaces: give "
                         "--pseudo-labels-from too")
    if args.grow and not args.start_from:
        raise ValueError("--grow adds blocks to a trained network: give --start-from too")
    if args.shop_share and not args.package_share:
        raise ValueError("--shop-share is a share of the package pictures: give --package-share too")
    require(args.products, "--products", "a folder of catalogue photos on white")
    require(args.backgrounds, "--backgrounds", "the backgrounds folder of the shared data", ("manifest.csv",))
    require(args.realphotos, "--realphotos", "the realphotos folder of the shared data", ("labels.csv",))
    set_threads(args.threads)
    refuse_to_replace(args.out, args.resume, args.overwrite)
    options = CutoutTrainOptions(batch_size=args.batch_size, side=args.side, lr=args.lr, lr_end=args.lr_end,
                                 minutes=args.minutes, steps=args.steps,
                                 checkpoint_minutes=args.checkpoint_minutes, seed=args.seed)
    sources = CompositeSources.load(args.products, args.backgrounds, args.realphotos, validation=False,
                                    product_ids=_read_ids(args.exclude_ids), skip_worn=args.skip_worn)
    sources.shape_share, sources.layered_share = args.shape_share, args.layered_share
    sources.native_share = args.native_share
    if args.package_share:
        from .cutout_packages import carton_prints
        from .cutout_training import realphoto_split

        sources.package_share = args.package_share
        sources.prints = carton_prints(args.realphotos, realphoto_split(args.realphotos)[0])
    if args.shop_share:
        from .cutout_model import load_cutout
        from .cutout_packages import shop_photos
        from .cutout_training import realphoto_split

        finder = load_cutout(args.pseudo_labels_from or args.start_from or "cutout").fused()
        sources.shops = shop_photos(finder, args.realphotos, realphoto_split(args.realphotos)[0])
        sources.shop_share = args.shop_share
        print(f"shop photos: {len(sources.shops)}", file=sys.stderr)
    if args.pseudo_labels_from:
        from .cutout_data import pseudo_labels
        from .cutout_model import load_cutout
        from .cutout_training import realphoto_split

        if not args.realphotos:
            raise ValueError("--pseudo-labels-from needs --realphotos (the photos to label)")
        train_files, _ = realphoto_split(args.realphotos)  # the held-out senders are never labelled
        sources.real = pseudo_labels(load_cutout(args.pseudo_labels_from).fused(), args.realphotos, train_files,
                                     cleaned=args.pseudo_labels_cleaned)
        sources.real_share = args.real_share
        if args.real_product_share:
            from .cutout_data import cut_product

            sources.real_products = [product for product in map(cut_product, sources.real) if product is not None]
            sources.real_product_share = args.real_product_share
        print(f"pseudo-labels: {len(sources.real)} of {len(train_files)} real photos", file=sys.stderr)
    print(f"data: {len(sources.products)} products, {len(sources.surfaces)} surfaces, "
          f"{len(sources.corners)} real-photo corners", file=sys.stderr)
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]),
            "data": {"products": len(sources.products), "surfaces": len(sources.surfaces),
                     "realphoto_corners": len(sources.corners), "pseudo_labelled_realphotos": len(sources.real),
                     "pseudo_labels_cleaned": bool(args.pseudo_labels_from and args.pseudo_labels_cleaned),
                     "real_share": sources.real_share, "shape_share": sources.shape_share,
                     "layered_share": sources.layered_share, "package_share": sources.package_share,
                     "carton_prints": len(sources.prints), "worn_left_out": bool(args.skip_worn),
                     "shop_photos": len(sources.shops), "shop_share": sources.shop_share,
                     "native_share": sources.native_share, "real_products": len(sources.real_products),
                     "real_product_share": sources.real_product_share}}

    def progress(record):
        print(f"step {record['step']}: loss {record['loss']:.4f} ({record['seconds']} s)", file=sys.stderr,
              flush=True)

    start = None
    if args.start_from:
        from .cutout_model import load_cutout
        from .weights import training_history

        start = load_cutout(args.start_from)
        info["started_from"] = training_history(args.start_from)
        if args.grow:
            start = start.grown(tuple(args.grow))
            info["grown_by"] = list(args.grow)
    model = train_cutout(sources, args.out, options, CutoutConfig(input_side=args.input_side), args.resume, info,
                         progress, stop_on_ctrl_c(), start)
    print(f"cut-out model ({parameter_count(model):,} parameters) in {args.out}")


def command_train_upscale(args) -> None:
    from .cutout_training import realphoto_split
    from .runbook import set_threads
    from .superres import UpscaleConfig, parameter_count
    from .superres_training import UpscaleTrainOptions, load_patches, train_upscaler

    require(args.realphotos, "--realphotos", "the realphotos folder of the shared data",
            ("labels.csv", "clothing_senders.csv"))
    set_threads(args.threads)
    refuse_to_replace(args.out, args.resume, args.overwrite)
    options = UpscaleTrainOptions(batch_size=args.batch_size, lr=args.lr, l1_steps=args.l1_steps,
                                  feature_weight=args.feature_weight, adversarial_weight=args.adversarial_weight,
                                  texture_weight=args.texture_weight, grid_weight=args.grid_weight,
                                  phase_weight=args.phase_weight,
                                  minutes=args.minutes, steps=args.steps,
                                  checkpoint_minutes=args.checkpoint_minutes, seed=args.seed)
    train_files, held = realphoto_split(args.realphotos)  # held-out senders are for bench/upscale.py only
    cache = Path(args.cache or f"runs/upscale-patches-{args.per_photo}.npy")
    if cache.is_file():
        import numpy as np

        patches = np.load(cache)
    else:
        patches = load_patches(args.realphotos, train_files, args.per_photo, args.seed)
        cache.parent.mkdir(parents=True, exist_ok=True)
        import numpy as np

        from .weights import atomic_write

        atomic_write(cache, lambda tmp: np.save(open(tmp, "wb"), patches))
    print(f"data: {len(patches)} patches of {len(train_files)} real photos ({len(held)} held out)", file=sys.stderr)
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]),
            "data": {"realphotos_train": len(train_files), "realphotos_held_out": len(held)}}

    def progress(record):
        print(" ".join(f"{key} {value}" for key, value in record.items()), file=sys.stderr, flush=True)

    config = UpscaleConfig(channels=args.channels, convs=args.convs)
    init = None
    if args.init and not args.resume:
        from .superres import load_upscaler
        from .weights import training_history

        init = load_upscaler(args.init)
        info["started_from"] = training_history(args.init)
    model = train_upscaler(patches, args.out, options, config, args.resume, info, args.classifier, progress,
                           stop_on_ctrl_c(), init=init)
    print(f"upscaler ({parameter_count(model):,} parameters) in {args.out}")


def add_training_commands(commands) -> None:
    """The commands that train the helper models: train-classifier, train-cutout and train-upscale."""
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
                          help="more residual blocks after each of the 4 stages (with --init they start as the "
                               "identity, so the grown model starts as the one it grows from)")
    classify.add_argument("--init", help="continue from this classifier (same categories, colours and widths)")
    classify.add_argument("--realphotos", help="also train on these real phone photos (realphotos/ layout); "
                          "--data is then the catalogue folder with its labels.csv")
    classify.add_argument("--backgrounds", help="with --realphotos: surfaces (backgrounds/ layout) for the phone look")
    classify.add_argument("--cache", help="with --realphotos: file of the cut-out photos, made on the first run "
                          "(default: runs/recognise-cache-SIZE.pt)")
    classify.add_argument("--size", type=int, default=64, choices=[64, 96, 128],
                          help="with --realphotos: the side in pixels the classifier sees (default 64)")
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

    cut = commands.add_parser("train-cutout", help="train the product cut-out model on composites")
    cut.add_argument("--products", required=True, help="catalogue photos on white (their masks come free)")
    cut.add_argument("--backgrounds", required=True, help="surface photos with manifest.csv (split by group)")
    cut.add_argument("--realphotos", help="real phone photos with labels.csv (their corners become backgrounds)")
    cut.add_argument("--exclude-ids", help="file of catalogue ids to leave out (the validation split)")
    cut.add_argument("--shape-share", type=float, default=0.0, help="share of drawn objects among the products")
    cut.add_argument("--skip-worn", action="store_true",
                     help="leave out the catalogue's clothes worn by a model (their masks hold the wearer's skin; "
                          "needs labels.csv beside --products)")
    cut.add_argument("--layered-share", type=float, default=0.0,
                     help="share of composites whose product lies on a second surface (a bedspread on a bed)")
    cut.add_argument("--native-share", type=float, default=0.0,
                     help="share of composites whose surface is a real photo's corner at its own scale, mirrored "
                          "into a tile (a rug's or a bedspread's print as sharp as in a phone photo; otherwise a "
                          "corner is stretched over the whole picture, 3-5x, and blurred)")
    cut.add_argument("--package-share", type=float, default=0.0,
                     help="share of pictures of a package held up in front of a shop shelf (drawn whole; the "
                          "middles of the train products' grocery photos print some packages)")
    cut.add_argument("--shop-share", type=float, default=0.0,
                     help="share of the package pictures laid over the carton of a real shop photo (the train "
                          "products' grocery photos; the carton found by the cut-out model of --pseudo-labels-from, "
                          "--start-from or the shipped one), so a real shelf and hand are the surface")
    cut.add_argument("--pseudo-labels-from", help="a cut-out model whose sure masks of --realphotos (train senders "
                                                   "only) join the training pictures (self-training)")
    cut.add_argument("--pseudo-labels-cleaned", action="store_true",
                     help="also label photos whose only doubt is surface the network kept, when the photo's colours "
                          "removed it (the mask after the colour cut)")
    cut.add_argument("--real-share", type=float, default=0.25, help="share of pseudo-labelled real photos")
    cut.add_argument("--real-product-share", type=float, default=0.0,
                     help="share of the composites' products cut from the pseudo-labelled real photos (a garment "
                          "laid flat in room light) instead of the catalogue's (needs --pseudo-labels-from)")
    add_run_options(cut, "continue from the checkpoint in --out", 3.0, "the composites")
    cut.add_argument("--start-from", help="begin from this cut-out model's weights (folder or name under weights/; "
                                           "a fresh optimizer), e.g. to train the shipped model further")
    cut.add_argument("--grow", type=int, nargs=4, metavar="N",
                     help="with --start-from: add N residual blocks to each of the four encoder stages (strides "
                          "4, 8, 16, 32), each starting almost as the identity, so the larger network starts as the "
                          "trained one")
    cut.add_argument("--batch-size", type=int, default=16, help="composites per training step")
    cut.add_argument("--side", type=int, default=256, help="side of the training composites (px)")
    cut.add_argument("--input-side", type=int, default=320, help="longer side the model sees a photo at (px)")
    cut.add_argument("--lr", type=float, default=2e-3, help="learning rate (after a 200-step warm-up)")
    cut.add_argument("--lr-end", type=float, help="let the rate fall (cosine) from --lr to this over this run's "
                                                  "budget (default: constant)")
    cut.set_defaults(run=command_train_cutout)

    up = commands.add_parser("train-upscale", help="train the x4 upscaler on real photos (resumable)")
    up.add_argument("--realphotos", required=True, help="real photos with labels.csv and clothing_senders.csv "
                                                       "(held-out senders are never trained on)")
    up.add_argument("--cache", help="file of the training patches, made on the first run "
                                    "(default: runs/upscale-patches-N.npy)")
    up.add_argument("--per-photo", type=int, default=4, help="patches taken from each photo")
    add_run_options(up, "continue from the checkpoint in --out", 3.0, "the degradations")
    up.add_argument("--l1-steps", type=int, default=6000, help="steps of L1 alone before the feature and "
                                                               "adversarial losses join")
    up.add_argument("--feature-weight", type=float, default=1.0, help="weight of the classifier-feature loss")
    up.add_argument("--adversarial-weight", type=float, default=0.05, help="weight of the adversarial loss")
    up.add_argument("--texture-weight", type=float, default=0.0, help="weight of the texture loss (local detail "
                                                                       "matched to the target's, with the others)")
    up.add_argument("--grid-weight", type=float, default=0.0, help="weight of the loss on a fixed 4 px stamp in the "
                                                                    "output (a screen-door grid)")
    up.add_argument("--phase-weight", type=float, default=0.0, help="weight of the loss on fine detail that depends "
                                                                     "on the position in a 4x4 block (a dot screen)")
    up.add_argument("--init", help="start a new run from this upscaler (e.g. upscale: the shipped one; its "
                                   "--channels and --convs)")
    up.add_argument("--classifier", default="classifier", help="classifier whose early layers give the features")
    up.add_argument("--channels", type=int, default=48, help="width of the network (a new run only)")
    up.add_argument("--convs", type=int, default=12, help="3x3 convolutions in the body")
    up.add_argument("--batch-size", type=int, default=16, help="patches per training step")
    up.add_argument("--lr", type=float, default=4e-4, help="learning rate of the upscaler")
    up.set_defaults(run=command_train_upscale)
