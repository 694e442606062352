"""Saying "none of my types": certainty and the relative distance to the known types' features."""
import torch

from productgen.recognise.unknown import FeatureStats, calibrate, certainty, is_unknown


def clusters(seed: int = 0, per_type: int = 200, dims: int = 8):
    """Features of three known types: tight clusters around three corners, and their columns."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.eye(dims)[:3] * 6
    columns = torch.arange(3).repeat_interleave(per_type)
    return centres[columns] + torch.randn(len(columns), dims, generator=generator), columns


def test_a_feature_far_from_every_type_is_further_than_the_types_own(tmp_path):
    features, columns = clusters()
    stats = FeatureStats.fit(features, columns)
    held_out, _ = clusters(seed=1)
    stranger = torch.zeros(1, 8)
    stranger[0, 5] = 8.0  # along a direction none of the types goes
    assert stats.distance(stranger)[0] > stats.distance(held_out).quantile(0.99)
    stats.save(tmp_path)
    again = FeatureStats.load(tmp_path)
    assert torch.allclose(again.distance(held_out), stats.distance(held_out), atol=1e-3)
    assert FeatureStats.load(tmp_path / "none") is None  # an older classifier: certainty only


def test_a_confident_photo_unlike_every_type_is_unknown_only_with_the_statistics():
    features, columns = clusters()
    stats = FeatureStats.fit(features, columns)
    probs = torch.tensor([[0.98, 0.01, 0.01]])  # confidently the first type...
    stranger = torch.zeros(1, 8)
    stranger[0, 5] = 8.0  # ...but like none of them
    far = float(stats.distance(features).max())
    assert not is_unknown(probs, stranger, below=0.2)[0]
    assert is_unknown(probs, stranger, below=0.2, stats=stats, far_above=far)[0]
    assert not is_unknown(probs, features[:1], below=0.2, stats=stats, far_above=far)[0]


def test_calibration_calls_the_share_asked_for_with_both_signs_together():
    features, columns = clusters(per_type=400)
    stats = FeatureStats.fit(features, columns)
    held_out, truth = clusters(seed=2, per_type=400)
    logits = torch.randn(len(truth), 3, generator=torch.Generator().manual_seed(3)) + 3 * torch.eye(3)[truth]
    probs = logits.softmax(1)
    below, far_above = calibrate(probs, held_out, stats, share=0.1)
    called = is_unknown(probs, held_out, below, stats, far_above).float().mean()
    assert abs(float(called) - 0.1) < 0.01
    assert (certainty(probs) < below).float().mean() < 0.1  # each sign alone calls fewer
    alone, none = calibrate(probs, held_out, None, share=0.1)
    assert none is None and abs(float((certainty(probs) < alone).float().mean()) - 0.1) < 0.01
