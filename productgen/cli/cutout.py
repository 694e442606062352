"""The CLI's cut-out commands: ``cutout`` (one RGBA PNG per photo) and ``train-cutout``."""
from __future__ import annotations

import sys
from pathlib import Path

from productgen.cli.options import (
    add_files_command,
    add_point_arguments,
    add_run_options,
    add_stroke_arguments,
    each_image,
    read_points,
    read_strokes,
    refuse_to_replace,
    require,
    stop_on_ctrl_c,
)


def command_train_cutout(args) -> None:
    from productgen.cutout.network import CutoutConfig, parameter_count
    from productgen.cutout.training import CompositeSources, CutoutTrainOptions, realphoto_split, train_cutout
    from productgen.io.datasets import _read_ids
    from productgen.train.runbook import set_threads

    if args.real_product_share and not args.pseudo_labels_from:
        raise ValueError("--real-product-share lays the products of pseudo-labelled photos on other surfaces: give "
                         "--pseudo-labels-from too")
    if args.grow and not args.start_from:
        raise ValueError("--grow adds blocks to a trained network: give --start-from too")
    for option, given in (("--pseudo-labels-from", args.pseudo_labels_from), ("--real-masks", args.real_masks)):
        if given and not args.realphotos:
            raise ValueError(f"{option} needs --realphotos (the shared realphotos folder)")
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
    # the held-out senders are never trained on
    train_files = realphoto_split(args.realphotos)[0] if args.realphotos else []
    labelled = []
    if args.real_masks:
        from productgen.cutout.real_masks import labelled_photos, without_held_out

        train_files = without_held_out(train_files, args.realphotos, args.real_masks)
        labelled = labelled_photos(args.realphotos, args.real_masks, "train")
    sources = CompositeSources.load(args.products, args.backgrounds, args.realphotos, validation=False,
                                    product_ids=_read_ids(args.exclude_ids), skip_worn=args.skip_worn,
                                    realphoto_files=train_files)
    sources.shape_share, sources.layered_share = args.shape_share, args.layered_share
    sources.native_share = args.native_share
    if args.taps and not args.start_from and not args.resume:
        raise ValueError("--taps teaches a trained cut-out what a tap means: give --start-from too")
    sources.tap_share = args.taps
    if args.package_share:
        from productgen.cutout.packages import carton_prints

        sources.package_share = args.package_share
        sources.prints = carton_prints(args.realphotos, train_files)
    if args.shop_share:
        from productgen.cutout.network import load_cutout
        from productgen.cutout.packages import shop_photos

        finder = load_cutout(args.pseudo_labels_from or args.start_from or "cutout").fused()
        sources.shops = shop_photos(finder, args.realphotos, train_files)
        sources.shop_share = args.shop_share
        print(f"shop photos: {len(sources.shops)}", file=sys.stderr)
    if args.pseudo_labels_from:
        from productgen.cutout.data import pseudo_labels
        from productgen.cutout.network import load_cutout

        labelled_names = set()
        if args.real_masks:
            from productgen.cutout.real_masks import read_rows

            labelled_names = {row["file"] for row in read_rows(args.real_masks)}
        sources.real = pseudo_labels(load_cutout(args.pseudo_labels_from).fused(), args.realphotos,
                                     [name for name in train_files if name not in labelled_names],
                                     cleaned=args.pseudo_labels_cleaned)
        sources.real_share = args.real_share
        if args.real_product_share:
            from productgen.cutout.data import cut_product

            sources.real_products = [product for product in map(cut_product, sources.real) if product is not None]
            sources.real_product_share = args.real_product_share
        print(f"pseudo-labels: {len(sources.real)} of {len(train_files)} real photos", file=sys.stderr)
    if labelled:  # our own masks: sure labels, seen ``--real-mask-repeats`` times as often as a pseudo-label
        sources.real = sources.real + labelled * args.real_mask_repeats
        sources.real_share = args.real_share
        print(f"our real masks: {len(labelled)} photos x {args.real_mask_repeats}", file=sys.stderr)
    sources.hanger_share = args.hanger_share
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
                     "real_product_share": sources.real_product_share, "tap_share": args.taps,
                     "real_masks": len(labelled), "real_mask_repeats": args.real_mask_repeats if labelled else 0,
                     "realphotos_left_out_for_held_out_masks": bool(args.real_masks),
                     "hanger_share": args.hanger_share}}

    def progress(record):
        print(f"step {record['step']}: loss {record['loss']:.4f} ({record['seconds']} s)", file=sys.stderr,
              flush=True)

    start = None
    if args.start_from:
        from productgen.cutout.network import load_cutout
        from productgen.store.weights import training_history

        start = load_cutout(args.start_from)
        info["started_from"] = training_history(args.start_from)
        if args.grow:
            start = start.grown(tuple(args.grow))
            info["grown_by"] = list(args.grow)
        if args.taps and not start.config.tap_channels:
            start = start.with_taps()
            info["tap_inputs_added"] = True
    model = train_cutout(sources, args.out, options, CutoutConfig(input_side=args.input_side), args.resume, info,
                         progress, stop_on_ctrl_c(), start)
    print(f"cut-out model ({parameter_count(model):,} parameters) in {args.out}")


