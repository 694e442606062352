"""One way to load a model of any kind: ``load_model`` and ``load_network`` take a folder, the name of a folder
under weights/ (or the user models' folder), or a Hugging Face Hub id ``user/name`` (fetched only then, and only
when online); ``cached``, the one cache every kind's model is kept in; and ``push_to_hub``, the way out to the
Hub. (``productgen.models.load`` picks the loader by kind.)"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

import torch

from productgen.store.weights import CONFIG_NAME, WeightsError, load_tensors, read_json, resolve_model_dir

KINDS = {"generator": "a generator", "classifier": "a classifier", "cutout": "a cut-out model",
         "upscaler": "an upscaler"}


def load_model(name_or_path: str | Path, kind: str, version: int = 1) -> tuple[Path, dict, dict[str, torch.Tensor]]:
    """(folder, config.json, float32 tensors) of the ``kind`` model at a path or under ``weights/``; a folder
    of another kind, or of a newer format than ``version`` (the reader's), is refused with ``WeightsError``."""
    folder = locate_model(name_or_path)
    config = read_json(folder / CONFIG_NAME)
    if config.get("kind") != kind:
        found = KINDS.get(config.get("kind"), repr(config.get("kind")))
        raise WeightsError(f"{folder} holds {found}, not {KINDS.get(kind, kind)}")
    check_version(config, version, folder)
    return folder, config, load_tensors(folder / "model.safetensors")


def locate_model(name_or_path: str | Path) -> Path:
    """The model folder of a path, a name under weights/ (``weights.resolve_model_dir``), or a Hub id
    ``user/name`` (downloaded then, and only when no such local folder exists)."""
    try:
        return resolve_model_dir(name_or_path)
    except WeightsError:
        if not is_hub_id(name_or_path):
            raise
        return download_from_hub(str(name_or_path))


def load_network(name_or_path: str | Path, kind: str, config_type, network_type):
    """The ``kind`` network of a model folder, in eval mode: built from config.json's architecture as a
    ``config_type`` (whose ``version`` is the newest format this reader knows), its weights loaded."""
    _, config, state = load_model(name_or_path, kind, config_type.version)
    network = network_type(config_type.from_dict(config["architecture"]))
    network.load_state_dict(state)
    return network.eval()


_cache: dict[tuple, object] = {}
_cache_lock = threading.Lock()


def cached(load: Callable, name_or_path: str | Path):
    """``load(folder)`` of the model at ``name_or_path``, once per process and per version of its weights file
    (a model trained again is loaded again; the older one is let go). For inference only: the model is shared
    between threads, so nothing may change it."""
    folder = locate_model(name_or_path).resolve()
    weights = folder / "model.safetensors"
    version = weights.stat().st_mtime_ns if weights.is_file() else None
    where = (load.__module__, load.__qualname__, str(folder))
    key = (*where, version)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    model = load(folder)
    with _cache_lock:
        for old in [old for old in _cache if old[:3] == where]:
            del _cache[old]
        _cache[key] = model
    return model


def clear_cache() -> None:
    """Forget every cached model (they load again on next use)."""
    with _cache_lock:
        _cache.clear()


def check_version(config: dict, version: int, folder: str | Path) -> None:
    """Refuse a model folder whose architecture has a newer format than this productgen reads (a folder
    without a version is format 1)."""
    found = (config.get("architecture") or {}).get("version", 1)
    if not isinstance(found, int) or found > version:
        raise WeightsError(f"{folder} is a format-{found} model and this productgen reads up to format {version}: "
                           "update productgen (pip install -U -r requirements.txt) to use it")


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
    try:
        url = api.create_repo(repo_id, private=private, exist_ok=True)
        api.upload_folder(folder_path=str(model_dir), repo_id=repo_id, allow_patterns=HUB_FILES,
                          commit_message=f"Upload {model_dir.name} from productgen")
    except Exception as error:  # noqa: BLE001 - the network boundary: offline, refused, bad token, bad name
        raise WeightsError(f"could not upload to {repo_id} on the Hugging Face Hub ({type(error).__name__}: "
                           f"{str(error).splitlines()[0] if str(error) else 'no details'}); check your connection, "
                           "the repo name and that HF_TOKEN can write") from error
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
