"""The repository as a Space and as the README promises it."""
import re

from .conftest import REPO


def front_matter() -> dict:
    text = (REPO / "README.md").read_text()
    block = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert block, "README.md must start with Space front matter"
    return {k.strip(): v.strip().strip('"') for k, v in (line.split(":", 1) for line in block[1].splitlines())}


def test_front_matter_matches_the_code():
    import gradio

    meta = front_matter()
    assert meta["sdk"] == "gradio" and (REPO / meta["app_file"]).is_file()
    pinned = re.search(r"^gradio==([\d.]+)$", (REPO / "requirements.txt").read_text(), re.M)[1]
    assert meta["sdk_version"] == pinned == gradio.__version__
    assert re.fullmatch(r"3\.\d+", meta["python_version"])
    for key in ("title", "emoji", "license", "short_description"):
        assert meta[key]
    assert len(meta["short_description"]) <= 60


def test_lfs_rules_for_large_weights():
    rules = (REPO / ".gitattributes").read_text()
    for pattern in ("*.safetensors", "*.pt", "*.bin", "*.onnx", "*.ckpt"):
        assert f"{pattern} filter=lfs" in rules


def test_ci_runs_the_readme_test_command():
    readme, ci = (REPO / "README.md").read_text(), (REPO / ".ci" / "run").read_text()
    assert "pip install -r requirements-test.txt && python -m ruff check . && python -m pytest" in readme
    assert "requirements-test.txt" in ci and "ruff check ." in ci and "pytest" in ci
    assert "pip install -r requirements.txt && python app.py" in readme
