"""The AI-generated label every generated image, and every file made from one, carries.

Marketplaces and laws increasingly ask for AI images to be disclosed. The machine-readable form is the IPTC
``DigitalSourceType`` ``trainedAlgorithmicMedia``, written in an XMP packet: as JPEG's APP1 XMP segment, as
PNG's ``XML:com.adobe.xmp`` iTXt chunk and WebP's XMP chunk (Pillow writes all three). PNGs also keep plain
text fields (``AI-generated: true``, a description, ``productgen:*``), and a GIF gets a comment.
``is_ai_generated`` reads any of these back, so Enhance, the cut-out and the CLI keep the label on what they
make from a generated image.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, PngImagePlugin

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
DESCRIPTION = "AI-generated product image, made by productgen; not a photograph"
DISCLOSE = "AI-generated image: disclose it where the marketplace asks"


def xmp_packet(description: str = DESCRIPTION) -> bytes:
    """An XMP packet with the IPTC digital source type and a description."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <Iptc4xmpExt:DigitalSourceType>{DIGITAL_SOURCE_TYPE}</Iptc4xmpExt:DigitalSourceType>
   <xmp:CreatorTool>productgen</xmp:CreatorTool>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(description)}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode("utf-8")


def is_ai_generated(image_or_info) -> bool:
    """Whether an opened image (or its ``info`` dict) carries the label: the IPTC source type in its XMP, or
    productgen's PNG text fields."""
    info = image_or_info.info if isinstance(image_or_info, Image.Image) else (image_or_info or {})
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = info.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and "trainedAlgorithmicMedia" in value:
            return True
    return str(info.get("AI-generated", "")).lower() == "true" or "AI-generated" in str(info.get("comment", ""))


def read_label(path: str | Path) -> bool:
    with Image.open(path) as image:
        return is_ai_generated(image)


def png_info(metadata: dict | None = None, description: str = DESCRIPTION) -> PngImagePlugin.PngInfo:
    """PNG chunks: the XMP packet, ``AI-generated: true``, a description and ``productgen:KEY`` for each of
    ``metadata`` (how to make the image again)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(description).decode("utf-8"), zip=False)
    info.add_text("AI-generated", "true")
    info.add_text("Description", description)
    for key, value in (metadata or {}).items():
        info.add_text(f"productgen:{key}", str(value))
    return info


def save_options(image_format: str, labelled: bool, metadata: dict | None = None) -> dict:
    """Keyword arguments for ``Image.save`` that carry the label in ``image_format`` (nothing when not
    ``labelled``)."""
    if not labelled:
        return {}
    image_format = image_format.upper()
    if image_format == "PNG":
        return {"pnginfo": png_info(metadata)}
    if image_format in ("JPEG", "WEBP"):
        return {"xmp": xmp_packet()}
    if image_format == "GIF":
        return {"comment": DESCRIPTION}
    return {}
