"""The repository as a Space and as the README promises it."""
import re

from .conftest import REPO, run_python


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


def test_new_models_never_go_into_the_shipped_weights_folder(monkeypatch, tmp_path):
    from productgen.store import weights

    monkeypatch.delenv("PRODUCTGEN_MODELS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert weights.user_models_dir() == tmp_path / "productgen" / "models"  # even with weights/ writable
    monkeypatch.setenv("PRODUCTGEN_MODELS", str(tmp_path / "mine"))
    assert weights.user_models_dir() == tmp_path / "mine"


def test_app_honours_server_name_and_port(monkeypatch):
    import app

    seen = {}

    class FakeBlocks:
        def queue(self, **options):
            seen["queue"] = options

        def launch(self, **options):
            seen.update(options)

        def block_thread(self):
            seen["blocked"] = "warm_up" in seen  # the page is served before torch is imported

    monkeypatch.setattr(app, "build_app", FakeBlocks)
    monkeypatch.setattr(app, "warm_up", lambda: seen.setdefault("warm_up", "server_name" in seen))
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    app.main()
    assert seen["server_name"] == "0.0.0.0" and seen["server_port"] == 7861
    assert seen["queue"]["max_size"] > 0
    assert seen["warm_up"] and seen["blocked"] and seen["prevent_thread_lock"]


def test_the_readme_python_section_runs_as_written(tmp_path):
    """The first ```python block under "## Python", run in a folder with a photo called shoe.jpg."""
    import subprocess
    import sys

    from .conftest import draw_product

    text = (REPO / "README.md").read_text()
    code = text.split("\n## Python\n", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    draw_product("round", 2, size=600, background=(236, 234, 229)).save(tmp_path / "shoe.jpg")
    (tmp_path / "weights").symlink_to(REPO / "weights")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "shoe_amazon.jpg").is_file()


def test_the_core_library_never_imports_gradio():
    """productgen/ is usable without Gradio: only app.py and ui/ import it."""
    run_python("import importlib, pkgutil, sys, productgen; "
               "names = [m.name for m in pkgutil.walk_packages(productgen.__path__, 'productgen.') "
               "if m.name != 'productgen.__main__']; "
               "[importlib.import_module(name) for name in names]; "
               "assert len(names) > 20 and 'gradio' not in sys.modules, 'a core module imported gradio'")


def test_the_installable_package_needs_what_requirements_txt_installs():
    """``pip install -e .`` and the README's ``pip install -r requirements.txt`` install the same runtime, and the
    installed ``productgen`` command is the CLI's ``main``."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = {line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()}
    assert set(project["project"]["dependencies"]) == declared - {""}
    assert project["project"]["scripts"]["productgen"] == "productgen.cli.main:main"
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"


def test_the_public_api_stays_callable_after_its_subpackages_are_imported():
    """``productgen.cut_out`` and friends are functions even once ``productgen.cutout`` (the subpackage) and the
    others are imported: no public name is hidden by a subpackage of the same name."""
    run_python("import productgen, productgen.cutout.pipeline, productgen.upscale.upscaler, "
               "productgen.recognise.pipeline, productgen.gan.sampling; "
               "assert all(callable(getattr(productgen, name)) for name in productgen.__all__), productgen.__all__")


def productgen_imports() -> dict[str, set[str]]:
    """Every productgen module and the productgen modules it imports, at the top or inside a function."""
    import ast

    root = REPO / "productgen"
    modules = {".".join(("productgen", *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__"): p
               for p in root.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("productgen"):
                found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("productgen")}
        graph[name] = {t for t in found if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def test_the_house_rules_hold():
    """No module over 400 lines (productgen at any depth, ui, app.py), at most 12 modules directly in
    productgen/, and no import circle, not even through imports inside functions."""
    files = [*(REPO / "productgen").rglob("*.py"), *(REPO / "ui").glob("*.py"), REPO / "app.py"]
    long = [f"{p.relative_to(REPO)} ({n})" for p in files if (n := len(p.read_text().splitlines())) > 400]
    assert not long, long
    assert len(list((REPO / "productgen").glob("*.py"))) <= 12
    graph, state = productgen_imports(), {}

    def circle_from(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path + [target]
            if target not in state and (found := circle_from(target, path + [target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            circle = circle_from(module, [module])
            assert circle is None, " -> ".join(circle)


def test_dependencies_run_one_way_from_plumbing_up_to_the_capabilities_and_on_to_the_flows():
    """Plumbing (io, store, train, imageops, limits, i18n) imports no capability; the capabilities (gan, cutout,
    recognise, upscale) import neither Enhance nor Listing nor the CLI; Enhance imports no Listing and no CLI."""
    layers = {"plumbing": ("productgen.io", "productgen.store", "productgen.train", "productgen.imageops",
                           "productgen.limits", "productgen.i18n"),
              "capability": ("productgen.gan", "productgen.cutout", "productgen.recognise", "productgen.upscale"),
              "enhance": ("productgen.enhance",), "flow": ("productgen.listing",), "cli": ("productgen.cli",)}
    order = list(layers)

    def layer(module: str) -> int | None:
        return next((order.index(name) for name, prefixes in layers.items()
                     if any(module == p or module.startswith(p + ".") for p in prefixes)), None)

    upward = [f"{module} -> {target}" for module, targets in productgen_imports().items() for target in targets
              if layer(module) is not None and layer(target) is not None and layer(target) > layer(module)]
    assert not upward, upward
