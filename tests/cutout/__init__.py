"""Tests of the cut-out."""
