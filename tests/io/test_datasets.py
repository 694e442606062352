import csv

import pytest

from productgen.io.datasets import DataError, load_product_images, make_split, parse_aspect

from ..conftest import draw_product


def test_subfolders_give_categories_and_white_padding(image_folder):
    data = load_product_images(image_folder, size=32, min_per_category=2)
    assert data.images.shape == (12, 3, 32, 32)
    assert sorted(data.categories) == ["box", "round"]
    assert data.counts() == {"box": 6, "round": 6}
    assert data.images[:, :, 0, 0].min() >= 250  # corner stays white


def test_csv_labels_and_aspect(tmp_path):
    (tmp_path / "images").mkdir()
    rows = []
    for i in range(8):
        draw_product("round" if i % 2 else "box", i).save(tmp_path / "images" / f"{100 + i}.jpg")
        rows.append({"id": 100 + i, "articleType": "Tshirts" if i % 2 else "Flip Flops"})
    with open(tmp_path / "labels.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "articleType"])
        writer.writeheader()
        writer.writerows(rows)
    data = load_product_images(tmp_path / "images", tmp_path / "labels.csv", "articleType", ["t-shirts"],
                               size=32, aspect=parse_aspect("3:4"), min_per_category=2)
    assert data.categories == ["T-shirts"] and len(data) == 4
    # the display names a model stores ("Flip-flops") select the raw label ("Flip Flops") again
    again = load_product_images(tmp_path / "images", tmp_path / "labels.csv", "articleType", ["Flip-flops"],
                                size=32, min_per_category=2)
    assert again.categories == ["Flip-flops"] and len(again) == 4
    # 3:4 reshaping leaves white columns at the sides
    assert data.images[:, :, 16, 0].min() >= 250


def test_unreadable_files_are_skipped_and_counted(image_folder):
    (image_folder / "box" / "broken.jpg").write_bytes(b"not a jpeg")
    (image_folder / "box" / "empty.png").write_bytes(b"")
    data = load_product_images(image_folder, size=16, min_per_category=2)
    assert len(data) == 12 and len(data.skipped) == 2
    assert "skipped 2 unreadable" in data.summary()


def test_bad_inputs_name_the_fix(tmp_path, image_folder):
    with pytest.raises(DataError, match="does not exist"):
        load_product_images(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="sub-folder"):
        load_product_images(tmp_path / "empty")
    with pytest.raises(DataError, match="at least 10"):
        load_product_images(image_folder, size=16)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,colour\n1,red\n")
    with pytest.raises(DataError, match="label-column"):
        load_product_images(tmp_path, labels, "articleType")
    with pytest.raises(DataError, match="no images of category"):
        load_product_images(image_folder, categories=["Rockets"], min_per_category=2)
    with pytest.raises(DataError, match="3:4"):
        parse_aspect("tall")


def test_split_is_stable_and_per_label(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("id,type\n" + "".join(f"{i},{'a' if i < 20 else 'b'}\n" for i in range(40)))
    first = make_split(labels, "type", 0.25, seed=0)
    assert first == make_split(labels, "type", 0.25, seed=0)
    assert len(first) == 10 and sum(int(i) < 20 for i in first) == 5
