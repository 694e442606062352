"""Model folders on disk: ``config.json`` + ``*.safetensors`` (+ ``README.md`` card).

This is the only module that reads or writes model folders. Writes are atomic
(write a temporary file, then rename), so a crash never leaves a half-written
file in place of a good one. Nothing here unpickles user files: weights are
safetensors; the resumable training state is loaded with ``weights_only=True``.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where tensors are read or written, so the app starts fast
    import torch


REPO_ROOT = Path(__file__).resolve().parent.parent.parent
WEIGHTS_DIR = REPO_ROOT / "weights"
CONFIG_NAME = "config.json"


class WeightsError(ValueError):
    """A model folder is missing, incomplete or not in our format."""


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(temporary_path)`` and move the result onto ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_json(path: str | Path, value: dict) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(value, indent=2) + "\n"))


def read_json(path: str | Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError as error:
        raise WeightsError(f"{path} is missing; a model folder needs {CONFIG_NAME} beside its weights") from error
    except json.JSONDecodeError as error:
        raise WeightsError(f"{path} is not valid JSON ({error})") from error


def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor], dtype: torch.dtype | None = None) -> None:
    """Save ``tensors`` as safetensors; floating tensors are cast to ``dtype`` when given."""
    from safetensors.torch import save_file

    def cast(tensor):
        tensor = tensor.detach().cpu()
        return tensor.to(dtype) if dtype is not None and tensor.is_floating_point() else tensor

    plain = {name: cast(tensor).contiguous() for name, tensor in tensors.items()}
    atomic_write(path, lambda tmp: save_file(plain, tmp))


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a safetensors file as float32 tensors on the CPU."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path} is missing; the model folder is incomplete")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise WeightsError(f"{path.name} is not a safetensors weights file ({error})") from error
    return {name: t.float() if t.is_floating_point() else t for name, t in tensors.items()}


def save_model(folder: str | Path, kind: str, state: dict[str, torch.Tensor], architecture: dict,
               training: dict, dtype: torch.dtype | None = None) -> None:
    """Write a model folder: ``model.safetensors`` (float16 unless ``dtype``) and ``config.json`` = {kind,
    architecture, training}; each file atomically (the card is written by ``cards``)."""
    import torch

    folder = Path(folder)
    save_tensors(folder / "model.safetensors", state, dtype or torch.float16)
    write_json(folder / CONFIG_NAME, {"kind": kind, "architecture": architecture, "training": training})


def resolve_model_dir(name_or_path: str | Path) -> Path:
    """A folder path, or the name of a folder under ``weights/``."""
    path = Path(name_or_path)
    candidates = [path] + [root / str(name_or_path) for root in model_roots() if not path.is_absolute()]
    for folder in candidates:
        if folder.is_dir():
            problem = folder_problem(folder)
            if problem is None:
                return folder
            if problem != "not a model folder":
                raise WeightsError(f"the model at {folder} cannot be used: {problem}")
    raise WeightsError(f"no model at {name_or_path}: expected a folder with {CONFIG_NAME} and model.safetensors")


def training_history(name_or_path: str | Path) -> dict:
    """What a new run that starts from the model ``name_or_path`` records as ``started_from``: the model and all
    the steps and seconds that went into it, its own start included (``cards.run_length`` prints them)."""
    training = read_json(resolve_model_dir(name_or_path) / CONFIG_NAME).get("training", {})
    earlier = training.get("started_from") or {}
    return {"model": str(name_or_path),
            "step": (training.get("step") or 0) + (earlier.get("step") or 0),
            "seconds": (training.get("seconds") or 0) + (earlier.get("seconds") or 0)}


def holds_model(folder: str | Path) -> bool:
    """Whether ``folder`` holds a model (its config, weights or a training state)."""
    folder = Path(folder)
    return folder.is_dir() and any((folder / name).exists() for name in (CONFIG_NAME, "model.safetensors",
                                                                        "train_state.pt"))


def prepare_new_run(folder: str | Path, resume: bool, overwrite: bool = False) -> Path | None:
    """Make sure a training run may write into ``folder``. Resuming is always allowed; a new run into a folder
    that holds a model is refused unless ``overwrite``, and then the old model is moved to a backup folder
    (returned). Orphan temporary files of a killed run are removed."""
    folder = Path(folder)
    remove_orphan_temporaries(folder)
    if resume or not holds_model(folder):
        return None
    if not overwrite:
        raise WeightsError(f"{folder} already holds a model; resume it, write to another folder, or overwrite it "
                           "explicitly (the old one is then kept as a backup)")
    return backup_model_folder(folder)


def remove_orphan_temporaries(folder: str | Path) -> list[Path]:
    """Delete the ``.NAME.*.tmp`` files an atomic write leaves behind when its process is killed."""
    folder = Path(folder)
    orphans = sorted(folder.glob(".*.tmp")) if folder.is_dir() else []
    for orphan in orphans:
        orphan.unlink(missing_ok=True)
    return orphans


OWNER_NAME = "owner.json"


def owner_hash(key: str) -> str:
    """What a model folder stores of its owner's secret key (never the key itself)."""
    import hashlib

    return hashlib.sha256(f"productgen-owner:{key}".encode()).hexdigest()


