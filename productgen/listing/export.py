"""A listing written out: one CSV row per photo in the columns of Shopify's product CSV import, then ours, and one
ZIP of the images and the CSV.

Shopify's columns (https://help.shopify.com/en/manual/products/import-export/using-csv), in its order:

- ``Handle``: the product's address in the shop, made from the English title (lower-case letters, digits and
  dashes, unique in the file);
- ``Title``, ``Tags`` (comma-separated) and ``Image Alt Text``: the listing's words, in the listing's language;
- ``Body (HTML)``: the description, left empty (we write no descriptions; Shopify takes an empty one);
- ``Vendor``: the merchant's shop or brand, when given;
- ``Type``: the category. Shopify's ``Product Category`` column takes only names of its own product taxonomy
  ("Apparel & Accessories > Clothing > ..."), which ours are not, and a name outside it fails the import;
  ``Type`` is the shop's own free text. Left empty when the category is unknown, and when the model is unsure of
  it (status ``check``): a wrong type filed in the shop is worse than none. The guess is then no tag either; the
  title still names it, and the ``report`` column says so, for the merchant to check or correct;
- ``Published`` FALSE and ``Status`` draft: the products arrive unpublished, for the merchant to price and check;
- ``Image Src``: the image's file name in the ZIP. Shopify fetches an image from a web address: upload the images
  (Shopify admin > Content > Files) and put the address before the name, or give ``image_url`` to do it here;
- ``Image Position`` 1: the listing's image is the product's first.

Ours follow, in lower case (Shopify's importer reads the columns it knows by name; delete ours if another
importer refuses them): ``file`` (the photo as uploaded), ``status`` (ok, check, unknown, edited or error),
``certainty`` (the probability the model gives the category; blank when it did not choose it), ``colours``
(name, hex and share of the product), ``gender`` (only for a clothing type on a photo whose gender the model can
read; never for an unknown or household product), ``verdict`` (the marketplace check of the image: pass, warn or
fail), ``report`` (what did not pass and the notes) and ``error`` (why a photo could not be listed: its row has
no Shopify values, so delete it before importing).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from productgen.io.archives import write_zip
from productgen.listing.pack import Pack

SHOPIFY_COLUMNS = ["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published", "Image Src",
                   "Image Position", "Image Alt Text", "Status"]
OWN_COLUMNS = ["file", "status", "certainty", "colours", "gender", "verdict", "report", "error"]
CSV_NAME = "products.csv"


def handle(text: str, used: set[str]) -> str:
    """A Shopify handle from ``text``: lower-case ASCII letters, digits and dashes, not yet in ``used``."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-") or "product"
    name, number = base, 2
    while name in used:
        name, number = f"{base}-{number}", number + 1
    used.add(name)
    return name


def shop_type(pack: Pack) -> str:
    """The category for Shopify's ``Type``: the merchant's, or the model's when it is sure; else empty."""
    return pack.category if pack.status in ("ok", "edited") and pack.category != "unknown" else ""


def report_text(pack: Pack) -> str:
    """The rules that did not pass, with what was measured, and the notes, in one line."""
    failed = [f"{r.rule}: {r.status} ({r.measured})" for r in pack.report if r.status != "pass"]
    unsure = []
    if pack.status == "check" and pack.certainty is not None:
        named = "" if pack.title_override else "; the title names it"
        unsure = [f"category unsure (best guess {pack.category}, {pack.certainty:.2f}): Type and its tag left "
                  f"empty{named}"]
    return "; ".join(failed + unsure + pack.notes)


def csv_row(pack: Pack, used: set[str], language: str = "en", vendor: str = "", image_url: str = "") -> dict:
    """One photo's row: Shopify's columns, then ours (see the module's notes)."""
    own = {"file": pack.file, "status": pack.status, "error": pack.reason}
    if not pack.ok:
        return own
    title, alt_text, tags = pack.listing(language)
    # handles are web addresses (ASCII): from the merchant's title when it has Latin letters, else the suggested one
    mine = pack.title_override if re.search(r"[A-Za-z0-9]", pack.title_override) else ""
    english = mine or pack.recognition.title
    certainty = pack.certainty
    if pack.status == "check":  # the guessed category is no tag either (the title and alt text name it, to check)
        guess = pack.category.lower()
        tags = [tag for tag in tags if tag != guess]
    return {"Handle": handle(english, used), "Title": title, "Body (HTML)": "", "Vendor": vendor,
            "Type": shop_type(pack), "Tags": ", ".join(tags),
            "Published": "FALSE", "Image Src": image_url + pack.image, "Image Position": 1,
            "Image Alt Text": alt_text, "Status": "draft", **own,
            "certainty": "" if certainty is None else f"{certainty:.2f}",
            "colours": "; ".join(f"{c.name} {c.hex} {c.share:.2f}" for c in pack.recognition.colours),
            "gender": pack.gender or "", "verdict": pack.verdict, "report": report_text(pack)}


def write_csv(packs: list[Pack], path: str | Path, language: str = "en", vendor: str = "",
              image_url: str = "") -> Path:
    """The listing's CSV (UTF-8, as Shopify requires): one row per pack, in order."""
    used: set[str] = set()
    with open(path, "w", newline="", encoding="utf-8") as handle_:
        writer = csv.DictWriter(handle_, SHOPIFY_COLUMNS + OWN_COLUMNS)
        writer.writeheader()
        for pack in packs:
            writer.writerow(csv_row(pack, used, language, vendor, image_url))
    return Path(path)


def write_listing_zip(packs: list[Pack], folder: str | Path, archive: str | Path, language: str = "en",
                      vendor: str = "", image_url: str = "") -> Path:
    """``products.csv`` written into ``folder`` (beside the packs' images), then one ZIP of the images and the CSV,
    written whole before it replaces ``archive``."""
    folder, archive = Path(folder), Path(archive)
    table = write_csv(packs, folder / CSV_NAME, language, vendor, image_url)
    files = [folder / pack.image for pack in packs if pack.ok] + [table]
    partial = archive.with_name(archive.name + ".partial")
    write_zip(files, partial)
    return partial.replace(archive)
