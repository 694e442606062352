"""Plumbing for files and shared data: images in and out, archives, provenance labels, labelled image folders,
the shared catalogue's conventions, per-visitor scratch folders."""
