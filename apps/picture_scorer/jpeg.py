"""The size of a JPEG picture, read from its frame header without decoding the picture."""

from __future__ import annotations

import struct

_SOI = b"\xff\xd8"
# Start-of-frame markers: baseline, extended, progressive, lossless and their arithmetic-coded variants
# (ITU T.81, table B.1). 0xC4 (DHT), 0xC8 (JPG) and 0xCC (DAC) share the range but carry no frame size.
_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field: TEM and RST0-7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


class NotAJpeg(ValueError):
    """The bytes are not a JPEG picture with a frame header."""


def dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) of the JPEG picture in `data`."""
    if not data.startswith(_SOI):
        raise NotAJpeg("not a JPEG picture (no start-of-image marker)")
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise NotAJpeg(f"corrupt JPEG: no marker at byte {offset}")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker in _STANDALONE:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _FRAME_MARKERS:
            if offset + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            if width == 0 or height == 0:
                raise NotAJpeg("JPEG frame header gives no size")
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            break
        offset += 2 + length
    raise NotAJpeg("JPEG picture without a frame header")
