import torch

from productgen.models import Discriminator, GANConfig, Generator, minibatch_stddev


def tiny_config(classes: int = 3) -> GANConfig:
    return GANConfig(categories=[f"c{i}" for i in range(classes)], generator_width=8, discriminator_width=8)


def test_shapes():
    config = tiny_config()
    generator, discriminator = Generator(config), Discriminator(config)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    images = generator(torch.randn(8, config.z_dim), labels)
    assert images.shape == (8, 3, 64, 64) and images.abs().max() <= 1
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
