"""Scrape residue inside lines: Markdown images and link syntax, table pipes, rules."""

from __future__ import annotations

from ..budget import checked
from ..document import Document, Span
from ..rules import RuleSet


class ResidueTagger:
    name = "residue_v1"
    role = "residue"
    requires = ()

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def tag(self, doc: Document) -> list[Span]:
        spans: list[Span] = []
        for hit in checked(self.rules.inline_hits(doc.text), "tagging"):  # a million, on a page of images
            rule = hit.rule
            for start, end in hit.parts or ((hit.start, hit.end),):
                if start < end:
                    spans.append(Span(start, end, rule.label, rule.score, self.name, rule.id))
        spans.sort(key=lambda s: (s.start, -s.end))
        return spans