def write_owner(folder: str | Path, owner: str) -> None:
    write_json(Path(folder) / OWNER_NAME, {"owner": owner})


def is_owner(folder: str | Path, key: str) -> bool:
    """Whether ``key`` is the secret of whoever made the model in ``folder`` in the app."""
    try:
        recorded = json.loads((Path(folder) / OWNER_NAME).read_text()).get("owner")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(key) and isinstance(recorded, str) and recorded == owner_hash(key)


def publish(staging: str | Path, folder: str | Path) -> None:
    """Move a finished model folder to its name in one rename; refuses if the name was taken meanwhile."""
    folder = Path(folder)
    if folder.exists():
        raise WeightsError(f"a model called {folder.name!r} appeared while this one trained; it was not "
                           "replaced: train again under another name")
    os.rename(staging, folder)


def backup_model_folder(folder: str | Path) -> Path:
    """Move ``folder`` aside to ``<folder>.backup-N`` (the first free N); returns the backup's path."""
    folder = Path(folder)
    index = 1
    while folder.with_name(f"{folder.name}.backup-{index}").exists():
        index += 1
    backup = folder.with_name(f"{folder.name}.backup-{index}")
    os.replace(folder, backup)
    return backup


def list_models(kind: str, roots: list[Path] | None = None) -> dict[str, Path]:
    """Model folders whose ``config.json`` says ``"kind": kind``, by folder name (shipped ones first)."""
    return {name: path for name, path in scan_models(roots).items() if not isinstance(path, str)
            and _kind(path) == kind}


def broken_models(roots: list[Path] | None = None) -> dict[str, str]:
    """Folders that look like models but cannot be used, with the reason, by folder name."""
    return {name: reason for name, reason in scan_models(roots).items() if isinstance(reason, str)}


def _kind(folder: Path) -> str | None:
    return json.loads((folder / CONFIG_NAME).read_text()).get("kind")


