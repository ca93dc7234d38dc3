"""Phrase and pattern rules that label whole segments (paywall, ad, copyright, ...)."""

from __future__ import annotations

from bisect import bisect_right

from ..document import Document, Span
from ..rules import RuleSet


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
                    continue
                spans.append(Span(seg.start, seg.end, rule.label, rule.score, self.name, rule.id))
        return spans
