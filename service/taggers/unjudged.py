"""Pages too short to read in context: no line is judged by its page, only link lists are known.

A segment model and the jusText heuristic both judge a line by the lines around it. On a
page of a few lines (one paragraph, a snippet, text cleaned already) there is no such
context, and judging anyway drops lines that a longer page had kept. So on short pages only
evidence a line carries by itself removes it: the rules (line rules, residue, paywall blocks,
sections) and, here, being mostly link text (a menu or a list of links): Markdown links in text,
``<a>`` elements in HTML (the share of the line's characters inside links, ``PageHints.link_share``).
Every other segment is proposed as content, unjudged. Text that is a page's main content already (readability's pick
from HTML, ``options.extracted``) is read the same way: an extractor has judged its lines.
"""

from __future__ import annotations

import numpy as np

from ..document import Document, PageHints, Verdicts
from .quality import QualityThresholds, StopWords, link_density, measure


class UnjudgedTagger:
    name = "unjudged_v1"
    role = "content"
    requires = ()
    score = 0.5  # no evidence either way

    def __init__(self, stop: StopWords, thresholds: QualityThresholds) -> None:
        self.stop = stop
        self.max_link_density = thresholds.max_link_density

    def tag(self, doc: Document) -> Verdicts:
        n = len(doc.segments)
        if not n:
            return Verdicts()
        if doc.page is not None:  # HTML: the markup says which characters are links
            links = (html_link_share(doc.bounds[0], doc.page) > self.max_link_density).tolist()
        elif "](" not in doc.text:  # link density needs Markdown links; without them there is none to measure
            return Verdicts(["content"] * n, [self.score] * n, [self.name] * n, ["unjudged.good"] * n)
        else:
            links = (link_density(measure(doc, self.stop)[0]) > self.max_link_density).tolist()
        return Verdicts(["boilerplate" if link else "content" for link in links],
                        [0.9 if link else self.score for link in links], [self.name] * n,
                        ["unjudged.links" if link else "unjudged.good" for link in links])


def html_link_share(starts: np.ndarray, page: PageHints) -> np.ndarray:
    """The link share of the rendered line each segment starts in (0 outside every line)."""
    if not page.starts or not page.link_share or not len(starts):
        return np.zeros(len(starts))
    line = np.searchsorted(np.asarray(page.starts, dtype=np.int64), starts, side="right") - 1
    at = np.maximum(line, 0)
    inside = (line >= 0) & (starts < np.asarray(page.ends, dtype=np.int64)[at])
    return np.where(inside, np.asarray(page.link_share, dtype=np.float64)[at], 0.0)
