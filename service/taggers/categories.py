"""The category tagger: what kind of chaff each segment would be, if the page does not keep it.

It reads the segment model's reading of the page (``doc.reading``, left by the content tagger)
and proposes one verdict per segment: the most likely chaff label by the model's category stage,
with its probability, or ``boilerplate`` when no category is likely enough (``boilerplate_margin``:
boilerplate wins over a category only by that factor, as it says least); a segment without a
letter or digit is ``markup``. The resolver names a
segment it removes by this proposal where no rule named it. On a page the model did not judge
(extracted text, a short page) it proposes nothing: there, only rules remove, and name.
"""

from __future__ import annotations

import numpy as np

from ..document import Document, Verdicts
from ..model.categories import CategoryModel
from ..model.features import DENSE_NAMES

_LOG_WORDS = DENSE_NAMES.index("log_words")


class CategoryTagger:
    role = "category"
    requires = ("content",)

    def __init__(self, model: CategoryModel, name: str, boilerplate_margin: float = 1.0) -> None:
        self.model = model
        self.name = name
        self.boilerplate_margin = boilerplate_margin
        self.rule_of = {label: f"category.{label}" for label in (*model.labels, "boilerplate", "markup")}

    def tag(self, doc: Document) -> Verdicts:
        reading = doc.reading
        if reading is None or not doc.segments:
            return Verdicts()
        logp = self.model.scores(reading.features, reading.dense_std, reading.rules, reading.first)
        labels, probability = self.model.name_each(logp, self.boilerplate_margin)
        wordless = reading.features.dense[:, _LOG_WORDS] == 0  # no letter or digit: markup, not a judgement
        for i in np.flatnonzero(wordless).tolist():
            labels[i] = "markup"
        probability = np.where(wordless, 1.0, probability)
        scores = np.round(probability, 4).tolist()
        return Verdicts(labels, scores, [self.name] * len(scores), list(map(self.rule_of.__getitem__, labels)))
