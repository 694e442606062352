"""U²-Net-p (Qin et al. 2020, "U²-Net: Going deeper with nested U-structure for salient object detection"),
the 1.1 M-parameter model behind rembg's small cut-out, written from the paper's description for timing only:
it is built with random weights (nothing is downloaded) and run once per measurement in the benchmarks."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBnRelu(nn.Module):
    def __init__(self, c_in: int, c_out: int, dilation: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def up_to(x, like):
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


class RSU(nn.Module):
    """Residual U-block of ``height`` levels (RSU-L); ``dilated`` = the RSU-4F variant with no pooling."""

    def __init__(self, height: int, c_in: int, c_mid: int, c_out: int, dilated: bool = False):
        super().__init__()
        self.dilated = dilated
        self.entry = ConvBnRelu(c_in, c_out)
        rates = [1, 2, 4] if dilated else [1] * (height - 1)
        self.down = nn.ModuleList([ConvBnRelu(c_out if i == 0 else c_mid, c_mid, rate) for i, rate in enumerate(rates)])
        self.bottom = ConvBnRelu(c_mid, c_mid, 8 if dilated else 2)
        self.up = nn.ModuleList([ConvBnRelu(2 * c_mid, c_out if i == len(rates) - 1 else c_mid, rate)
                                 for i, rate in enumerate(reversed(rates))])

    def forward(self, x):
        entry = self.entry(x)
        skips, h = [], entry
        for index, block in enumerate(self.down):
            h = block(h)
            skips.append(h)
            if not self.dilated and index < len(self.down) - 1:
                h = F.max_pool2d(h, 2, ceil_mode=True)
        h = self.bottom(h)
        for block, skip in zip(self.up, reversed(skips)):
            if not self.dilated:
                h = up_to(h, skip)
            h = block(torch.cat([h, skip], 1))
        return h + entry


class U2NetP(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.ModuleList([RSU(7, 3, 16, 64), RSU(6, 64, 16, 64), RSU(5, 64, 16, 64), RSU(4, 64, 16, 64),
                                      RSU(4, 64, 16, 64, dilated=True), RSU(4, 64, 16, 64, dilated=True)])
        self.decoder = nn.ModuleList([RSU(4, 128, 16, 64, dilated=True), RSU(4, 128, 16, 64), RSU(5, 128, 16, 64),
                                      RSU(6, 128, 16, 64), RSU(7, 128, 16, 64)])
        self.sides = nn.ModuleList([nn.Conv2d(64, 1, 3, padding=1) for _ in range(6)])
        self.fuse = nn.Conv2d(6, 1, 1)

    def forward(self, x):
        features, h = [], x
        for index, block in enumerate(self.encoder):
            h = block(h)
            features.append(h)
            if index < len(self.encoder) - 1:
                h = F.max_pool2d(h, 2, ceil_mode=True)
        decoded = [h]
        for block, skip in zip(self.decoder, reversed(features[:-1])):
            h = block(torch.cat([up_to(h, skip), skip], 1))
            decoded.append(h)
        sides = [up_to(side(d), x) for side, d in zip(self.sides, reversed(decoded))]
        return torch.sigmoid(self.fuse(torch.cat(sides, 1)))


if __name__ == "__main__":
    model = U2NetP().eval()
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    with torch.inference_mode():
        print(model(torch.zeros(1, 3, 320, 320)).shape)
