"""The main block: the run of segments with the largest sum of gains (prose adds, chaff subtracts).

Shared by the segment model's context features (where the block lies) and the resolver (what is
kept): one definition, so both place the block alike.
"""

from __future__ import annotations

import numpy as np


def main_block(gain: np.ndarray) -> tuple[int, int]:
    """The run of segments with the largest sum of ``gain`` (prose +, chaff -), as [lo, hi)."""
    if not len(gain):
        return 0, 0
    prefix = np.concatenate(([0.0], np.cumsum(gain)))
    running_min = np.minimum.accumulate(prefix)
    low_index = np.maximum.accumulate(np.where(prefix <= running_min, np.arange(len(prefix)), 0))
    gains = prefix[1:] - running_min[:-1]
    end = int(np.argmax(gains))
    if gains[end] <= 0:
        return 0, 0
    return int(low_index[end]), end + 1


def block_gain(probability: np.ndarray, chars: np.ndarray, bias: float, cap: float) -> np.ndarray:
    """Gain of each segment for the main block: (probability - bias) x capped length.

    The same gain places the main block in the context features and in the resolver."""
    return (probability - bias) * (np.minimum(chars, cap) + 1.0)
