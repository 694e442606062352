"""Tests of the upscaler."""
