"""Pages too short to read in context: no line is judged by its page, only link lists are known.

A segment model and the jusText heuristic both judge a line by the lines around it. On a
page of a few lines (one paragraph, a snippet, text cleaned already) there is no such
context, and judging anyway drops lines that a longer page had kept. So on short pages only
evidence a line carries by itself removes it: the rules (line rules, residue, paywall blocks,
sections) and, here, being mostly link text (a menu or a list of links). Every other segment
is proposed as content, unjudged. Text that is a page's main content already (readability's pick
from HTML, ``options.extracted``) is read the same way: an extractor has judged its lines.
"""

from __future__ import annotations

import numpy as np

from ..document import Document, Span
from .quality import QualityThresholds, StopWords, link_density, measure


class UnjudgedTagger:
    name = "unjudged_v1"
    role = "content"
    requires = ()
    score = 0.5  # no evidence either way

    def __init__(self, stop: StopWords, thresholds: QualityThresholds) -> None:
        self.stop = stop
        self.max_link_density = thresholds.max_link_density

    def tag(self, doc: Document) -> list[Span]:
        if not doc.segments:
            return []
        links = np.zeros(len(doc.segments), dtype=bool)
        if "](" in doc.text:  # link density needs Markdown links; without them there is none to measure
            links = link_density(measure(doc, self.stop)[0]) > self.max_link_density
        return [Span(s.start, s.end, "boilerplate", 0.9, self.name, "unjudged.links") if link else
                Span(s.start, s.end, "content", self.score, self.name, "unjudged.good")
                for s, link in zip(doc.segments, links.tolist(), strict=True)]
