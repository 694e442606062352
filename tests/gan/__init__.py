"""Tests of the GAN."""
