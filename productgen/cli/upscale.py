"""The CLI's upscaler commands: ``upscale`` (one PNG per input) and ``train-upscale``."""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from productgen.cli.options import (
    add_files_command,
    add_run_options,
    each_image,
    refuse_to_replace,
    require,
    stop_on_ctrl_c,
)


def command_train_upscale(args) -> None:
    from productgen.cutout.training import realphoto_split
    from productgen.train.runbook import set_threads
    from productgen.upscale.patches import load_patches
    from productgen.upscale.training import UpscaleTrainOptions, train_upscaler
    from productgen.upscale.upscaler import UpscaleConfig, parameter_count

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

        from productgen.store.weights import atomic_write

        atomic_write(cache, lambda tmp: np.save(open(tmp, "wb"), patches))
    print(f"data: {len(patches)} patches of {len(train_files)} real photos ({len(held)} held out)", file=sys.stderr)
    info = {"command": "python -m productgen " + " ".join(sys.argv[1:]),
            "data": {"realphotos_train": len(train_files), "realphotos_held_out": len(held)}}

    def progress(record):
        print(" ".join(f"{key} {value}" for key, value in record.items()), file=sys.stderr, flush=True)

    config = UpscaleConfig(channels=args.channels, convs=args.convs)
    init = None
    if args.start_from and not args.resume:
        from productgen.store.weights import training_history
        from productgen.upscale.upscaler import load_upscaler

        init = load_upscaler(args.start_from)
        info["started_from"] = training_history(args.start_from)
    model = train_upscaler(patches, args.out, options, config, args.resume, info, args.classifier, progress,
                           stop_on_ctrl_c(), init=init)
    print(f"upscaler ({parameter_count(model):,} parameters) in {args.out}")


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


def add_upscale_commands(commands) -> None:
    """upscale and train-upscale."""
    upscale = add_files_command(commands, "upscale", "enlarge images with the x4 upscaler: one PNG per input",
                                "images, folders of images, or ZIPs", "folder for the PNGs (same stem as the input)")
    upscale.add_argument("--scale", type=float, default=4, help="how many times larger, 1-16 (default 4)")
    upscale.add_argument("--method", choices=["model", "lanczos"], default="model",
                         help="the learned upscaler (default) or plain Lanczos resampling")
    upscale.add_argument("--model", default="upscale", help="upscaler folder or name under weights/")
    upscale.set_defaults(run=command_upscale)

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
    up.add_argument("--start-from", help="start a new run from this upscaler (e.g. upscale: the shipped one; its "
                                   "--channels and --convs)")
    up.add_argument("--init", dest="start_from", help=argparse.SUPPRESS)  # the older name of --start-from
    up.add_argument("--classifier", default="classifier", help="classifier whose early layers give the features")
    up.add_argument("--channels", type=int, default=48, help="width of the network (a new run only)")
    up.add_argument("--convs", type=int, default=12, help="3x3 convolutions in the body")
    up.add_argument("--batch-size", type=int, default=16, help="patches per training step")
    up.add_argument("--lr", type=float, default=4e-4, help="learning rate of the upscaler")
    up.set_defaults(run=command_train_upscale)
