"""Taps read by the cut-out network: the tap maps, a network given tap inputs that answers as before without taps,
training pictures whose taps agree with their masks, a training run with taps, and the pipeline handing a tap to
the network at the right place."""
import numpy as np
import pytest
import torch

from productgen.cutout.data import drawn_product
from productgen.cutout.network import CutoutConfig, CutoutNet, load_cutout
from productgen.cutout.pipeline import cutout
from productgen.cutout.tap_pictures import room, scene, tap_picture
from productgen.cutout.taps import TAP_SIGMA, farthest_point, tap_maps
from productgen.cutout.training import CompositeSources, CutoutTrainOptions, train_cutout
from productgen.store.weights import read_json

from .test_cutout import textured_surface, tiny_sources

SMALL = CutoutConfig(widths=(8, 8, 16, 16, 32), decoder_width=8, input_side=128)


def test_a_tap_is_a_bump_on_its_own_map_whose_size_follows_the_photo():
    maps = tap_maps([(30, 20)], [(70, 50)], 80, 100)
    assert maps.shape == (2, 80, 100)
    assert maps[0, 20, 30] == pytest.approx(1.0) and maps[1, 50, 70] == pytest.approx(1.0)
    assert maps[0, 50, 70] == 0 and maps[1, 20, 30] == 0 and maps[0, 79, 99] == 0
    sigma = TAP_SIGMA * 100
    assert maps[0, 20, 30 + round(sigma)] == pytest.approx(np.exp(-0.5), abs=0.02)
    large = tap_maps([(300, 200)], [], 800, 1000)  # ten times the photo: ten times the bump
    assert large[0, 200, 300 + round(10 * sigma)] == pytest.approx(np.exp(-0.5), abs=0.02)


def test_the_farthest_point_is_the_middle_of_a_disk():
    mask = np.zeros((60, 80), bool)
    yy, xx = np.mgrid[0:60, 0:80]
    mask[(yy - 30) ** 2 + (xx - 50) ** 2 <= 15 ** 2] = True
    x, y = farthest_point(mask)
    assert abs(x - 50) <= 1 and abs(y - 30) <= 1
    assert farthest_point(np.zeros((5, 5), bool)) is None


def test_a_network_given_tap_inputs_answers_as_before_without_taps_and_hears_them_once_trained():
    torch.manual_seed(0)
    plain = CutoutNet(SMALL).eval()
    tapped = plain.with_taps().eval()
    assert tapped.config.tap_channels == 2
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    maps = torch.from_numpy(np.stack([tap_maps([(20, 20)], [(40, 40)], 64, 64)] * 2))
    with torch.no_grad():
        assert torch.allclose(plain(images), tapped(images), atol=1e-6)  # no taps: three channels
        assert torch.allclose(plain(images), tapped(torch.cat([images, maps], 1)), atol=1e-6)  # taps start unheard
        tapped.stem[0].weight[:, 3:] = 0.5
        assert not torch.allclose(plain(images), tapped(torch.cat([images, maps], 1)), atol=1e-3)
    with pytest.raises(ValueError, match="already reads taps"):
        tapped.with_taps()
    with pytest.raises(ValueError, match="tap_channels"):
        CutoutConfig(tap_channels=1)


def _sources() -> CompositeSources:
    rng = np.random.default_rng(0)
    products = [drawn_product(rng) for _ in range(8)]
    surfaces = [textured_surface(seed, 96) for seed in range(3)]
    return CompositeSources(products, surfaces, [textured_surface(9, 40)], shape_share=0.2)


def test_training_taps_agree_with_their_masks():
    sources, rng = _sources(), np.random.default_rng(1)
    counts = {"keep": 0, "remove": 0}
    for _ in range(60):
        picture, target, keep, remove = tap_picture(rng, sources, 96)
        assert picture.shape == (96, 96, 3) and picture.dtype == np.uint8 and target.shape == (96, 96)
        for x, y in keep:  # a keep tap is on what the mask keeps
            assert target[int(y), int(x)] >= 0.5
        for x, y in remove:  # a remove tap is on what the mask leaves out
            assert target[int(y), int(x)] < 0.5
        counts["keep"] += len(keep)
        counts["remove"] += len(remove)
    assert counts["keep"] > 20 and counts["remove"] > 5


