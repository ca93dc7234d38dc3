"""The learned segment classifier as a tagger: one span per segment, content or boilerplate, with the
model's probability as its score.

Unlike the other taggers it also reads the line rules' findings, as evidence: the model was
trained to weigh them (a menu next to a rule-labelled menu is likely menu too).
"""

from __future__ import annotations

import numpy as np

from ..document import LABELS, Document, Span
from ..model.artifact import SegmentModel
from ..model.features import SegmentFeatures, StopWordHashes, featurize, rule_matrix


def measure(doc: Document, rule_spans: list[Span], stop: StopWordHashes) -> tuple[SegmentFeatures, np.ndarray]:
    """The features of every segment and the rules' scores per label: what training reads too."""
    starts, ends, lines = doc.bounds
    feats = featurize(doc.text, starts, ends, lines, stop)
    return feats, rule_matrix(starts, ends, rule_spans, LABELS)


class ModelTagger:
    def __init__(self, model: SegmentModel, stop: StopWordHashes, threshold: float) -> None:
        self.model = model
        self.stop = stop
        self.name = model.name
        self.threshold = threshold  # probability from which a segment counts as content

    def logits(self, doc: Document, rule_spans: list[Span]) -> np.ndarray:
        if not doc.segments:
            return np.zeros(0)
        return self.model.predict(*measure(doc, rule_spans, self.stop))[1]

    def tag(self, doc: Document, rule_spans: list[Span]) -> list[Span]:
        logits = self.logits(doc, rule_spans)
        probability = 1.0 / (1.0 + np.exp(-logits))
        spans = []
        for seg, p in zip(doc.segments, probability.tolist(), strict=True):
            if p >= self.threshold:
                spans.append(Span(seg.start, seg.end, "content", round(p, 4), self.name, "model.good"))
            else:
                spans.append(Span(seg.start, seg.end, "boilerplate", round(1 - p, 4), self.name, "model.bad"))
        return spans