def scan_models(roots: list[Path] | None = None) -> dict[str, Path | str]:
    """Every model folder under the roots: its path, or a string saying why it is broken. The first root
    holding a name wins (shipped models cannot be shadowed by a user's)."""
    found: dict[str, Path | str] = {}
    for root in roots or model_roots():
        if not Path(root).is_dir():
            continue
        for folder in sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".")):
            if folder.name in found or ".backup-" in folder.name:
                continue
            problem = folder_problem(folder)
            if problem != "not a model folder":
                found[folder.name] = problem or folder
    return found


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a usable model folder, or None."""
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        return "its config.json is missing" if (folder / "model.safetensors").is_file() else "not a model folder"
    try:
        config = json.loads(config_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"its config.json cannot be read ({type(error).__name__}: {error})"
    if not isinstance(config, dict) or not isinstance(config.get("architecture"), dict):
        return "its config.json has no architecture section"
    if not (folder / "model.safetensors").is_file():
        return "its model.safetensors is missing"
    return None


NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_new_model_name(name: str, roots: list[Path] | None = None) -> str:
    """``name`` if a new model may take it: letters, digits, - and _, and not the name of any model (shipped,
    another user's, or broken) nor of a shipped folder. Raises ``WeightsError`` suggesting a free name."""
    name = (name or "").strip()
    if not NAME_PATTERN.match(name):
        raise WeightsError(f"a model name is 1-64 letters, digits, - or _ (starting with a letter or digit), "
                           f"got {name!r}")
    taken = {p.name.lower() for root in (roots or model_roots()) if Path(root).is_dir()
             for p in Path(root).iterdir()}
    taken |= {p.name.lower() for p in WEIGHTS_DIR.iterdir()} if WEIGHTS_DIR.is_dir() else set()
    if name.lower() in taken or name.lower() in {".staging", "weights"}:
        number = 2
        while f"{name}-{number}".lower() in taken:
            number += 1
        raise WeightsError(f"a model called {name!r} already exists; choose another name, e.g. {name}-{number}")
    return name


def save_state(path: str | Path, state: dict) -> None:
    """Resumable training state (optimizers, step counters): tensors and plain values only."""
    import torch

    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_state(path: str | Path) -> dict:
    """A training state written by :func:`save_state`; anything else (a pickle with code in it, a damaged or
    foreign file) is refused with ``WeightsError`` and nothing from it is run."""
    import pickle

    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, AttributeError) as error:
        raise WeightsError(f"{path} is not a training state written by productgen ({type(error).__name__}); "
                           "delete it to start again from the folder's weights") from error
    if not isinstance(state, dict) or not ({"step", "epoch"} & set(state)):
        raise WeightsError(f"{path} is not a training state written by productgen; delete it to start again")
    return state


def append_jsonl(path: str | Path, record: dict) -> None:
    """Append one JSON line (a log; a torn last line is skipped by readers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def user_models_dir() -> Path:
    """Where the app puts new (fine-tuned) models: ``$PRODUCTGEN_MODELS``, else ``~/.cache/productgen/models``.
    Never ``weights/``: the shipped models are read-only to the app."""
    if os.environ.get("PRODUCTGEN_MODELS"):
        return Path(os.environ["PRODUCTGEN_MODELS"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "productgen" / "models"


def model_roots() -> list[Path]:
    return list(dict.fromkeys([WEIGHTS_DIR, user_models_dir()]))


def generator_categories(name_or_path: str | Path) -> list[str]:
    """A generator's category names, read from its ``config.json`` without loading weights."""
    config_json = read_json(resolve_model_dir(name_or_path) / CONFIG_NAME)
    return list(config_json.get("architecture", {}).get("categories", []))


def generator_image_size(name_or_path: str | Path) -> int:
    """The size a generator draws at (64 or 128 px), read from its ``config.json`` without loading weights."""
    config_json = read_json(resolve_model_dir(name_or_path) / CONFIG_NAME)
    return int(config_json.get("architecture", {}).get("image_size", 64))


DEFAULT_GENERATOR = "default"


def generator_names() -> list[str]:
    """The generators a visitor may choose (shipped and fine-tuned ones), the default first."""
    return sorted(list_models("generator"), key=lambda name: (name != DEFAULT_GENERATOR, name))


def known_generator(name: str) -> str:
    """``name`` if it is one of the listed generators (never an arbitrary server path sent to the app's API);
    a broken one is refused with its reason."""
    if name not in generator_names():
        broken = broken_models()
        if name in broken:
            raise ValueError(f"The model {name!r} cannot be used: {broken[name]}.")
        names = ", ".join(generator_names()) or f"none (no model folders found in {WEIGHTS_DIR})"
        raise ValueError(f"Unknown model {name!r}; choose one of: {names}.")
    return name
