"""The class-conditional GAN: its networks, training, sampling, fine-tuning, metrics and data."""
