"""productgen: product images for small online merchants (generate, enhance, recognise, fine-tune)."""
from .sampling import ProductGenerator, load_generator

__all__ = ["ProductGenerator", "load_generator"]
__version__ = "0.1.0"
