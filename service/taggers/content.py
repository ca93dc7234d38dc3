"""The content tagger: which judge reads the page's lines in context, and its verdict on each.

- Text that is a page's main content already (``options.extracted``) is not judged: an extractor
  has chosen its lines, and only the rules remove anything (the unjudged tagger).
- Without a segment model, the jusText heuristic judges (the quality tagger).
- A page too short for context (fewer segments than nearly every training page) is not judged.
- Otherwise the segment model judges. A page on which it finds no line that is chaff beyond
  doubt (probability of content under ``sure_chaff`` for every segment) has no page furniture to
  cut the article out of: it is text cleaned already, or a page that is all article. Its lines
  are then not judged either, so that a clean answer sent again keeps every line it has (on raw
  pages of the train split, 99% have such a line; on their clean answers, under 1% do).
"""

from __future__ import annotations

import numpy as np

from ..budget import checkpoint
from ..document import Document, Verdicts
from .quality import QualityTagger
from .segment_model import ModelTagger
from .unjudged import UnjudgedTagger

# What the stages after this one take (the category tagger, resolution, assembly, rendering and the
# answer), per segment and per residue span, with half again to spare: measured on a 2-core machine,
# 11 us a segment (100,000 lines alternating ad and prose, 100,000 spans in the answer) and 0.65 us a
# residue span (3 M of them: a line of a million Markdown images). They check no deadline inside, so
# a request with less of its budget left than they need gives up here, not after them.
TAIL_S_PER_SEGMENT = 16e-6
TAIL_S_PER_RESIDUE = 1e-6
# What the segment model's reading takes per segment, with half again to spare: 10 us a segment warm
# and 22 us on a worker's first such page (100,000 one-letter lines of HTML, 2-core machine). Its
# features and context columns are whole-array steps that check no deadline (only the trees check,
# between chunks of rows), so a page it cannot read within what is left of its budget gives up
# before it starts, not a second or two past the budget.
MODEL_S_PER_SEGMENT = 33e-6


def _tail_s(doc: Document) -> float:
    """What the stages after this one need of the budget for ``doc`` (they check no deadline)."""
    return len(doc.segments) * TAIL_S_PER_SEGMENT + len(doc.proposals.get("residue", ())) * TAIL_S_PER_RESIDUE


class ContentTagger:
    role = "content"

    def __init__(self, unjudged: UnjudgedTagger, heuristic: QualityTagger, model: ModelTagger | None,
                 min_segments: int, sure_chaff: float) -> None:
        self.unjudged = unjudged
        self.heuristic = heuristic
        self.model = model
        self.min_segments = min_segments
        self.sure_chaff = sure_chaff
        self.name = model.name if model is not None else heuristic.name
        self.requires = model.requires if model is not None else heuristic.requires

    def tag(self, doc: Document) -> Verdicts:
        verdicts = self._judge(doc)
        checkpoint("tagging", reserve_s=_tail_s(doc))
        return verdicts

    def _judge(self, doc: Document) -> Verdicts:
        if doc.extracted:
            return self.unjudged.tag(doc)
        if self.model is not None and len(doc.segments) < self.min_segments:
            return self.unjudged.tag(doc, short=True)
        if self.model is None:
            return self.heuristic.tag(doc)
        checkpoint("tagging", reserve_s=len(doc.segments) * MODEL_S_PER_SEGMENT + _tail_s(doc))
        reading = self.model.read(doc)
        probability = 1.0 / (1.0 + np.exp(-reading.logit))
        if not np.any(probability < self.sure_chaff):
            return self.unjudged.tag(doc)
        doc.reading = reading  # for the category stage
        return self.model.verdicts(probability)