def test_in_training_scenes_objects_lie_apart_and_nothing_on_the_product():
    sources = _sources()
    covered = 0
    for seed in range(30):
        _, apart = scene(np.random.default_rng(seed), sources, 96, apart=True)
        solid = apart[0] >= 0.99  # the product is whole: no other object shows where it lies
        assert all(other[solid].max(initial=0) < 0.01 for other in apart[1:])
        for index, alpha in enumerate(apart):  # each object whole but for a small overlap
            others = np.max([a for k, a in enumerate(apart) if k != index] + [np.zeros_like(alpha)], 0)
            assert ((others > 0.5) & (alpha > 0.5)).sum() <= 0.05 * max(1, (alpha > 0.5).sum()) + 1
        _, as_drawn = scene(np.random.default_rng(seed), sources, 96)
        covered += any((other[as_drawn[0] > 0] > 0.5).any() for other in as_drawn[1:])
    assert covered > 0  # without it, objects do lie on one another (the benchmark's scenes)


def test_a_drawn_room_has_a_wall_a_floor_and_furniture():
    sources = _sources()
    for seed in range(40):
        picture = room(np.random.default_rng(seed), 128, sources.surfaces, sources.corners)
        assert picture.shape == (128, 128, 3) and np.isfinite(picture).all()
        assert 0 <= picture.min() and picture.max() <= 255


@pytest.mark.slow
def test_a_run_with_taps_trains_a_network_that_reads_them_and_refuses_one_that_does_not(tmp_path):
    products, backgrounds = tiny_sources(tmp_path)
    sources = CompositeSources.load(products, backgrounds, None, validation=False)
    sources.tap_share = 0.7
    start = CutoutNet(SMALL)
    with pytest.raises(ValueError, match="reads taps"):
        train_cutout(sources, tmp_path / "plain", CutoutTrainOptions(batch_size=2, side=64, steps=1),
                     start_from=start)
    model = train_cutout(sources, tmp_path / "taps", CutoutTrainOptions(batch_size=3, side=64, steps=2),
                         info={"started_from": {"model": "plain", "step": 5}, "tap_inputs_added": True},
                         start_from=start.with_taps())
    assert load_cutout(tmp_path / "taps").config.tap_channels == 2 and model.config.tap_channels == 2
    resumed = train_cutout(sources, tmp_path / "taps", CutoutTrainOptions(batch_size=3, side=64, steps=3), SMALL,
                           resume=True)  # the saved run reads taps, whatever config the command gives
    assert resumed.config.tap_channels == 2
    assert torch.load(tmp_path / "taps" / "train_state.pt", weights_only=True)["step"] == 3
    history = read_json(tmp_path / "taps" / "config.json")["training"]  # the resumed run still says where it began
    assert history["started_from"] == {"model": "plain", "step": 5} and history["tap_inputs_added"] is True


class _Spy(CutoutNet):
    """A network that reads taps and keeps what it was given."""

    seen: list

    def forward(self, images, side_outputs=False):
        self.seen.append(images.detach().clone())
        return super().forward(images, side_outputs)


def test_the_pipeline_hands_a_tap_to_the_network_where_it_is_on_the_photo():
    torch.manual_seed(0)
    spy = _Spy(CutoutConfig(**{**SMALL.__dict__, "tap_channels": 2})).eval()
    spy.seen = []
    photo = textured_surface(3, 200)[:, :160]  # 200 high, 160 wide: the network sees 128x102
    cutout(photo, spy, keep_points=[(40, 150)], remove_points=[(120, 20)])
    given = spy.seen[0]
    assert given.shape[1] == 5
    keep_map, remove_map = given[0, 3].numpy(), given[0, 4].numpy()
    y, x = np.unravel_index(keep_map.argmax(), keep_map.shape)
    assert abs(x - 40 * 128 / 200) <= 1 and abs(y - 150 * 128 / 200) <= 1
    y, x = np.unravel_index(remove_map.argmax(), remove_map.shape)
    assert abs(x - 120 * 128 / 200) <= 1 and abs(y - 20 * 128 / 200) <= 1
    assert torch.equal(given[1, 3:], given[0, 3:].flip(2))  # the mirror image's taps are mirrored too
    spy.seen = []
    cutout(photo, spy)  # no taps: the colours only, as any network gets them
    assert spy.seen[0].shape[1] == 3
    with pytest.raises(ValueError, match="remove-point 999,5 is outside the photo"):
        cutout(photo, spy, remove_points=[(999, 5)])


def test_a_drawn_hanger_is_above_the_product_and_never_product():
    from productgen.cutout.effects import hanger

    side = 128
    alpha = np.zeros((side, side), np.float32)
    alpha[50:110, 34:94] = 1.0  # a garment whose top edge is at row 50
    picture = np.full((side, side, 3), 200.0, np.float32)
    hung, kept = hanger(np.random.default_rng(4), picture.copy(), alpha)
    changed = np.abs(hung - picture).max(2) > 10
    assert changed[:50].any(), "the hook rises above the product"
    assert (kept[changed] < 0.5).all(), "where the hanger is drawn, nothing is product"
    assert kept[70:110, 34:94].min() == 1.0, "the product below the neck is untouched"
    empty = np.zeros((side, side), np.float32)
    assert hanger(np.random.default_rng(4), picture, empty)[1] is empty


