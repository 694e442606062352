"""The x4 upscaler: a small image in, the same image four times larger and sharp, not smeared.

A compact super-resolution network in the spirit of Real-ESRGAN's SRVGG-compact: a plain stack of 3x3
convolutions with PReLU, all at the *small* image's resolution (so it is cheap), then a pixel shuffle to x4,
added to a bilinear enlargement of the input (the network only learns the missing detail). Trained by us from
scratch on real phone photos (``upscale.training``); no downloaded backbone.

``upscale(image, scale)`` is the one way the project enlarges an image: Generate uses it for 256-1024 px,
Enhance when framing would enlarge the product, and the CLI's ``upscale`` command. Large inputs go through in
overlapping tiles, so memory stays bounded whatever the size.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from productgen.store import weights as weights_io
from productgen.store.loading import cached, load_network

KIND = "upscaler"
# input pixels per tile side: memory stays bounded, and activations this size stay in the CPU's caches (a 500 px
# photo: 1.77 s in one piece, 1.29 s in four 250 px ones; 2 threads, AVX2)
TILE = 256
MAX_OUTPUT_SIDE = 8192
METHODS = ("model", "lanczos")
MODEL_FROM = 1.5  # enlargements up to this are left to Lanczos
# the network's answer is averaged with its answer on the mirror image (self-ensemble): texture drawn on one side
# only cancels, the PSNR rises (+0.23 dB on 400 crops of train senders) and the detail falls (37% -> 24%), for
# twice the work
MIRROR = True
# an unsharp mask of the brightness on that result (amount, Gaussian sigma in output pixels): the most detail at
# the PSNR the upscaler had before (27.23 dB on those 400 crops), 24% -> 66%, but for sigma 0.4 at the mask's
# limit (67%, a harsher 3x3 boost; weights/upscale/README.md)
SHARPEN = (2.0, 0.5)


@dataclass
class UpscaleConfig:
    channels: int = 48
    convs: int = 12  # 3x3 convolutions in the body
    scale: int = 4
    version: int = 1

    def __post_init__(self):
        if not 8 <= self.channels <= 256 or not 1 <= self.convs <= 64:
            raise ValueError(f"channels must be 8..256 and convs 1..64, got {self.channels}, {self.convs}")
        if self.scale not in (2, 3, 4):
            raise ValueError(f"scale must be 2, 3 or 4, got {self.scale}")

    @classmethod
    def from_dict(cls, values: dict) -> "UpscaleConfig":
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})

    @property
    def reach(self) -> int:
        """How many input pixels around a pixel the network looks at (tiles overlap by this much)."""
        return self.convs + 2


class UpscaleNet(nn.Module):
    """Images ``(N, 3, H, W)`` in [0, 1] -> ``(N, 3, sH, sW)`` (not clamped; ``upscale`` clamps)."""

    def __init__(self, config: UpscaleConfig):
        super().__init__()
        self.config = config
        c = config.channels
        layers: list[nn.Module] = [nn.Conv2d(3, c, 3, padding=1), nn.PReLU(c)]
        for _ in range(config.convs):
            layers += [nn.Conv2d(c, c, 3, padding=1), nn.PReLU(c)]
        layers += [nn.Conv2d(c, 3 * config.scale ** 2, 3, padding=1), nn.PixelShuffle(config.scale)]
        self.body = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(images, scale_factor=self.config.scale, mode="bilinear", align_corners=False)
        return base + self.body(images)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# -- weights ------------------------------------------------------------------------------------------------

def save_upscaler(model: UpscaleNet, out_dir: str | Path, info: dict) -> None:
    weights_io.save_model(out_dir, KIND, model.state_dict(), asdict(model.config), info)


def load_upscaler(name_or_path: str | Path = "upscale") -> UpscaleNet:
    model = load_network(name_or_path, KIND, UpscaleConfig, UpscaleNet)
    return model.to(memory_format=torch.channels_last)


def cached_upscaler(name: str | Path = "upscale") -> UpscaleNet:
    """The shipped (or named) upscaler, from the one model cache (read-only afterwards)."""
    return cached(load_upscaler, name)


# -- inference ----------------------------------------------------------------------------------------------

def _tiles(length: int, tile: int) -> list[tuple[int, int]]:
    """(start, length) of the fewest pieces of at most ``tile`` that cover ``length``, all of about one size: a
    700 px side in two 350 px pieces, not a 512 and a 188 overlapping the first by 324 (double the work)."""
    count = math.ceil(length / tile)
    size = math.ceil(length / count)
    return [(start, min(size, length - start)) for start in range(0, length, size)]


def fast_precision() -> str:
    """"bfloat16" where this CPU computes it natively (AVX-512 BF16 / AMX: about twice as fast, and the output
    within 2 levels of float32's), else "float32". ``PRODUCTGEN_UPSCALE_FLOAT32=1`` keeps float32."""
    import os

    if os.environ.get("PRODUCTGEN_UPSCALE_FLOAT32") == "1":
        return "float32"
    try:
        return "bfloat16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "float32"
    except (AttributeError, RuntimeError):
        return "float32"


@torch.inference_mode()
def run_tensor(model: UpscaleNet, images: torch.Tensor, tile: int = TILE, precision: str | None = None,
               mirror: bool = MIRROR) -> torch.Tensor:
    """uint8 ``(N, 3, H, W)`` -> uint8 x ``scale``. Inputs larger than ``tile`` go through in tiles that overlap
    by the network's reach, and only each tile's inside is kept: the seams are invisible, and memory is the
    tile's activations plus the uint8 result, whatever the size. ``precision`` of the CPU's arithmetic:
    "float32", "bfloat16", or None for ``fast_precision()``. ``mirror``: the mean of the network's answers on
    each piece and on its left-right mirror image (one batch of twice the size)."""
    scale, reach = model.config.scale, model.config.reach
    n, _, height, width = images.shape
    on_cpu = next(model.parameters()).device.type == "cpu"
    half = on_cpu and (precision or fast_precision()) == "bfloat16"

    def enlarge(piece: torch.Tensor) -> torch.Tensor:
        piece = piece.float().div_(255).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=half):
            if mirror:
                both = model(torch.cat([piece, piece.flip(-1)])).float()
                out = (both[:len(piece)] + both[len(piece):].flip(-1)) / 2
            else:
                out = model(piece)
        return out.float().clamp_(0, 1).mul_(255).round_().to(torch.uint8)

    if height <= tile and width <= tile:
        return enlarge(images)
    out = torch.empty(n, 3, height * scale, width * scale, dtype=torch.uint8)
    for top, inner_h in _tiles(height, tile):
        for left, inner_w in _tiles(width, tile):
            y0, x0 = max(0, top - reach), max(0, left - reach)
            y1, x1 = min(height, top + inner_h + reach), min(width, left + inner_w + reach)
            piece = enlarge(images[:, :, y0:y1, x0:x1])
            oy, ox = (top - y0) * scale, (left - x0) * scale
            out[:, :, top * scale:(top + inner_h) * scale, left * scale:(left + inner_w) * scale] = \
                piece[:, :, oy:oy + inner_h * scale, ox:ox + inner_w * scale]
    return out


