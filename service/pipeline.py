"""Engine: text -> segments -> tagger spans -> decisions -> spans covering the input -> clean text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .assemble import assemble
from .config import Settings
from .document import KEPT_LABELS_DEFAULT, Document, Result, Span
from .render import render
from .resolve import Policy, Proposals, resolve
from .rules import RuleError, RuleSet, load_rules, load_word_lists
from .segment import split_segments
from .taggers.phrases import PhraseTagger
from .taggers.quality import QualityTagger, QualityThresholds, StopWords
from .taggers.repetition import RepetitionTagger
from .taggers.residue import ResidueTagger
from .taggers.title import TitleTagger

ENGINE_VERSION = "0.1.0"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Thresholds:
    """rules/settings/thresholds.yaml, typed."""

    quality: QualityThresholds
    policy: Policy
    repetition: dict
    title: dict

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(
                quality=QualityThresholds(**raw.get("quality", {})),
                policy=Policy(**raw.get("resolve", {})),
                repetition=dict(raw.get("repetition", {})),
                title=dict(raw.get("title", {})),
            )
        except (OSError, yaml.YAMLError, TypeError) as exc:
            raise RuleError(f"{path}: invalid thresholds: {exc}") from None


class Engine:
    """The whole cleaning pipeline, built once per process and shared by requests (thread-safe)."""

    def __init__(self, rules: RuleSet, stop: StopWords, thresholds: Thresholds) -> None:
        self.rules = rules
        self.thresholds = thresholds
        self.phrases = PhraseTagger(rules)
        self.residue = ResidueTagger(rules)
        self.quality = QualityTagger(stop, thresholds.quality)
        self.repetition = RepetitionTagger(**thresholds.repetition)
        self.title = TitleTagger(**thresholds.title)
        self.block_openers = frozenset(r.id for r in rules.rules if r.opens_block)
        self.section_openers = frozenset(r.id for r in rules.rules if r.opens_section)
        self.version = {"engine": ENGINE_VERSION, "rules": rules.version}

    @classmethod
    def from_settings(cls, settings: Settings) -> Engine:
        rules_dir = Path(settings.rules_dir)
        return cls(
            rules=load_rules(rules_dir),
            stop=StopWords(load_word_lists(rules_dir / "stopwords")),
            thresholds=Thresholds.load(rules_dir / "settings" / "thresholds.yaml"),
        )

    def rules_info(self) -> list[dict]:
        """Public description of the loaded rules (for GET /v1/rules)."""
        return self.rules.info()

    def spans(self, text: str) -> tuple[Span, ...]:
        """The labelled spans covering ``text``, in order."""
        # RE2 needs valid UTF-8: scan a copy with lone surrogates replaced, same length, same offsets
        scan = text if text.isascii() or not _SURROGATE.search(text) else _SURROGATE.sub("\ufffd", text)
        doc = Document(scan, split_segments(scan))
        whole = {(s.start, s.end) for s in doc.segments}
        rules, sentences = [], []
        for span in self.phrases.tag(doc):
            (rules if (span.start, span.end) in whole else sentences).append(span)
        residue = self.residue.tag(doc)
        if sentences:  # sentences cut out of longer lines act like inline residue
            residue = sorted(residue + sentences, key=lambda s: (s.start, -s.end))
        proposals = Proposals(
            rules=rules,
            residue=residue,
            quality=self.quality.tag(doc),
            repetition=self.repetition.tag(doc),
            title=self.title.tag(doc),
            block_openers=self.block_openers,
            section_openers=self.section_openers,
        )
        return assemble(doc, resolve(doc, proposals, self.thresholds.policy))

    def clean(self, text: str, keep: frozenset[str] = KEPT_LABELS_DEFAULT) -> Result:
        spans = self.spans(text)
        clean = render(text, spans, keep)
        removed: dict[str, int] = {}
        for span in spans:
            if span.label not in keep:
                removed[span.label] = removed.get(span.label, 0) + span.end - span.start
        return Result(
            text=clean,
            spans=spans,
            paywalled=any(s.label == "paywall" for s in spans),
            chars_in=len(text),
            chars_out=len(clean),
            removed_chars_by_label=removed,
        )
