"""Numbers the app shows before it loads any model (so this module imports nothing heavy)."""

MIN_PHOTOS = 8  # a fine-tune needs at least this many usable photos
GOOD_PHOTOS = (20, 200)  # and does best with this many
