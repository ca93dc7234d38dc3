"""Span offsets in the unit a client asks for: code points, UTF-16 code units or UTF-8 bytes."""

from __future__ import annotations

import numpy as np

UNITS = ("codepoint", "utf16", "utf8")


def offset_table(text: str, unit: str) -> np.ndarray | None:
    """``table[i]`` is code-point offset ``i`` in ``unit``; None when the unit is code points."""
    if unit == "codepoint":
        return None
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if unit == "utf16":
        widths = np.where(cps > 0xFFFF, 2, 1)
    elif unit == "utf8":
        widths = np.select([cps < 0x80, cps < 0x800, cps < 0x10000], [1, 2, 3], default=4)
    else:
        raise ValueError(f"unknown offset unit {unit!r}")
    return np.concatenate(([0], np.cumsum(widths, dtype=np.int64)))
