"""Tests of the run scaffold."""
