"""``productgen listing photos/ --out packs/``: the same ZIP as the API, a line per photo, bad input in one line."""
from __future__ import annotations

import csv
import zipfile

import pytest

from productgen.cli.main import main

from ..recognise.test_recognise import tiny_classifier
from .test_listing import photo_folder


def test_listing_writes_the_zip_with_images_and_csv(tmp_path, capsys):
    folder = photo_folder(tmp_path / "photos", 3)
    tiny_classifier(tmp_path)
    out = tmp_path / "packs"
    code = main(["listing", str(folder), "--out", str(out), "--classifier", str(tmp_path / "classifier"),
                 "--preset", "etsy", "--vendor", "Mia", "--language", "zh"])
    assert code == 0
    printed = capsys.readouterr()
    assert printed.out.count("_etsy.jpg") == 3 and "listing.zip" in printed.err
    with zipfile.ZipFile(out / "listing.zip") as bundle:
        names = sorted(bundle.namelist())
        rows = list(csv.DictReader(bundle.read("products.csv").decode("utf-8").splitlines()))
    assert names == ["item 0_etsy.jpg", "item 1_etsy.jpg", "item 2_etsy.jpg", "products.csv"]
    assert [row["Image Src"] for row in rows] == names[:3] and all(row["Vendor"] == "Mia" for row in rows)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in row["Title"]) for row in rows)


def test_a_file_that_cannot_be_read_is_listed_and_the_command_says_so(tmp_path, capsys):
    folder = photo_folder(tmp_path / "photos", 1)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    tiny_classifier(tmp_path)
    with pytest.raises(SystemExit, match="1 of 2 file"):
        main(["listing", str(folder), "--out", str(tmp_path / "packs"), "--classifier", str(tmp_path / "classifier")])
    assert "broken.jpg: error:" in capsys.readouterr().out
    with open(tmp_path / "packs" / "products.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["file"] for row in rows] == ["broken.jpg", "item 0.jpg"]  # the folder's order
    assert rows[0]["error"] and not rows[0]["Title"] and rows[1]["Title"] and not rows[1]["error"]


@pytest.mark.parametrize("extra, named", [(["--preset", "walmart"], "walmart"), (["--workers", "0"], "--workers")])
def test_bad_options_are_one_line_with_exit_code_2(tmp_path, capsys, extra, named):
    folder = photo_folder(tmp_path / "photos", 1)
    assert main(["listing", str(folder), "--out", str(tmp_path / "packs"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and named in err[0]
