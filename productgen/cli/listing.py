"""The CLI's ``listing`` command: photos, folders or ZIPs in, one listing ZIP out (the enhanced images and a CSV
that Shopify's product import takes; ``productgen.listing``)."""
from __future__ import annotations

import sys
from pathlib import Path

from productgen.cli.options import add_files_command


def command_listing(args) -> None:
    from productgen.enhance.studio import Recipe
    from productgen.listing.batch import make_listing
    from productgen.listing.pack import listing_recipe

    recipe = Recipe.from_json(Path(args.recipe).read_text()) if args.recipe else listing_recipe()
    if args.preset:
        recipe.preset = args.preset
        recipe.__post_init__()  # checks the name
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise ValueError(f"--workers must be from 1 to 64, got {args.workers}")
    listing = make_listing(args.inputs, args.out, recipe, args.language, args.vendor, args.image_url,
                           args.enlarge, args.workers, args.classifier,
                           progress=lambda done, total, name: print(f"[{done}/{total}] {name}", file=sys.stderr))
    for pack in listing.packs:
        if pack.ok:
            title = pack.listing(args.language)[0]
            print(f"{pack.file}: {pack.category} ({pack.status}) | {title} | {pack.verdict} -> {pack.image}")
        else:
            print(f"{pack.file}: error: {pack.reason}")
    minutes = listing.seconds / 60
    print(f"wrote {listing.archive} ({len(listing.packs)} rows, {listing.workers} worker(s), "
          f"{len(listing.packs) / max(minutes, 1e-9):.0f} photos per minute)", file=sys.stderr)
    failed = [pack for pack in listing.packs if not pack.ok]
    if failed:
        raise SystemExit(f"error: {len(failed)} of {len(listing.packs)} file(s) could not be listed (listed above; "
                         "their rows in products.csv say why)")


def add_listing_commands(commands) -> None:
    """listing."""
    listing = add_files_command(commands, "listing", "photos to a listing: enhanced images and a Shopify CSV in one "
                                "ZIP", "photos, folders of photos, or ZIPs",
                                "folder for listing.zip, its images and products.csv")
    listing.add_argument("--preset", help="marketplace the images are framed for: amazon, shopify, ebay, etsy, "
                                          "google or taobao (default: the recipe's, shopify)")
    listing.add_argument("--recipe", help="JSON recipe saved from the app's Enhance or Listing tab (default: Auto "
                                          "settings, white background, Lanczos for any enlargement)")
    listing.add_argument("--enlarge", action="store_true",
                         help="frame every image at the marketplace's recommended size (2048 px for Shopify), "
                              "enlarging small products; by default an image keeps near its photo's size, "
                              "raised only to the size the marketplace requires")
    listing.add_argument("--language", choices=["en", "zh"], default="en",
                         help="language of the titles, alt text and tags (zh: Simplified Chinese); the Type column "
                              "stays the model's English name")
    listing.add_argument("--vendor", default="", help="your shop or brand, for the Vendor column")
    listing.add_argument("--image-url", default="", help="web address the images will be uploaded to, put before "
                                                         "each image's name in Image Src (default: the name alone)")
    listing.add_argument("--workers", type=int, help="processes working at once (default: one per core, at most 2)")
    listing.add_argument("--classifier", default="classifier", help="classifier folder or name under weights/")
    listing.set_defaults(run=command_listing)
