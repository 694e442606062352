"""How good a generator is, measured in the product classifier's feature space.

* FID and KID: distance between the feature distributions of samples and real photos.
* precision / recall (Kynkäänniemi et al. 2019): share of samples inside the real
  photos' k-NN manifold, and of real photos inside the samples'.
* class-consistency: share of samples of category c that the classifier calls c. The same share on the
  held-out photos is reported beside it: how well the classifier itself tells that category apart.
* spread: mean pairwise feature distance among a category's samples over the
  same among its real photos (1 = as varied as the photos; near 0 = collapse).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from scipy import linalg

from productgen.gan.sampling import ProductGenerator, noise_for
from productgen.recognise.network import ProductClassifier, category_columns, predict


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FID between two feature sets ``(N, D)``."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    root = root.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def kernel_distance(a: np.ndarray, b: np.ndarray, subsets: int = 50, subset_size: int = 500, seed: int = 0) -> float:
    """KID: unbiased MMD² with the cubic polynomial kernel, averaged over random subsets."""
    random = np.random.default_rng(seed)
    size = min(subset_size, len(a), len(b))
    dim = a.shape[1]
    values = []
    for _ in range(subsets):
        x = a[random.choice(len(a), size, replace=False)]
        y = b[random.choice(len(b), size, replace=False)]
        kxx, kyy, kxy = ((x @ x.T / dim + 1) ** 3, (y @ y.T / dim + 1) ** 3, (x @ y.T / dim + 1) ** 3)
        off = size * (size - 1)
        values.append((kxx.sum() - np.trace(kxx)) / off + (kyy.sum() - np.trace(kyy)) / off - 2 * kxy.mean())
    return float(np.mean(values))


def _radii(features: torch.Tensor, k: int) -> torch.Tensor:
    distances = torch.cdist(features, features)
    return distances.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    real_t, fake_t = torch.from_numpy(real).float(), torch.from_numpy(fake).float()
    real_radii, fake_radii = _radii(real_t, k), _radii(fake_t, k)
    precision = (torch.cdist(fake_t, real_t) <= real_radii[None, :]).any(1).float().mean().item()
    recall = (torch.cdist(real_t, fake_t) <= fake_radii[None, :]).any(1).float().mean().item()
    return precision, recall


def mean_pairwise_distance(features: np.ndarray) -> float:
    if len(features) < 2:
        return float("nan")
    distances = torch.cdist(torch.from_numpy(features).float(), torch.from_numpy(features).float())
    return float(distances.sum() / (len(features) * (len(features) - 1)))


@dataclass
class QualityReport:
    fid: float
    kid: float
    precision: float
    recall: float
    class_consistency: float | None
    spread: float
    per_category: dict
    samples: int
    real_images: int
    photo_consistency: float | None = None  # the same measure on the real photos: the classifier's own ceiling
    judge_size: int | None = None  # consistency told by a judge (``evaluate_generator``) that sees this size

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        consistency = "n/a" if self.class_consistency is None else f"{self.class_consistency:.3f}"
        if self.class_consistency is not None and self.photo_consistency is not None:
            consistency += f" (held-out photos: {self.photo_consistency:.3f})"
        if self.judge_size:
            consistency += f" by the judge at {self.judge_size} px"
        lines = [f"FID {self.fid:.2f} | KID x1000 {self.kid * 1000:.2f} | precision {self.precision:.3f} | "
                 f"recall {self.recall:.3f} | class-consistency {consistency} | spread {self.spread:.3f} "
                 f"({self.samples} samples vs {self.real_images} photos)"]
        for name, values in self.per_category.items():
            lines.append(f"  {name:<14} " + "  ".join(f"{key.replace('_', ' ')} {value:.3f}"
                                                      for key, value in values.items()))
        return "\n".join(lines)


def generate_for_metrics(generator: ProductGenerator, per_category: int, variety: float, seed: int = 10_000,
                         batch_size: int = 256, categories: list[str] | None = None,
                         size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 samples and their category ids (indices into ``categories``, default all the generator's):
    ``per_category`` of each, drawn at the generator's size and resized (Lanczos) to ``size`` if given."""
    from productgen.gan.sampling import tensor_to_images, to_size

    names = list(categories or generator.categories)
    ids = torch.tensor([generator.category_index(name) for name in names])
    labels = torch.arange(len(names)).repeat_interleave(per_category)
    z_dim = generator.generator.config.z_dim
    noise = torch.stack([noise_for(seed, i, z_dim) for i in range(len(labels))])
    batches = []
    for i in range(0, len(labels), batch_size):
        batch = generator.sample_tensor(ids[labels[i:i + batch_size]], noise[i:i + batch_size], variety)
        if size and size != batch.shape[-1]:
            resized = to_size(tensor_to_images(batch), size, "lanczos")
            batch = torch.from_numpy(np.stack([np.asarray(image) for image in resized])).permute(0, 3, 1, 2)
        batches.append(batch)
    return torch.cat(batches), labels


