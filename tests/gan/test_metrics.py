import numpy as np
import torch

from productgen.gan.metrics import evaluate_samples
from productgen.recognise.network import load_classifier

from ..conftest import draw_product


def _drawn(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    images = [np.asarray(draw_product("round" if i % 2 else "box", i, size=64)) for i in range(n)]
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous(), torch.arange(n) % 2


def test_samples_identical_to_the_photos_score_like_the_photos_and_a_collapse_is_caught():
    classifier = load_classifier("classifier")
    photos, labels = _drawn(40)
    same = evaluate_samples(classifier, photos, labels, photos, labels, ["Wallets", "Watches"])
    assert abs(same.fid) < 1e-3 and same.precision == 1.0 and same.recall == 1.0
    assert same.class_consistency == same.photo_consistency
    for values in same.per_category.values():
        assert abs(values["spread"] - 1.0) < 1e-6 and values["consistency"] == values["photo_consistency"]
    one_wallet = photos[labels == 0][:1].repeat(40, 1, 1, 1)
    collapsed = evaluate_samples(classifier, one_wallet, torch.zeros(40, dtype=torch.long), photos, labels,
                                 ["Wallets", "Watches"])
    assert collapsed.per_category["Wallets"]["spread"] < 0.05 and collapsed.fid > same.fid + 1
    assert "held-out photos" in collapsed.table() and "photo consistency" in collapsed.table()


def test_a_judge_tells_consistency_and_the_features_stay_the_classifier_s():
    from productgen.gan.metrics import evaluate_generator
    from productgen.gan.sampling import load_generator
    from productgen.recognise.network import ClassifierConfig, ProductClassifier

    generator, classifier = load_generator("default"), load_classifier("classifier")
    photos, labels = _drawn(8)
    photos = torch.nn.functional.interpolate(photos.float(), size=128).round().to(torch.uint8)
    judge = ProductClassifier(ClassifierConfig(categories=["Wallets", "Watches"], widths=(8, 8, 8, 8))).eval()
    with torch.no_grad():
        judge.category_head.bias.copy_(torch.tensor([0.0, 50.0]))  # a judge that calls everything a watch
    names = ["Wallets", "Watches"]
    plain = evaluate_generator(generator, classifier, photos, labels, 4, categories=names, size=128)
    judged = evaluate_generator(generator, classifier, photos, labels, 4, categories=names, size=128, judge=judge)
    assert judged.fid == plain.fid and judged.kid == plain.kid  # the same samples, the classifier's features
    assert judged.per_category["Watches"]["consistency"] == 1.0 and judged.per_category["Wallets"]["consistency"] == 0
    assert judged.class_consistency == 0.5 and judged.photo_consistency == 0.5
    assert judged.judge_size == judge.config.image_size and "by the judge at" in judged.table()
