"""PNG helpers for the tests' headless chromium screenshots: decode (stdlib zlib and numpy, no image library), encode, colour masks."""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"


def screenshot(html_path: Path, out_png: Path, width: int, height: int) -> np.ndarray:
    """Render a local HTML file in headless chromium and return the screenshot (height x width x 3).

    Skips when chromium is missing, or fails on CI (CI=true), where it must be installed.
    """
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install it with scripts/ensure_chromium.sh (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    command += ["--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={out_png.parent / (out_png.stem + '-profile')}"]
    command += [f"--window-size={width},{height}", f"--screenshot={out_png}", Path(html_path).resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and out_png.exists(), result.stderr[-2000:]
    image = decode_png(out_png.read_bytes())
    assert image.shape == (height, width, 3), image.shape
    return image


def decode_png(data: bytes) -> np.ndarray:
    """An 8-bit RGB or RGBA PNG as a height x width x 3 array (stdlib zlib, numpy; no image library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(idat)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 2:
            row = (line + previous) & 0xFF
        elif kind == 1:  # Sub: each pixel adds the one to its left, a running sum per channel
            row = np.cumsum(line.reshape(width, channels), axis=0).reshape(stride) & 0xFF
        else:  # Average and Paeth depend on the pixel just decoded: byte by byte
            row_list, line_list, up = [0] * stride, line.tolist(), previous.tolist()
            for i in range(stride):
                left = row_list[i - channels] if i >= channels else 0
                if kind == 3:
                    predictor = (left + up[i]) >> 1
                else:
                    up_left = up[i - channels] if i >= channels else 0
                    estimate = left + up[i] - up_left
                    pa, pb, pc = abs(estimate - left), abs(estimate - up[i]), abs(estimate - up_left)
                    predictor = left if pa <= pb and pa <= pc else up[i] if pb <= pc else up_left
                row_list[i] = (line_list[i] + predictor) & 0xFF
            row = np.array(row_list, dtype=np.int32)
        out[y] = row
        previous = row
    return out.reshape(height, width, channels)[:, :, :3]


def encode_png(image: np.ndarray) -> bytes:
    """An RGB PNG whose row y uses filter type y % 5, so the decoder meets every filter."""
    height, width, _ = image.shape
    lines = image.reshape(height, width * 3).astype(np.int32)
    raw = b""
    for y, line in enumerate(lines):
        up = lines[y - 1] if y else np.zeros_like(line)
        left = np.concatenate([np.zeros(3, np.int32), line[:-3]])
        up_left = np.concatenate([np.zeros(3, np.int32), up[:-3]])
        estimate = left + up - up_left
        pa, pb, pc = np.abs(estimate - left), np.abs(estimate - up), np.abs(estimate - up_left)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
        predictor = [np.zeros_like(line), left, up, (left + up) >> 1, paeth][y % 5]
        raw += bytes([y % 5]) + ((line - predictor) & 0xFF).astype(np.uint8).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def matches(image: np.ndarray, colour: str, tolerance: int = 4) -> np.ndarray:
    """Which pixels are the colour, give or take the tolerance per channel."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.asarray(np.abs(image.astype(np.int16) - target).max(axis=2) <= tolerance)


def longest_runs(mask: np.ndarray) -> np.ndarray:
    """Per screen row, the longest run of consecutive True pixels."""
    longest = np.zeros(mask.shape[0], dtype=np.int64)
    for y in np.nonzero(mask.any(axis=1))[0]:
        edges = np.diff(np.concatenate([[0], mask[y].astype(np.int8), [0]]))
        longest[y] = (np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]).max()
    return longest


def run_lengths(mask: np.ndarray) -> np.ndarray:
    """Per pixel, the length of the horizontal run of True pixels it belongs to (0 where False)."""
    height, width = mask.shape
    padded = np.zeros((height, width + 1), dtype=bool)
    padded[:, :width] = mask
    flat = padded.ravel()
    starts = flat & ~np.concatenate([[False], flat[:-1]])
    ids = np.cumsum(starts) * flat
    counts = np.bincount(ids)
    counts[0] = 0
    return np.asarray(counts[ids].reshape(height, width + 1)[:, :width])
