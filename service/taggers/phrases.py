"""Phrase and pattern rules that label whole segments (paywall, ad, copyright, ...).

A rule limited by ``max_chars`` that fires inside a longer line labels only the sentence
it fires in, when that sentence is short enough: a footer glued to the end of a paragraph.
"""

from __future__ import annotations

from bisect import bisect_right

from ..document import Document, Span
from ..rules import RuleSet
from ..segment import sentence_at


class PhraseTagger:
    name = "phrases_v1"

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def tag(self, doc: Document) -> list[Span]:
        segments = doc.segments
        if not segments:
            return []
        starts = [s.start for s in segments]
        spans: list[Span] = []
        for hit in self.rules.line_hits(doc.text):
            rule = hit.rule
            # the hit may begin on a boundary character just before the segment
            first = max(0, bisect_right(starts, hit.start) - 1)
            for seg in segments[first:]:
                if seg.start >= hit.end:
                    break
                if seg.end <= hit.start:
                    continue
                if rule.max_chars is not None and seg.end - seg.start > rule.max_chars:
                    start, end = sentence_at(doc.text, seg, max((hit.start + hit.end) // 2, seg.start))
                    if rule.scope == "anywhere" and 0 < end - start <= rule.max_chars:
                        spans.append(Span(start, end, rule.label, rule.score, self.name, rule.id))
                    continue
                spans.append(Span(seg.start, seg.end, rule.label, rule.score, self.name, rule.id))
        return spans
