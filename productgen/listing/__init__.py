"""Listings: photos in, listing packs out. Each photo goes through the cut-out, Enhance and Recognise once and
becomes a pack (the enhanced image, category, colours, title, alt text, tags and the marketplace report); the
merchant may correct a pack's category or title; a batch is written as one ZIP of the images and a CSV that
Shopify's product import takes.

- ``pack``: one photo's pack, the listing recipe, and the merchant's corrections;
- ``export``: the CSV's columns (Shopify's and ours) and the ZIP;
- ``batch``: many photos (files, folders, ZIPs) on a pool of processes, with where the time went.
"""
