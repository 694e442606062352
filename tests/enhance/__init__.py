"""Tests of Enhance."""