def evaluate_samples(classifier: ProductClassifier, fake_images: torch.Tensor, fake_labels: torch.Tensor | None,
                     real_images: torch.Tensor, real_labels: torch.Tensor, categories: list[str],
                     feature_size: int | None = None) -> QualityReport:
    """Compare samples (with intended category ids, or None for an unconditional model) to real photos.

    ``real_labels`` and ``fake_labels`` index ``categories``; consistency is judged among those categories only.
    ``feature_size``: the size the classifier sees both at (default its own; its features are pooled over the
    image, so a larger size lets finer detail count).
    """
    columns = category_columns(classifier, categories)
    fake = predict(classifier, fake_images, size=feature_size)
    real = predict(classifier, real_images, size=feature_size)
    fake_features = fake["features"].numpy().astype(np.float64)
    real_features = real["features"].numpy().astype(np.float64)
    called = fake["category"][:, columns].argmax(1)
    real_called = real["category"][:, columns].argmax(1)
    groups = fake_labels if fake_labels is not None else called
    per_category, spreads = {}, []
    for index, name in enumerate(categories):
        mine, theirs = fake_features[groups.numpy() == index], real_features[real_labels.numpy() == index]
        spread = mean_pairwise_distance(mine) / mean_pairwise_distance(theirs) if len(theirs) > 1 else float("nan")
        values = {"spread": spread}
        if fake_labels is not None:
            values["consistency"] = float((called[fake_labels == index] == index).float().mean())
            if (real_labels == index).any():  # how often the classifier gets real photos of it right
                values["photo_consistency"] = float((real_called[real_labels == index] == index).float().mean())
        per_category[name] = values
        if not np.isnan(spread):
            spreads.append(spread)
    precision, recall = precision_recall(real_features, fake_features)
    consistency = float((called == fake_labels).float().mean()) if fake_labels is not None else None
    return QualityReport(frechet_distance(real_features, fake_features), kernel_distance(real_features, fake_features),
                         precision, recall, consistency, float(np.mean(spreads)) if spreads else float("nan"),
                         per_category, len(fake_images), len(real_images),
                         float((real_called == real_labels).float().mean()) if fake_labels is not None else None)


def evaluate_generator(generator: ProductGenerator, classifier: ProductClassifier, real_images: torch.Tensor,
                       real_labels: torch.Tensor, per_category: int = 100, variety: float = 1.0,
                       categories: list[str] | None = None, size: int | None = None,
                       judge: ProductClassifier | None = None) -> QualityReport:
    """Sample ``per_category`` images of each of ``categories`` (default: all the generator's; ``real_labels``
    index them) and measure them against the photos. With ``size``, samples (drawn at the generator's size,
    resized by Lanczos) and photos are compared at that size, as the classifier sees them there.

    ``judge``: a classifier trained on the generator's own categories (e.g. on its training photos) that tells
    class-consistency instead of ``classifier``, at the judge's own size, beside its accuracy on the same
    held-out photos; FID, KID, precision, recall and spread stay in ``classifier``'s features."""
    names = list(categories or generator.categories)
    fake, labels = generate_for_metrics(generator, per_category, variety, categories=names, size=size)
    report = evaluate_samples(classifier, fake, labels, real_images, real_labels, names, feature_size=size)
    if judge is not None:
        judged = evaluate_samples(judge, fake, labels, real_images, real_labels, names)
        report.class_consistency, report.photo_consistency = judged.class_consistency, judged.photo_consistency
        for name, values in report.per_category.items():
            values.update({key: judged.per_category[name][key] for key in ("consistency", "photo_consistency")
                           if key in judged.per_category[name]})
        report.judge_size = judge.config.image_size
    return report


@dataclass
class MemorisationReport:
    """How close samples sit to their nearest training photo, relative to how close photos sit to each other."""

    median_ratio: float  # median over samples of (distance to nearest photo) / (typical photo-to-photo distance)
    copied_share: float  # share of samples under half the typical photo-to-photo distance
    flagged: bool

    def text(self) -> str:
        verdict = "FLAGGED: some samples look like copies of training photos" if self.flagged else "no copying seen"
        return (f"nearest-photo distance {self.median_ratio:.2f}x the photo-to-photo spacing (median); "
                f"{self.copied_share:.0%} of samples closer than half of it: {verdict}")


def memorisation(sample_features: np.ndarray, photo_features: np.ndarray, flag_share: float = 0.2
                 ) -> MemorisationReport:
    """Compare each sample's nearest training photo with the photos' own nearest-neighbour spacing."""
    samples, photos = torch.from_numpy(sample_features).float(), torch.from_numpy(photo_features).float()
    nearest = torch.cdist(samples, photos).min(1).values
    spacing = _radii(photos, 1).median().clamp_min(1e-8) if len(photos) > 1 else torch.tensor(1.0)
    ratios = nearest / spacing
    copied = float((ratios < 0.5).float().mean())
    return MemorisationReport(float(ratios.median()), copied, copied >= flag_share)
