"""The tests' PNG decoder against its encoder."""

from __future__ import annotations

import numpy as np

from tests.png import decode_png, encode_png


def test_decode_png_reads_every_filter():
    image = np.random.default_rng(7).integers(0, 256, size=(11, 6, 3), dtype=np.uint8)
    assert (decode_png(encode_png(image)) == image).all()
