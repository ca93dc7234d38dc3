"""The learned segment classifier as a tagger: one verdict per segment, content or boilerplate, with
the model's probability as its score.

It reads the line rules' findings (the ``lines`` role) as evidence: the model was trained to weigh
them (a menu next to a rule-labelled menu is likely menu too).
"""

from __future__ import annotations

import numpy as np

from ..document import LABELS, Document, ModelReading, Span, Verdicts
from ..model.artifact import SegmentModel
from ..model.features import SegmentFeatures, StopWordHashes, dom_features, featurize, rule_matrix


def measure(doc: Document, rule_spans: list[Span], stop: StopWordHashes) -> tuple[SegmentFeatures, np.ndarray]:
    """The features of every segment and the rules' scores per label: what training reads too."""
    starts, ends, lines = doc.bounds
    feats = featurize(doc.text, starts, ends, lines, stop)
    dom_features(feats.dense, starts, doc.page)
    return feats, rule_matrix(starts, ends, rule_spans, LABELS)


_VERDICT = np.array(["boilerplate", "content"], dtype=object)  # indexed by "is content"
_VERDICT_RULE = np.array(["model.bad", "model.good"], dtype=object)


class ModelTagger:
    role = "content"
    requires = ("lines",)

    def __init__(self, model: SegmentModel, stop: StopWordHashes, threshold: float) -> None:
        self.model = model
        self.stop = stop
        self.name = model.name
        self.threshold = threshold  # probability from which a segment counts as content

    def read(self, doc: Document) -> ModelReading:
        """What the model measures on the page and its verdict on each segment (log-odds of content)."""
        feats, rules = measure(doc, doc.proposals.get("lines", []), self.stop)
        dense_std = self.model.standardised(feats)
        first, logit = self.model.predict(feats, rules, dense_std) if doc.segments else (np.zeros(0), np.zeros(0))
        return ModelReading(feats, dense_std, rules, first, logit)

    def probabilities(self, doc: Document) -> np.ndarray:
        """The probability that each segment is content, read in its page."""
        if not doc.segments:
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-self.read(doc).logit))

    def verdicts(self, probability: np.ndarray) -> Verdicts:
        """The verdict on each segment whose probability of content is given: whole columns, without
        a Python branch per segment."""
        good = (probability >= self.threshold).astype(np.intp)  # 1: content, an index into the verdicts
        rounded = np.round(np.where(good, probability, 1.0 - probability), 4).tolist()
        return Verdicts(_VERDICT[good].tolist(), rounded, [self.name] * len(rounded), _VERDICT_RULE[good].tolist())

    def tag(self, doc: Document) -> Verdicts:
        return self.verdicts(self.probabilities(doc))
