"""Training labels: which segments of a page belong to its gold article text.

A segment is content when most of its visible words are covered by a 4-word shingle
of the token stream that also occurs in the gold text. Shingles run across segment
boundaries, so a short line inside prose ("He said no.") is covered through its
neighbours, while a lone "Share" between two paragraphs is not. Markdown link targets
and images are not visible words and count for nothing. This follows the judge's
metric (\\w+ tokens, 4-shingles), so a perfect labeller maximises the judge's score.
"""

from __future__ import annotations

import re

from ..text import markdown_images

_TOKEN = re.compile(r"\w+")
_LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
SHINGLE = 4
MIN_COVER = 0.5


def _hidden(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in markdown_images(text)]
    spans += [(m.start() + 1, m.end()) for m in _LINK_TARGET.finditer(text)]
    return sorted(spans)


def gold_labels(text: str, starts: list[int], ends: list[int], gold: str) -> list[int]:
    """1 for each segment ``[starts[i], ends[i])`` that belongs to the gold text, else 0."""
    hidden = _hidden(text) if "](" in text else []
    tokens: list[tuple[str, int]] = []  # (token, segment)
    h = 0
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        for m in _TOKEN.finditer(text, s, e):
            while h < len(hidden) and hidden[h][1] <= m.start():
                h += 1
            if h < len(hidden) and hidden[h][0] <= m.start() < hidden[h][1]:
                continue
            tokens.append((m.group(), i))
    gold_tokens = _TOKEN.findall(gold)
    gold_shingles = {tuple(gold_tokens[k:k + SHINGLE]) for k in range(max(len(gold_tokens) - SHINGLE + 1, 0))}
    if 0 < len(gold_tokens) < SHINGLE:
        gold_shingles.add(tuple(gold_tokens))
    covered = [False] * len(tokens)
    words = [t for t, _ in tokens]
    for k in range(len(tokens) - SHINGLE + 1):
        if tuple(words[k:k + SHINGLE]) in gold_shingles:
            for j in range(k, k + SHINGLE):
                covered[j] = True
    total = [0] * len(starts)
    hit = [0] * len(starts)
    for (_, seg), c in zip(tokens, covered, strict=True):
        total[seg] += 1
        hit[seg] += c
    return [int(t > 0 and hit_ / t >= MIN_COVER) for t, hit_ in zip(total, hit, strict=True)]
