"""The product cut-out network: a small U-Net with a depthwise-separable encoder that looks at the photo at
``CutoutConfig.input_side`` px (about 320) and predicts a soft product mask. Trained by us from scratch on
composites (``composites`` and ``training``); no downloaded backbone. ``pipeline.cutout`` runs it on a photo.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from productgen.store import weights as weights_io
from productgen.store.loading import cached, load_network

KIND = "cutout"
@dataclass
class CutoutConfig:
    widths: tuple[int, ...] = (16, 32, 56, 112, 192)  # channels at strides 2, 4, 8, 16, 32
    decoder_width: int = 40
    input_side: int = 320  # the longer side the network sees; the shorter keeps the aspect (multiple of 32)
    extra_blocks: tuple[int, ...] = (0, 0, 0, 0)  # residual blocks added to each encoder stage (strides 4-32)
    tap_channels: int = 0  # 2: the network also reads the merchant's taps (keep, remove maps; ``cutout.taps``)
    version: int = 1

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        self.extra_blocks = tuple(int(n) for n in self.extra_blocks)
        if len(self.widths) != 5 or min(self.widths) < 4:
            raise ValueError(f"widths must be 5 channel counts of at least 4, got {self.widths}")
        if len(self.extra_blocks) != 4 or not all(0 <= n <= 8 for n in self.extra_blocks):
            raise ValueError(f"extra_blocks must be 4 counts of 0-8 (one per encoder stage), got {self.extra_blocks}")
        if self.input_side % 32 or not 64 <= self.input_side <= 1024:
            raise ValueError(f"input_side must be a multiple of 32 in 64..1024, got {self.input_side}")
        if self.tap_channels not in (0, 2):
            raise ValueError(f"tap_channels is 0 (no taps) or 2 (keep and remove maps), got {self.tap_channels}")

    @classmethod
    def from_dict(cls, values: dict) -> "CutoutConfig":
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in values.items() if key in known})


def conv_bn(c_in: int, c_out: int, kernel: int = 1, stride: int = 1, groups: int = 1, dilation: int = 1):
    padding = dilation * (kernel // 2)
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class SeparableBlock(nn.Module):
    """Depthwise 3x3 then pointwise 1x1 (MobileNet); a residual connection when the shape allows."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.depthwise = conv_bn(c_in, c_in, 3, stride, groups=c_in, dilation=dilation)
        self.pointwise = conv_bn(c_in, c_out)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pointwise(self.depthwise(x))
        return x + y if self.residual else y


