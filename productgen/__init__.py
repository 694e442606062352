"""productgen: product images for small online merchants (generate, enhance, recognise, fine-tune)."""
__all__ = ["ProductGenerator", "cutout", "load_generator", "recognise", "upscale"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported on first use: torch takes seconds to import, and the app's UI needs none of it to start.
    if name in ("ProductGenerator", "load_generator"):
        from productgen.gan import sampling

        return getattr(sampling, name)
    if name == "cutout":
        from productgen.cutout.pipeline import cutout

        return cutout
    if name == "recognise":
        from productgen.recognise.pipeline import recognise

        return recognise
    if name == "upscale":
        from productgen.upscale.upscaler import upscale

        return upscale
    raise AttributeError(f"module 'productgen' has no attribute {name!r}")
