"""Phrase and pattern rules that label whole segments (paywall, ad, copyright, ...).

Rules are matched against the visible text (inline residue cut out: a Markdown link reads as its
anchor), as the line stands in a clean answer: a rule that fires on a line once its link syntax is
gone fires on the raw line too, so cleaning a clean answer again removes nothing more.

A rule limited by ``max_chars`` that fires inside a longer line labels only the sentence
it fires in, when that sentence is short enough: a footer glued to the end of a paragraph.
"""

from __future__ import annotations

from bisect import bisect_right

from ..budget import checked
from ..document import Document, Segment, Span
from ..rules import RuleSet
from ..segment import Sentences


class PhraseTagger:
    name = "phrases_v1"
    role = "lines"
    requires = ("residue",)

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def tag(self, doc: Document) -> list[Span]:
        segments = doc.segments
        if not segments:
            return []
        visible = doc.visible
        vstarts, vends = (b.tolist() for b in doc.visible_bounds)
        source = visible.source
        sentences = Sentences(visible.text)
        spans: list[Span] = []
        for hit in checked(self.rules.line_hits(visible.text), "tagging"):
            rule = hit.rule
            # the hit may begin on a boundary character just before the segment
            first = max(0, bisect_right(vstarts, hit.start) - 1)
            for i in range(first, len(segments)):
                vstart, vend = vstarts[i], vends[i]
                if vstart >= hit.end:
                    break
                if vend <= hit.start or vstart == vend:
                    continue
                seg = segments[i]
                if rule.max_chars is not None and vend - vstart > rule.max_chars:
                    start, end = sentences.at(Segment(vstart, vend, seg.line),
                                              max((hit.start + hit.end) // 2, vstart))
                    if rule.scope == "anywhere" and 0 < end - start <= rule.max_chars:
                        spans.append(Span(int(source[start]), int(source[end - 1]) + 1, rule.label, rule.score,
                                          self.name, rule.id))
                    continue
                spans.append(Span(seg.start, seg.end, rule.label, rule.score, self.name, rule.id))
        return spans