class CutoutNet(nn.Module):
    """U-Net: encoder at strides 2-32, a global-context bottleneck, a decoder back to stride 2."""

    def __init__(self, config: CutoutConfig):
        super().__init__()
        self.config = config
        w = config.widths
        self.stem = conv_bn(3 + config.tap_channels, w[0], 3, 2)
        self.down = nn.ModuleList([
            nn.Sequential(SeparableBlock(w[i], w[i + 1], stride=2), SeparableBlock(w[i + 1], w[i + 1]),
                          *(SeparableBlock(w[i + 1], w[i + 1]) for _ in range(config.extra_blocks[i])))
            for i in range(4)])
        self.context = nn.Sequential(SeparableBlock(w[4], w[4], dilation=2), SeparableBlock(w[4], w[4], dilation=4))
        self.global_gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(w[4], w[4], 1), nn.Sigmoid())
        d = config.decoder_width
        self.lateral = nn.ModuleList([conv_bn(c, d) for c in w[:4]])
        self.top = conv_bn(w[4], d)
        self.up = nn.ModuleList([SeparableBlock(d, d) for _ in range(4)])
        self.head = nn.Conv2d(d, 1, 3, padding=1)
        self.side_heads = nn.ModuleList([nn.Conv2d(d, 1, 1) for _ in range(2)])  # deep supervision at /16, /8

    def forward(self, images: torch.Tensor, side_outputs: bool = False):
        """``images`` (N, 3, H, W) in -1..1, H and W multiples of 32 -> mask logits (N, 1, H/2, W/2). A network
        that reads taps takes (N, 3 + tap_channels, H, W), the tap maps after the colours; 3 channels mean no
        taps."""
        missing = 3 + self.config.tap_channels - images.shape[1]
        if missing > 0 and images.shape[1] == 3:
            images = torch.cat([images, images.new_zeros((images.shape[0], missing, *images.shape[2:]))], 1)
        skips = [self.stem(images)]
        for block in self.down:
            skips.append(block(skips[-1]))
        x = self.context(skips[-1])
        x = self.top(x * self.global_gate(x))
        sides = []
        for level in (3, 2, 1, 0):
            x = F.interpolate(x, size=skips[level].shape[-2:], mode="bilinear", align_corners=False)
            x = self.up[3 - level](x + self.lateral[level](skips[level]))
            if side_outputs and level in (3, 2):
                sides.append(self.side_heads[3 - level](x))
        logits = self.head(x)
        return (logits, sides) if side_outputs else logits

    def grown(self, extra_blocks: tuple[int, ...]) -> "CutoutNet":
        """A deeper copy: ``extra_blocks`` more residual blocks at the end of each encoder stage, each starting
        almost as the identity (its last batch norm's scale 0.01), so the grown network starts as this one and
        training gives the new blocks their part."""
        extra = tuple(a + b for a, b in zip(self.config.extra_blocks, extra_blocks, strict=True))
        config = CutoutConfig(**{**asdict(self.config), "extra_blocks": extra})
        grown = CutoutNet(config)
        missing, unexpected = grown.load_state_dict(self.state_dict(), strict=False)
        if unexpected or any(not key.startswith("down.") for key in missing):
            raise ValueError(f"cannot grow this network: {unexpected or missing}")
        for i, stage in enumerate(grown.down):
            for block in list(stage)[2 + self.config.extra_blocks[i]:]:
                nn.init.constant_(block.pointwise[1].weight, 0.01)
        return grown

    def with_taps(self, channels: int = 2) -> "CutoutNet":
        """A copy that also reads taps: the stem gets ``channels`` more inputs whose weights start at 0, so
        without taps it answers exactly as this one, and training teaches it what a tap means."""
        if self.config.tap_channels:
            raise ValueError("this network already reads taps")
        tapped = CutoutNet(CutoutConfig(**{**asdict(self.config), "tap_channels": channels}))
        state = self.state_dict()
        stem = state["stem.0.weight"]
        state["stem.0.weight"] = torch.cat([stem, stem.new_zeros((stem.shape[0], channels, *stem.shape[2:]))], 1)
        tapped.load_state_dict(state)
        return tapped

    def fused(self) -> "CutoutNet":
        """A copy for inference only: each batch norm folded into the convolution before it (the same answer,
        ~10% less time on a CPU); train and save the unfused model."""
        from torch.nn.utils.fusion import fuse_conv_bn_eval

        copy = deepcopy(self).eval()
        for module in copy.modules():
            if isinstance(module, nn.Sequential) and len(module) >= 2 and isinstance(module[0], nn.Conv2d) \
                    and isinstance(module[1], nn.BatchNorm2d):
                module[0], module[1] = fuse_conv_bn_eval(module[0], module[1]), nn.Identity()
        return copy


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# -- weights ------------------------------------------------------------------------------------------------

def save_cutout(model: CutoutNet, out_dir: str | Path, info: dict) -> None:
    weights_io.save_model(out_dir, KIND, model.state_dict(), asdict(model.config), info)


def load_cutout(name_or_path: str | Path = "cutout") -> CutoutNet:
    return load_network(name_or_path, KIND, CutoutConfig, CutoutNet)


def load_fused_cutout(name_or_path: str | Path = "cutout") -> CutoutNet:
    """A cut-out model ready for inference: batch norms folded into the convolutions."""
    return load_cutout(name_or_path).fused()


def cached_cutout(name: str | Path = "cutout") -> CutoutNet:
    """The shipped (or named) cut-out model for inference, from the one model cache (read-only afterwards)."""
    return cached(load_fused_cutout, name)


# -- inference ----------------------------------------------------------------------------------------------
