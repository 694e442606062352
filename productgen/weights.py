"""Model folders on disk: ``config.json`` + ``*.safetensors`` (+ ``README.md`` card).

This is the only module that reads or writes model folders. Writes are atomic
(write a temporary file, then rename), so a crash never leaves a half-written
file in place of a good one. Nothing here unpickles user files: weights are
safetensors; the resumable training state is loaded with ``weights_only=True``.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where tensors are read or written, so the app starts fast
    import torch


REPO_ROOT = Path(__file__).resolve().parent.parent
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


def resolve_model_dir(name_or_path: str | Path) -> Path:
    """A folder path, or the name of a folder under ``weights/``."""
    path = Path(name_or_path)
    if (path / CONFIG_NAME).is_file():
        return path
    for root in model_roots():
        if (root / str(name_or_path) / CONFIG_NAME).is_file():
            return root / str(name_or_path)
    raise WeightsError(f"no model at {name_or_path}: expected a folder with {CONFIG_NAME} and model.safetensors")


def list_models(kind: str, roots: list[Path] | None = None) -> dict[str, Path]:
    """Model folders whose ``config.json`` says ``"kind": kind``, by folder name."""
    found = {}
    for root in roots or model_roots():
        if not Path(root).is_dir():
            continue
        for config_path in sorted(Path(root).glob(f"*/{CONFIG_NAME}")):
            try:
                if json.loads(config_path.read_text()).get("kind") == kind:
                    found.setdefault(config_path.parent.name, config_path.parent)
            except (OSError, json.JSONDecodeError):
                continue
    return found


def save_state(path: str | Path, state: dict) -> None:
    """Resumable training state (optimizers, step counters): tensors and plain values only."""
    import torch

    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_state(path: str | Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def append_jsonl(path: str | Path, record: dict) -> None:
    """Append one JSON line (a log; a torn last line is skipped by readers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def read_jsonl(path: str | Path) -> list[dict]:
    records = []
    if Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def user_models_dir() -> Path:
    """Where new (fine-tuned) models go: ``$PRODUCTGEN_MODELS``, else ``weights/`` if writable, else a cache folder."""
    if os.environ.get("PRODUCTGEN_MODELS"):
        return Path(os.environ["PRODUCTGEN_MODELS"])
    if os.access(WEIGHTS_DIR, os.W_OK):
        return WEIGHTS_DIR
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "productgen" / "models"


def model_roots() -> list[Path]:
    return list(dict.fromkeys([WEIGHTS_DIR, user_models_dir()]))


HUB_FILES = ["config.json", "*.safetensors", "README.md"]


def push_to_hub(model_dir: str | Path, repo_id: str, token: str | None = None, private: bool = False) -> str:
    """Upload a model folder's weights, config and card to the Hugging Face Hub; returns the repo URL.

    The token comes from the argument or ``HF_TOKEN``; it is passed to the Hub client only, never stored.
    """
    from huggingface_hub import HfApi

    model_dir = resolve_model_dir(model_dir)
    token = token or os.environ.get("HF_TOKEN")
    if not token:
        raise WeightsError("no Hugging Face token: set HF_TOKEN (a write token from your Hub settings)")
    api = HfApi(token=token)
    url = api.create_repo(repo_id, private=private, exist_ok=True)
    api.upload_folder(folder_path=str(model_dir), repo_id=repo_id, allow_patterns=HUB_FILES,
                      commit_message=f"Upload {model_dir.name} from productgen")
    return str(url)


def download_from_hub(repo_id: str) -> Path:
    """Fetch a model folder from the Hub (only when online and asked for explicitly)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, allow_patterns=HUB_FILES))
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError, ValueError) as error:
        raise WeightsError(f"could not fetch {repo_id} from the Hugging Face Hub ({type(error).__name__}); "
                           "check the name and your connection, or unset HF_HUB_OFFLINE") from error


def is_hub_id(name: str | Path) -> bool:
    text = str(name)
    return text.count("/") == 1 and not Path(text).exists() and not text.startswith((".", "/"))


def generator_categories(name_or_path: str | Path) -> list[str]:
    """A generator's category names, read from its ``config.json`` without loading weights."""
    config_json = read_json(resolve_model_dir(name_or_path) / CONFIG_NAME)
    return list(config_json.get("architecture", {}).get("categories", []))