def _realphotos_with_masks(tmp_path):
    """A realphotos/ folder of four photos by three senders, and a real_masks/ folder with a held-out mask of
    sender s1 and a train mask of s2."""
    from PIL import Image

    realphotos, masks = tmp_path / "realphotos", tmp_path / "masks"
    (realphotos / "images" / "clothing").mkdir(parents=True)
    masks.mkdir()
    senders = {"a1": "s1", "a2": "s1", "b1": "s2", "c1": "s3"}
    for name in senders:
        Image.fromarray(np.full((40, 30, 3), 90, np.uint8)).save(realphotos / "images" / "clothing" / f"{name}.jpg")
    mask = np.zeros((40, 30), np.uint8)
    mask[10:30, 5:25] = 255
    Image.fromarray(mask).save(masks / "m.png")
    (realphotos / "clothing_senders.csv").write_text(
        "file,sender_id\n" + "".join(f"images/clothing/{n}.jpg,{s}\n" for n, s in senders.items()))
    (realphotos / "labels.csv").write_text(
        "file,source,label,kids\n" + "".join(f"images/clothing/{n}.jpg,clothing,T-Shirt,False\n" for n in senders))
    (masks / "real_masks.csv").write_text("file,mask,kind,split,tools,note\n"
                                          "images/clothing/a1.jpg,m.png,T-Shirt,held_out,none,\n"
                                          "images/clothing/b1.jpg,m.png,T-Shirt,train,none,\n")
    return realphotos, masks, [f"images/clothing/{n}.jpg" for n in senders]


def test_our_held_out_masks_keep_their_senders_out_of_training(tmp_path):
    from productgen.cutout.real_masks import labelled_photos, without_held_out

    realphotos, masks, files = _realphotos_with_masks(tmp_path)
    # a2 was never labelled, but its sender's other photo is held out: it goes too
    assert without_held_out(files, realphotos, masks) == ["images/clothing/b1.jpg", "images/clothing/c1.jpg"]
    photos = labelled_photos(realphotos, masks, "train", longest=20)
    assert len(photos) == 1 and photos[0].pixels.shape == (20, 15, 3)
    assert photos[0].alpha[10, 7] > 0.9 and photos[0].alpha[1, 1] < 0.1
    with pytest.raises(ValueError, match="real_masks.csv"):
        labelled_photos(realphotos, tmp_path)


@pytest.mark.slow
def test_train_cutout_learns_from_our_masks_and_says_so_in_its_config(tmp_path):
    from productgen.cli.main import main

    products, backgrounds = tiny_sources(tmp_path)
    realphotos, masks, _ = _realphotos_with_masks(tmp_path)
    out = tmp_path / "run"
    assert main(["train-cutout", "--products", str(products), "--backgrounds", str(backgrounds), "--realphotos",
                 str(realphotos), "--real-masks", str(masks), "--real-mask-repeats", "2", "--hanger-share", "0.5",
                 "--out", str(out), "--steps", "1", "--batch-size", "2", "--side", "64", "--input-side", "128",
                 "--threads", "1"]) == 0
    data = read_json(out / "config.json")["training"]["data"]
    assert data["real_masks"] == 1 and data["real_mask_repeats"] == 2 and data["hanger_share"] == 0.5
    assert data["realphotos_left_out_for_held_out_masks"] is True

def test_drawn_furniture_is_never_a_flat_colour():
    """Furniture is wood, cloth or a real surface, never one flat colour: flat-coloured furniture taught run 12 that
    a plain box is background, and it punched holes in plain products. Only a wall may be flat paint."""
    from productgen.cutout.composites import _surface
    from productgen.cutout.tap_pictures import _texture

    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[::4] = 200  # every texture given is striped: a flat colour is the only thing without stripes
    rng = np.random.default_rng(0)
    for _ in range(60):
        furniture = _texture(rng, 64, [stripes], [stripes])
        assert furniture.std(axis=(0, 1)).max() > 20
    flats = sum(_surface(rng, 64, [stripes], [stripes], np.full(3, 128.0)).std(axis=(0, 1)).max() < 20
                for _ in range(200))
    assert flats > 20, "ordinary surfaces still are a flat colour at times"
