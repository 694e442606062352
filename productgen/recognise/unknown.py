"""Saying "none of my types": when a photo is ``unknown`` to the classifier.

Two signs, each set on held-out photos of known types (``calibrate``):

- the classifier's *certainty*: 1 - the entropy of its category probabilities / log(categories). It was trained
  to spread its belief evenly over photos of none of the types (outlier exposure), so a low certainty says
  "none of these" or "I can't tell";
- how *far* the photo's features lie from every known type's, relative to how far they lie from photos in
  general: the relative Mahalanobis distance (Ren et al., 2021), with one spread shared by the types
  (:class:`FeatureStats`). A perfume bottle on white is confidently called a watch (certainty says nothing),
  but its features lie away from the watches'.

A photo is unknown when either sign says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

STATS_NAME = "feature_stats.safetensors"  # in the classifier's folder, beside model.safetensors


def certainty(probs: torch.Tensor) -> torch.Tensor:
    """How far each row of category probabilities is from an even spread, 0 (even: "none of these") to 1
    (all on one category): 1 - entropy / log(categories). Belief spread over a few neighbours (seven kinds
    of shoe) still counts as fairly sure; the outliers the classifier trained on were pulled to an even
    spread."""
    entropy = -(probs * probs.clamp_min(1e-12).log()).sum(1)
    return 1 - entropy / math.log(max(2, probs.shape[1]))


def _whitening(centred: torch.Tensor, ridge: float) -> torch.Tensor:
    """W with ||x W||^2 = x^T C^-1 x for the (ridged) covariance C of ``centred`` rows."""
    covariance = centred.T @ centred / len(centred)
    covariance += ridge * covariance.diagonal().mean() * torch.eye(len(covariance), dtype=covariance.dtype)
    return torch.linalg.cholesky(torch.linalg.inv(covariance))


@dataclass
class FeatureStats:
    """Where the classifier's features of each known type lie: each type's mean and one whitening of the
    spread around the means, shared by all types; and the mean and whitening of all photos together."""

    type_means: torch.Tensor  # (T, D): the types with photos enough to place them
    type_whiten: torch.Tensor  # (D, D)
    all_mean: torch.Tensor  # (D,)
    all_whiten: torch.Tensor  # (D, D)

    @classmethod
    def fit(cls, features: torch.Tensor, columns: torch.Tensor, min_photos: int = 3,
            ridge: float = 1e-3) -> "FeatureStats":
        """From training photos' ``features`` (N, D) and each one's category column (N,)."""
        features = features.double()
        kept = [c for c in columns.unique().tolist() if int((columns == c).sum()) >= min_photos]
        if not kept:
            raise ValueError(f"no category has {min_photos} photos: the feature statistics need more photos")
        means = torch.stack([features[columns == c].mean(0) for c in kept])
        inside = torch.isin(columns, torch.tensor(kept))
        index = torch.tensor([kept.index(c) for c in columns[inside].tolist()])
        all_mean = features.mean(0)
        return cls(means.float(), _whitening(features[inside] - means[index], ridge).float(),
                   all_mean.float(), _whitening(features - all_mean, ridge).float())

    def distance(self, features: torch.Tensor) -> torch.Tensor:
        """(N,): the squared Mahalanobis distance to the nearest type's mean minus that to all photos' mean;
        large = unlike every known type."""
        features = features.float()
        to_types = (((features[:, None, :] - self.type_means[None]) @ self.type_whiten) ** 2).sum(-1)
        to_all = (((features - self.all_mean) @ self.all_whiten) ** 2).sum(-1)
        return to_types.min(1).values - to_all

    def tensors(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def save(self, folder: str | Path) -> None:
        from productgen.store.weights import save_tensors

        save_tensors(Path(folder) / STATS_NAME, self.tensors(), torch.float32)

    @classmethod
    def load(cls, folder: str | Path) -> "FeatureStats | None":
        """The statistics saved in a classifier's folder, or None (an older classifier: certainty only)."""
        from productgen.store.weights import load_tensors

        path = Path(folder) / STATS_NAME
        if not path.is_file():
            return None
        tensors = load_tensors(path)
        return cls(**{name: tensors[name] for name in cls.__dataclass_fields__})


def is_unknown(probs: torch.Tensor, features: torch.Tensor, below: float, stats: FeatureStats | None = None,
               far_above: float | None = None) -> torch.Tensor:
    """(N,) bool: the photos that are none of the known types: certainty under ``below``, or (with ``stats``
    and ``far_above``) a relative distance over ``far_above``."""
    unknown = certainty(probs) < below
    if stats is not None and far_above is not None:
        unknown |= stats.distance(features) > far_above
    return unknown


def calibrate(probs: torch.Tensor, features: torch.Tensor, stats: FeatureStats | None,
              share: float) -> tuple[float, float | None]:
    """(below, far_above): thresholds that together call ``share`` of these photos (held-out photos of known
    types) unknown, each sign at the same quantile of its own values; ``far_above`` is None without stats."""
    sure = certainty(probs)
    if stats is None:
        return float(sure.quantile(share)), None
    far = stats.distance(features)
    low, high = 0.0, share
    for _ in range(40):  # the union calls more than either sign alone: find the quantile that calls ``share``
        middle = (low + high) / 2
        called = ((sure < sure.quantile(middle)) | (far > far.quantile(1 - middle))).float().mean()
        low, high = (middle, high) if called < share else (low, middle)
    return float(sure.quantile(low)), float(far.quantile(1 - low))
