"""The main block: the run of segments with the largest sum of gains (prose adds, chaff subtracts).

Shared by the segment model's context features (where the block lies) and the resolver (what is
kept): one definition, so both place the block alike.
"""

from __future__ import annotations

import numpy as np

MAX_MORE_BLOCKS = 32  # blocks kept beside the main one, at most (a page of many posts, each its own run)


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


def more_blocks(gain: np.ndarray, lo: int, hi: int, share: float) -> list[tuple[int, int]]:
    """Runs outside the main block ``[lo, hi)`` whose gain is at least ``share`` of the main block's:
    a forum's later posts or a listing's second list, cut off from the first by a run of chaff that
    costs more than they add. Each side is searched again around what it gave, until no run is
    worth that much. At most ``MAX_MORE_BLOCKS`` are taken, so the searches (each a few array passes
    over its side) stay a bounded number whatever the page: linear in its segments."""
    if share <= 0 or hi <= lo:
        return []
    floor = share * float(gain[lo:hi].sum())
    if floor <= 0:
        return []
    found: list[tuple[int, int]] = []
    todo = [(0, lo), (hi, len(gain))]
    while todo and len(found) < MAX_MORE_BLOCKS:
        a, b = todo.pop()
        if b - a < 1:
            continue
        x, y = main_block(gain[a:b])
        if y <= x or float(gain[a + x:a + y].sum()) < floor:
            continue
        found.append((a + x, a + y))
        todo += [(a, a + x), (a + y, b)]
    return sorted(found)
