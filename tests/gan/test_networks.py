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


def test_the_128_px_stage_layouts_and_older_configs():
    config = GANConfig(**{**tiny_config().to_dict(), "image_size": 128, "top_width": 8})
    assert config.top_style == "resize"  # a stage grown now: bilinear enlargement and a 3x3 conv
    saved = {key: value for key, value in config.to_dict().items() if key != "top_style"}
    assert GANConfig.from_dict(saved).top_style == "transposed"  # saved before the key: the first layout
    with pytest.raises(ValueError, match="top_style must be one of"):
        GANConfig(top_style="pixelshuffle")
    for style in ("resize", "transposed"):
        generator = Generator(GANConfig(**{**config.to_dict(), "top_style": style}))
        assert generator(torch.randn(4, config.z_dim), torch.tensor([0, 1, 2, 0])).shape == (4, 3, 128, 128)


def test_the_resize_stage_draws_no_checkerboard():
    """A flat patch of features stays flat through the resize stage; the transposed stage (4x4 kernels, stride
    2) draws a 2 px grid on it, which an upscaler then enlarges into diamonds."""
    from productgen.gan.networks import twice

    torch.manual_seed(0)
    flat = torch.ones(1, 8, 16, 16)
    resize = torch.nn.Conv2d(8, 3, 3, 1, 1)
    transposed = torch.nn.ConvTranspose2d(8, 3, 4, 2, 1)
    with torch.no_grad():
        inside = (slice(None), slice(None), slice(4, -4), slice(4, -4))
        assert resize(twice(flat))[inside].std(dim=(2, 3)).max() < 1e-5
        assert transposed(flat)[inside].std(dim=(2, 3)).max() > 1e-2


def test_a_stage_rebuilt_in_the_new_layout_starts_from_the_parent_s_colours():
    from torch.nn import functional as F

    from productgen.gan.runs import TrainingRun, transfer

    old = GANConfig(**{**tiny_config().to_dict(), "image_size": 128, "top_width": 8, "top_style": "transposed"})
    parent = TrainingRun.fresh(old)
    torch.nn.init.normal_(parent.generator.top_to_rgb.weight)  # a trained old stage
    torch.nn.init.normal_(parent.generator.top_to_rgb.bias)
    rebuilt = transfer(parent, old.categories, 128, "resize")
    assert rebuilt.generator.config.top_style == "resize"
    assert transfer(parent, old.categories, 128).generator.config.top_style == "transposed"  # kept unless asked
    z, labels = torch.randn(4, 128), torch.tensor([0, 1, 2, 0])
    base = parent.generator.eval()
    with torch.no_grad():
        x = F.relu(base.project_norm(base.project(torch.cat([z, base.label_embedding(labels)], 1)).view(4, -1, 4, 4),
                                     labels))
        for upsample, norm in zip(base.upsamples, base.norms):
            x = F.relu(norm(upsample(x), labels))
        enlarged = torch.tanh(F.interpolate(base.to_rgb(x), scale_factor=2, mode="bilinear", align_corners=False))
        assert (rebuilt.generator.eval()(z, labels) - enlarged).abs().max() < 1e-5
    parent_judge = parent.discriminator.state_dict()
    assert all(torch.equal(value, parent_judge[key]) for key, value in rebuilt.discriminator.state_dict().items())


def test_degrid_takes_out_the_2_px_grid_and_nothing_wider():
    """``gan.sampling.degrid`` removes a period-2 cross-hatch (what a stride-2 transposed stage draws) and leaves
    stripes 8 px wide and a smooth ramp as they were."""
    from productgen.gan.sampling import degrid

    rows, columns = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    ramp = (rows + columns) / 128 - 0.5
    stripes = torch.where((columns // 4) % 2 == 0, 0.4, -0.4)
    grid = 0.1 * torch.where((rows % 2 == 0) & (columns % 2 == 0), 1.0, -1 / 3)  # one phase brighter, mean 0
    clean = (ramp + stripes)[None, None].repeat(2, 3, 1, 1)
    result = degrid(clean + grid)
    inside = (slice(None), slice(None), slice(4, -4), slice(4, -4))  # away from the replicated border
    assert (result - clean)[inside].abs().max() < 0.02  # the grid (0.1 and -0.033) is gone
    assert (degrid(clean) - clean)[inside].abs().max() < 0.01  # wider stripes and a ramp: within a level


def test_the_shipped_128_px_model_samples_without_its_grid():
    """The shipped generator's 128 px stage is a transposed convolution: drawn raw, its four pixel phases sit apart
    (the cross-hatch); sampled, they do not."""
    from productgen.gan.sampling import load_generator, noise_for

    generator = load_generator("default")
    assert generator.image_size == 128 and generator.generator.config.top_style == "transposed"
    noise = torch.stack([noise_for(1, i, generator.generator.config.z_dim) for i in range(8)])
    labels = torch.arange(8) % len(generator.categories)

    def apart(images):  # mean absolute difference between neighbouring phases' local means, in levels
        phases = [images[:, :, r::2, c::2] for r in (0, 1) for c in (0, 1)]
        return max(float((a - b).mean((0, 2, 3)).abs().max()) for a in phases for b in phases)

    with torch.no_grad():
        raw = (generator.generator(noise, labels).float().clamp(-1, 1) + 1) * 127.5
    sampled = generator.sample_tensor(labels, noise, 1.0).float()
    assert apart(raw) > 3 * apart(sampled)