def command_cutout(args) -> None:
    from productgen.cutout.network import load_cutout
    from productgen.cutout.pipeline import cutout, rgba
    from productgen.io.provenance import is_ai_generated, save_options

    model = load_cutout(args.model).fused()
    strokes = read_strokes(args)
    if strokes is not None and (len(args.inputs) != 1 or Path(args.inputs[0]).is_dir()
                                or Path(args.inputs[0]).suffix.lower() == ".zip"):
        raise ValueError("--remove and --keep correct the cut-out of one photo; give one photo, not several")

    points = read_points(args, args.inputs)

    def handle(path, photo, out):
        taps = points.get(path.name)
        mask = cutout(photo, model, keep_points=taps.keep if taps else None,
                      remove_points=taps.remove if taps else None)
        if strokes is not None:
            from productgen.cutout.touchup import touched_mask

            mask = touched_mask(photo, mask, strokes, model.config.input_side)
        target = out / f"{path.stem}.png"
        rgba(photo, mask).save(target, **save_options("PNG", is_ai_generated(photo)))
        notes = f" ({'; '.join((['corrected by hand'] if mask.touched else []) + mask.notes)})" \
            if mask.notes or mask.touched else ""
        return f"{path.name}: confidence {mask.confidence:.2f} -> {target}{notes}"

    each_image(args.inputs, args.out, handle, "some files could not be read or tapped", points)


def add_cutout_commands(commands) -> None:
    """cutout and train-cutout."""
    cutout = add_files_command(commands, "cutout", "cut products out: one RGBA PNG per photo, alpha = the mask",
                               "photos, folders of photos, or ZIPs", "folder for the PNGs")
    cutout.add_argument("--model", default="cutout", help="cut-out model folder or name under weights/")
    add_stroke_arguments(cutout)
    add_point_arguments(cutout)
    cutout.set_defaults(run=command_cutout)

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
    cut.add_argument("--real-masks", help="our own masks of real photos (data/real_masks): the train part joins "
                                           "the real photos; every photo of a held-out mask's sender or product is "
                                           "left out of the pseudo-labels, corners and shop photos")
    cut.add_argument("--real-mask-repeats", type=int, default=3,
                     help="how many times each of our masks counts among the pseudo-labelled photos")
    cut.add_argument("--hanger-share", type=float, default=0.0,
                     help="share of composites hung on a drawn hanger's hook (not product)")
    add_run_options(cut, "continue from the checkpoint in --out", 3.0, "the composites")
    cut.add_argument("--start-from", help="begin from this cut-out model's weights (folder or name under weights/; "
                                           "a fresh optimizer), e.g. to train the shipped model further")
    cut.add_argument("--grow", type=int, nargs=4, metavar="N",
                     help="with --start-from: add N residual blocks to each of the four encoder stages (strides "
                          "4, 8, 16, 32), each starting almost as the identity, so the larger network starts as the "
                          "trained one")
    cut.add_argument("--taps", type=float, default=0.0, metavar="SHARE",
                     help="share of pictures with simulated taps (keep and remove); the model reads taps (a "
                          "--start-from model without tap inputs gets them, starting as it was)")
    cut.add_argument("--batch-size", type=int, default=16, help="composites per training step")
    cut.add_argument("--side", type=int, default=256, help="side of the training composites (px)")
    cut.add_argument("--input-side", type=int, default=320, help="longer side the model sees a photo at (px)")
    cut.add_argument("--lr", type=float, default=2e-3, help="learning rate (after a 200-step warm-up)")
    cut.add_argument("--lr-end", type=float, help="let the rate fall (cosine) from --lr to this over this run's "
                                                  "budget (default: constant)")
    cut.set_defaults(run=command_train_cutout)
