"""Tests of image files, provenance and labelled folders."""
