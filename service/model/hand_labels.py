"""Hand labels of training pages (docs/labelling.md): what a person says each line of a view is.

The silver labels (silver.py) read the page's markup, which names a ``<nav>`` but not the guide's
conventions: a "My account" link in the menu is ``boilerplate`` to the guide, a promotion banner
in the header too. Pages of the train split labelled by hand (``bench/label_lines.py --train``,
stored as ``[start, end, label]`` per non-empty line of a view, with the view's sha256) teach the
category stage those conventions: on such a view the hand label replaces the silver one. The
hand-labelled dev pages (bench/labels/categories/) are the measure and are never read here.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from pathlib import Path

import numpy as np


class HandLabelError(ValueError):
    """A stored labelling does not fit the view it names."""


def load_hand_labels(folder: Path) -> dict[tuple[str, str, str], dict]:
    """Every labelled page under ``folder`` (``<corpus>/<id>.json``), by (corpus, id, view)."""
    out = {}
    for path in sorted(folder.glob("*/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[(doc["corpus"], doc["id"], doc["view"])] = doc
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def segment_targets(doc: dict, text: str, starts: list[int], ends: list[int],
                    classes: tuple[str, ...]) -> np.ndarray:
    """Each segment's class index in ``classes`` by the hand label of the line that holds its
    start; -1 where that label is no class there (content, title, markup) or no line holds it.

    Refuses a view that changed since it was labelled: offsets into another text would be noise."""
    if doc["sha256"] != sha256(text):
        raise HandLabelError(f"{doc['corpus']}/{doc['id']}: the {doc['view']} view changed since it was labelled")
    index = {label: i for i, label in enumerate(classes)}
    line_starts = [s for s, _, _ in doc["spans"]]
    out = np.full(len(starts), -1, dtype=np.int64)
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        j = bisect_right(line_starts, s) - 1
        if j >= 0 and s < doc["spans"][j][1] and e > s:
            out[k] = index.get(doc["spans"][j][2], -1)
    return out
