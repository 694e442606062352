import pytest
import torch

from productgen.gan.networks import Discriminator, GANConfig, Generator, minibatch_stddev


def tiny_config(classes: int = 3) -> GANConfig:
    return GANConfig(categories=[f"c{i}" for i in range(classes)], generator_width=8, discriminator_width=8)


@pytest.mark.parametrize("size", [64, 128])
def test_shapes(size):
    """A 64 px model, and a 128 px one (a stage grown on top), draw and judge images of their size."""
    config = GANConfig(**{**tiny_config().to_dict(), "image_size": size, "top_width": 8})
    generator, discriminator = Generator(config), Discriminator(config)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    images = generator(torch.randn(8, config.z_dim), labels)
    assert images.shape == (8, 3, size, size) and images.abs().max() <= 1
    score, logits = discriminator(images, labels)
    assert score.shape == (8,) and logits.shape == (8, 3)


def test_blended_labels_match_ids_at_the_ends():
    config = tiny_config()
    generator = Generator(config).eval()
    z = torch.randn(2, config.z_dim)
    one_hot = torch.nn.functional.one_hot(torch.tensor([1, 2]), 3).float()
    assert torch.allclose(generator(z, torch.tensor([1, 2])), generator(z, one_hot), atol=1e-6)


def test_minibatch_stddev_sees_collapse():
    same = torch.ones(8, 4, 2, 2)
    varied = torch.randn(8, 4, 2, 2)
    assert minibatch_stddev(same, 4)[:, -1].abs().max() < 1e-3
    assert minibatch_stddev(varied, 4)[:, -1].mean() > 0.3


def test_config_round_trip():
    config = tiny_config()
    assert GANConfig.from_dict({**config.to_dict(), "unknown": 1}) == config


def test_other_image_sizes_are_refused():
    with pytest.raises(ValueError, match="image_size must be one of"):
        GANConfig(image_size=96)


def test_a_grown_model_starts_as_its_64_px_parent_enlarged():
    from torch.nn import functional as F

    from productgen.gan.runs import TrainingRun, transfer

    parent = TrainingRun.fresh(tiny_config())
    grown = transfer(parent, parent.generator.config.categories, image_size=128)
    z, labels = torch.randn(8, 128), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    with torch.no_grad():
        for module in (parent.generator, grown.generator, parent.discriminator, grown.discriminator):
            module.eval()
        small, large = parent.generator(z, labels), grown.generator(z, labels)
        assert large.shape[-1] == 128
        # the new stage adds nothing yet: the 64 px colours enlarged (tanh of the enlarged pre-activations)
        enlarged = torch.tanh(F.interpolate(torch.atanh(small.clamp(-0.999999, 0.999999)), scale_factor=2,
                                            mode="bilinear", align_corners=False))
        assert (large - enlarged).abs().max() < 1e-3
        # and the grown discriminator first judges the halved image as its parent does
        assert torch.allclose(grown.discriminator(large, labels)[0],
                              parent.discriminator(F.avg_pool2d(large, 2), labels)[0], atol=1e-4)
    # trained stages keep their weights
    assert torch.equal(grown.generator.project.weight, parent.generator.project.weight)
