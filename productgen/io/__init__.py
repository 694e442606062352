"""Plumbing for files: images in and out, archives, provenance labels, labelled image folders, uploads."""
