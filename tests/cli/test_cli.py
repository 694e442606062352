"""The CLI as a developer meets it: every option explained, every command's bad input one line and exit code 2."""

import argparse

import pytest

from productgen.cli.main import build_parser, main


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_has_help():
    missing = [f"{name} {'/'.join(option.option_strings) or option.dest}"
               for name, parser in subcommands().items() for option in parser._actions
               if not isinstance(option, argparse._HelpAction) and not option.help]
    assert not missing, missing


def bad_inputs(tmp: str) -> dict[str, list[str]]:
    gone = "/nonexistent-productgen"
    return {
        "train": ["train", "--data", gone, "--out", f"{tmp}/g", "--steps", "2"],
        "finetune": ["finetune", "--data", gone, "--out", f"{tmp}/f", "--steps", "2"],
        "generate": ["generate", "--category", "Nope", "--out", f"{tmp}/gen"],
        "train-classifier": ["train-classifier", "--data", gone, "--out", f"{tmp}/c"],
        "calibrate-classifier": ["calibrate-classifier", "--data", gone, "--realphotos", gone, "--out", f"{tmp}/cc"],
        "evaluate": ["evaluate", "--model", f"{tmp}/no-model", "--data", gone],
        "product-data": ["product-data", "--products", gone, "--out", f"{tmp}/pd"],
        "enhance": ["enhance", f"{gone}.jpg", "--out", f"{tmp}/e"],
        "tag": ["tag", f"{gone}.jpg"],
        "train-cutout": ["train-cutout", "--products", gone, "--backgrounds", gone, "--out", f"{tmp}/cu",
                         "--steps", "2"],
        "cutout": ["cutout", f"{gone}.jpg", "--out", f"{tmp}/co"],
        "train-upscale": ["train-upscale", "--realphotos", gone, "--out", f"{tmp}/u", "--steps", "2"],
        "upscale": ["upscale", f"{gone}.jpg", "--out", f"{tmp}/up"],
        "listing": ["listing", f"{gone}.jpg", "--out", f"{tmp}/li"],
        "push": ["push", f"{tmp}/no-model", "--repo", "someone/something"],
        "split": ["split", "--labels", f"{gone}.csv", "--label-column", "x", "--out", f"{tmp}/s.txt"],
    }


def test_the_error_cases_cover_every_command(tmp_path):
    assert set(bad_inputs(str(tmp_path))) == set(subcommands())


@pytest.mark.parametrize("command", sorted(bad_inputs("x")))
def test_bad_input_is_one_line_naming_what_to_fix_with_exit_code_2(command, tmp_path, capsys):
    assert main(bad_inputs(str(tmp_path))[command]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Errno" not in err[0] and "Traceback" not in err[0]
    assert any(word in err[0] for word in ("--", "no such", "unknown", "no model")), err[0]


@pytest.mark.parametrize("extra, named", [(["--shop-share", "0.5"], ("--package-share", "--shop-share")),
                                           (["--grow", "0", "1", "2", "2"], ("--grow", "--start-from")),
                                           (["--real-masks", "data/real_masks"], ("--real-masks", "--realphotos"))])
def test_an_option_missing_its_partner_is_refused_before_any_data_is_read(extra, named, tmp_path, capsys):
    gone = "/nonexistent-productgen"
    args = ["train-cutout", "--products", gone, "--backgrounds", gone, "--out", str(tmp_path / "cu"),
            "--steps", "2", *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert all(option in err for option in named), err
    assert not (tmp_path / "cu").exists()


def test_generate_streams_many_images_into_a_folder_and_refuses_a_huge_grid(image_folder, tmp_path, capsys):
    from productgen.gan.training import train_gan
    from productgen.io.datasets import load_product_images
    from productgen.limits import MAX_GRID

    model = tmp_path / "model"
    train_gan(load_product_images(image_folder, size=64, min_per_category=2), model, steps=1, widths=(8, 8))
    out = tmp_path / "many"
    assert main(["generate", "--model", str(model), "--category", "box", "--n", "70", "--out-dir", str(out)]) == 0
    names = sorted(path.name for path in out.glob("*.png"))
    assert len(names) == 70 and names[0] == "box_0_000.png" and names[-1] == "box_0_069.png"
    assert "drawn at 64 px" in capsys.readouterr().out
    assert main(["generate", "--model", str(model), "--n", str(MAX_GRID + 1), "--out", str(tmp_path / "g.png")]) == 2
    assert "--out-dir" in capsys.readouterr().err and not (tmp_path / "g.png").exists()
