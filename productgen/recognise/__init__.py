"""Recognition: the product classifier, the unknown-type test, colour names, listing text."""
