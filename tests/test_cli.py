"""The CLI as a developer meets it: every option explained, every command's bad input one line and exit code 2."""

import argparse

import pytest

from productgen.cli import build_parser, main


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
        "enhance": ["enhance", f"{gone}.jpg", "--out", f"{tmp}/e"],
        "tag": ["tag", f"{gone}.jpg"],
        "train-cutout": ["train-cutout", "--products", gone, "--backgrounds", gone, "--out", f"{tmp}/cu",
                         "--steps", "2"],
        "cutout": ["cutout", f"{gone}.jpg", "--out", f"{tmp}/co"],
        "train-upscale": ["train-upscale", "--realphotos", gone, "--out", f"{tmp}/u", "--steps", "2"],
        "upscale": ["upscale", f"{gone}.jpg", "--out", f"{tmp}/up"],
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
                                           (["--grow", "0", "1", "2", "2"], ("--grow", "--start-from"))])
def test_an_option_missing_its_partner_is_refused_before_any_data_is_read(extra, named, tmp_path, capsys):
    gone = "/nonexistent-productgen"
    args = ["train-cutout", "--products", gone, "--backgrounds", gone, "--out", str(tmp_path / "cu"),
            "--steps", "2", *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert all(option in err for option in named), err
    assert not (tmp_path / "cu").exists()
