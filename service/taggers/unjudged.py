"""Pages too short to read in context: no line is judged by its page, only link lists are known.

A segment model and the jusText heuristic both judge a line by the lines around it. On a
page of a few lines (one paragraph, a snippet, text cleaned already) there is no such
context, and judging anyway drops lines that a longer page had kept. So on short pages only
evidence a line carries by itself removes it: the rules (line rules, residue, paywall blocks,
sections) and, here, being mostly link text (a menu or a list of links, told by Markdown links).
On a short HTML page the markup speaks for a line too: a line inside an element that names it
navigation (``<nav>``, ``role=navigation``, a ``breadcrumb`` or ``menu`` class: ``PageHints.evidence``,
not link density alone, which on a short page as often marks content) is navigation. Every other
segment is proposed as content, unjudged. Text that is a page's main content already (readability's pick
from HTML, ``options.extracted``) is read the same way: an extractor has judged its lines.
"""

from __future__ import annotations

import numpy as np

from ..document import LINKS_ONLY, Document, PageHints, Verdicts
from .quality import QualityThresholds, StopWords, link_density, measure


class UnjudgedTagger:
    name = "unjudged_v1"
    role = "content"
    requires = ()
    score = 0.5  # no evidence either way

    def __init__(self, stop: StopWords, thresholds: QualityThresholds) -> None:
        self.stop = stop
        self.max_link_density = thresholds.max_link_density

    def tag(self, doc: Document, short: bool = False) -> Verdicts:
        """``short``: the page is too short to judge (not extracted text, nor a page the model
        found clean): what the markup names navigation is removed too (the resolver names it)."""
        n = len(doc.segments)
        if not n:
            return Verdicts()
        if "](" not in doc.text:  # link density needs Markdown links; without them there is none to measure
            verdicts = Verdicts(["content"] * n, [self.score] * n, [self.name] * n, ["unjudged.good"] * n)
        else:
            links = (link_density(measure(doc, self.stop)[0]) > self.max_link_density).tolist()
            verdicts = Verdicts(["boilerplate" if link else "content" for link in links],
                                [0.9 if link else self.score for link in links], [self.name] * n,
                                ["unjudged.links" if link else "unjudged.good" for link in links])
        if short and doc.page is not None:
            for i in marked_navigation(doc.bounds[0], doc.page):
                verdicts.set(i, "boilerplate", 0.9, self.name, "unjudged.navigation")
        return verdicts


def marked_navigation(starts: np.ndarray, page: PageHints) -> list[int]:
    """The segments whose line's markup names it navigation by an element (not by link density)."""
    named = np.array([found is not None and found[0] == "navigation" and not found[1].startswith(LINKS_ONLY)
                      for found in page.evidence] + [False])  # the last: outside every line
    return np.flatnonzero(named[page.lines_of(starts)]).tolist()
