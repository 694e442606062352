"""Enhance: image filters, the photo pipeline and report, compositing and framing, marketplace rules."""
