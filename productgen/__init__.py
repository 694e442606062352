"""productgen: product images for small online merchants (generate, enhance, recognise, fine-tune).

The public API, one function per capability; each imports torch on first use, not when ``productgen`` is
imported (the app's UI needs none of it to start):

- ``load_generator(name)`` -> ``ProductGenerator`` (``gan.sampling``): sample product images;
- ``cut_out(photo)`` -> ``Mask`` (``cutout.pipeline.cutout``): the product's alpha mask and verdict;
- ``recognise_image(photo)`` -> ``Recognition`` (``recognise.pipeline.recognise``): category, colours, title, tags;
- ``upscale_image(image, 4)`` -> image (``upscale.upscaler.upscale``): the x4 upscaler;
- ``load_model(kind, name_or_path)`` (``models.load``): any kind of model from a folder, a name under weights/
  or a Hub id, through the one model cache;
- ``make_listing(paths, out)`` -> ``Listing`` (``listing.batch.make_listing``): photos, folders or ZIPs to listings
  (enhanced images, category, colours, title, alt text, tags, report) in one ZIP with a Shopify CSV.

Enhance's pipeline is ``productgen.enhance.studio`` (``Recipe``, ``process_image``, ``process_files``).
"""
__all__ = ["ProductGenerator", "cut_out", "load_generator", "load_model", "make_listing", "recognise_image",
           "upscale_image"]
__version__ = "0.1.0"

# public name -> (module, attribute); the names differ from the subpackages so that importing one never hides them
_LAZY = {
    "ProductGenerator": ("productgen.gan.sampling", "ProductGenerator"),
    "load_generator": ("productgen.gan.sampling", "load_generator"),
    "cut_out": ("productgen.cutout.pipeline", "cutout"),
    "recognise_image": ("productgen.recognise.pipeline", "recognise"),
    "upscale_image": ("productgen.upscale.upscaler", "upscale"),
    "make_listing": ("productgen.listing.batch", "make_listing"),
    "load_model": ("productgen.models", "load"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'productgen' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(module), attribute)
