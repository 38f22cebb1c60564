"""How many SMS parts ("units") a text takes: GSM-7 when every character has a GSM 03.38 septet, else UCS-2.

GSM-7 fits 160 septets in one part and 153 per part of a longer message (the
rest of each part holds the concatenation header); the extension characters
(``€ [ ] { } \\ ^ ~ |`` and the form feed) take two septets, an escape and the
character, and a pair is never split between parts. UCS-2 fits 70 UTF-16 code
units in one part and 67 per part, a surrogate pair never split. The codec is
the ``gsm0338`` package's, so the character table is the standard's, not ours.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

importlib.import_module("gsm0338")  # registers the "gsm03.38" codec
_CODEC = "gsm03.38"

MAX_PARTS = 10
"""The most parts one message may take."""
_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_PART = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True, slots=True)
class Units:
    encoding: str
    """``GSM-7`` or ``UCS-2``."""
    length: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2)."""
    parts: int


def _widths(text: str) -> tuple[str, list[int]]:
    """The encoding and what each character takes in it."""
    try:
        return "GSM-7", [len(ch.encode(_CODEC)) for ch in text]
    except UnicodeEncodeError:
        return "UCS-2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count(text: str) -> Units:
    encoding, widths = _widths(text)
    length = sum(widths)
    if length <= _SINGLE[encoding]:
        return Units(encoding, length, 1 if length else 0)
    size, parts, used = _PART[encoding], 1, 0
    for width in widths:
        # A two-septet escape or a surrogate pair that does not fit starts the next part.
        if used + width > size:
            parts, used = parts + 1, 0
        used += width
    return Units(encoding, length, parts)