def _to_tensor(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(pixels)).permute(2, 0, 1).unsqueeze(0)


def _to_pixels(tensor: torch.Tensor) -> np.ndarray:
    return tensor[0].permute(1, 2, 0).numpy()


def lanczos(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image.resize(size, Image.Resampling.LANCZOS)


def upscale(image: Image.Image, scale: float = 4, size: tuple[int, int] | None = None, method: str = "model",
            model: UpscaleNet | None = None) -> Image.Image:
    """``image`` enlarged ``scale`` times (or to ``size``, width x height) by the upscaler: one x4 pass (two
    when more than x8 is asked), then a Lanczos resample to the exact size; x1.5 or less is Lanczos alone.
    ``method="lanczos"`` is the plain resampler (faster, softer). Transparency is enlarged alongside (by
    Lanczos: an alpha edge needs no detail). Raises ``ValueError`` for a scale or size out of range."""
    if size is None:
        if isinstance(scale, bool) or not (isinstance(scale, (int, float)) and math.isfinite(scale)
                                           and 1 <= scale <= 16):
            raise ValueError(f"scale must be a number from 1 to 16, got {scale!r}")
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return upscale_many([image], size, method, model)[0]


def passes_for(small: tuple[int, int], size: tuple[int, int]) -> int:
    """How many x4 passes enlarge ``small`` (w, h) to ``size``: a first for anything over x1.5, another only
    while more than x2 is left (a sharp image takes a x2 resample well; a second pass costs 16 times the
    first)."""
    factor, passes = max(size[0] / small[0], size[1] / small[1]), 0
    while factor > (MODEL_FROM if passes == 0 else 2):
        factor, passes = factor / 4, passes + 1
    return passes


def enlarge_pixels(crops: list[np.ndarray], size: tuple[int, int], model: UpscaleNet | None = None,
                   sharpen: tuple[float, float] = SHARPEN, mirror: bool = MIRROR) -> list[np.ndarray]:
    """(H, W, 3) uint8 arrays of one size, each enlarged to ``size`` (width, height) by the network as one batch,
    returned as arrays: the form a pipeline keeps its photo in (Enhance's framing calls this, with no image
    conversion). The model's results (averaged with its results on the mirror images, see ``run_tensor``) get an
    unsharp mask of the brightness (``sharpen``: amount and sigma, or ``(0, 0)`` for the network's own output)."""
    from productgen.imageops import unsharp_mask  # the project's one unsharp mask (Enhance's sharpening)

    if not crops or any(crop.ndim != 3 or crop.shape[2] != 3 or crop.dtype != np.uint8 for crop in crops):
        raise ValueError("enlarge_pixels takes one or more (height, width, 3) uint8 arrays")
    small = (crops[0].shape[1], crops[0].shape[0])
    if any((crop.shape[1], crop.shape[0]) != small for crop in crops):
        raise ValueError("enlarge_pixels takes images of one size; upscale_many groups them")
    model = model or cached_upscaler()
    pixels = torch.cat([_to_tensor(crop) for crop in crops])
    for _ in range(passes_for(small, size)):
        pixels = run_tensor(model, pixels, mirror=mirror)
    results = []
    for row in range(len(crops)):
        result = np.ascontiguousarray(_to_pixels(pixels[row:row + 1]))
        if (result.shape[1], result.shape[0]) != size:  # Pillow's Lanczos for the last <= x2 (as ``lanczos``)
            result = np.array(lanczos(Image.fromarray(result), size))
        results.append(unsharp_mask(result, *sharpen, luma=True) if sharpen[0] > 0 else result)
    return results


def upscale_many(images: list[Image.Image], size: tuple[int, int], method: str = "model",
                 model: UpscaleNet | None = None, sharpen: tuple[float, float] = SHARPEN,
                 mirror: bool = MIRROR) -> list[Image.Image]:
    """Each image enlarged to ``size`` (width, height); images of one size go through the network as one
    batch (16 generated images cost little more than one; ``enlarge_pixels``). Transparency is enlarged by
    Lanczos alongside, and the images' text metadata is kept."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    size = (int(size[0]), int(size[1]))
    if min(size) < 1 or max(size) > MAX_OUTPUT_SIDE:
        raise ValueError(f"the upscaled image must be 1-{MAX_OUTPUT_SIDE} px a side, asked for {size[0]}x{size[1]}")
    results: list[Image.Image | None] = [None] * len(images)
    groups: dict[tuple[int, int], list[int]] = {}
    for index, image in enumerate(images):
        passes = passes_for(image.size, size) if method == "model" else 0
        if passes:
            groups.setdefault(image.size, []).append(index)
        else:
            results[index] = lanczos(image.convert("RGBA" if image.mode in ("RGBA", "LA") else "RGB"), size)
    for indices in groups.values():
        crops = [np.asarray(images[i].convert("RGB")) for i in indices]
        for index, result in zip(indices, enlarge_pixels(crops, size, model, sharpen, mirror)):
            results[index] = Image.fromarray(result)
    for image, result in zip(images, results):
        if image.mode in ("RGBA", "LA") and result.mode != "RGBA":
            result.putalpha(lanczos(image.getchannel("A"), size))
        result.info.update({key: value for key, value in image.info.items() if isinstance(key, str)})
    return results
