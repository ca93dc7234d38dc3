"""Engine: text -> segments -> tagger spans -> decisions -> spans covering the input -> clean text,
checked by cleaning it again (settle) so that the answer is a fixed point."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .assemble import assemble
from .budget import Deadline, check
from .config import Settings
from .document import KEPT_LABELS_DEFAULT, Document, Result, Span
from .model.artifact import SegmentModel
from .model.features import StopWordHashes
from .resolve import Policy, Proposals, resolve
from .rules import RuleError, RuleSet, load_rules, load_word_lists
from .segment import split_segments
from .settle import settle
from .taggers.phrases import PhraseTagger
from .taggers.quality import QualityTagger, QualityThresholds, StopWords
from .taggers.repetition import RepetitionTagger
from .taggers.residue import ResidueTagger
from .taggers.segment_model import ModelTagger
from .taggers.title import TitleTagger
from .taggers.unjudged import UnjudgedTagger

ENGINE_VERSION = "0.1.0"
_SURROGATE = re.compile("[\ud800-\udfff]")
MARKDOWN_MIN_LINKS = 3  # "](" this often: Markdown input (every Markdown page of the train split has more)


def looks_like_markdown(text: str) -> bool:
    """Markdown input, told by its links and images (``[text](target)``); innerText and WET have none."""
    return text.count("](", 0, 1 << 20) >= MARKDOWN_MIN_LINKS


@dataclass(frozen=True)
class Thresholds:
    """rules/settings/thresholds.yaml, typed."""

    quality: QualityThresholds
    policy: Policy
    repetition: dict
    title: dict
    model_min_segments: int = 16
    model_threshold: float = 0.3
    settle_passes: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.model_threshold < 1.0:
            raise ValueError(f"model.threshold must lie between 0 and 1, not {self.model_threshold}")

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls(
                quality=QualityThresholds(**raw.get("quality", {})),
                policy=Policy(**raw.get("resolve", {})),
                repetition=dict(raw.get("repetition", {})),
                title=dict(raw.get("title", {})),
                model_min_segments=int(raw.get("model", {}).get("min_segments", cls.model_min_segments)),
                model_threshold=float(raw.get("model", {}).get("threshold", cls.model_threshold)),
                settle_passes=int(raw.get("settle", {}).get("passes", cls.settle_passes)),
            )
        except (OSError, yaml.YAMLError, TypeError, ValueError) as exc:
            raise RuleError(f"{path}: invalid thresholds: {exc}") from None


class Engine:
    """The whole cleaning pipeline, built once per process and shared by requests (thread-safe)."""

    def __init__(self, rules: RuleSet, stop: StopWords, thresholds: Thresholds, model: SegmentModel | None = None,
                 stop_hashes: StopWordHashes | None = None) -> None:
        self.rules = rules
        self.model = model
        self.thresholds = thresholds
        self.phrases = PhraseTagger(rules)
        self.residue = ResidueTagger(rules)
        self.quality = QualityTagger(stop, thresholds.quality)
        self.repetition = RepetitionTagger(**thresholds.repetition)
        self.title = TitleTagger(**thresholds.title)
        self.unjudged = UnjudgedTagger(stop, thresholds.quality)
        self.block_openers = frozenset(r.id for r in rules.rules if r.opens_block)
        self.section_openers = frozenset(r.id for r in rules.rules if r.opens_section)
        self.article_openers = frozenset(r.id for r in rules.rules if r.opens_article)
        self.model_tagger = None
        if model is not None and stop_hashes is not None:
            self.model_tagger = ModelTagger(model, stop_hashes, thresholds.model_threshold)
        self.version = {"engine": ENGINE_VERSION, "rules": rules.version,
                        "model": model.version if model is not None else None}

    @classmethod
    def from_settings(cls, settings: Settings) -> Engine:
        rules_dir = Path(settings.rules_dir)
        lists = load_word_lists(rules_dir / "stopwords")
        model_file = settings.model_file
        return cls(
            rules=load_rules(rules_dir),
            stop=StopWords(lists),
            thresholds=Thresholds.load(rules_dir / "settings" / "thresholds.yaml"),
            model=SegmentModel.load(model_file) if model_file is not None else None,
            stop_hashes=StopWordHashes(lists) if model_file is not None else None,
        )

    def self_check(self) -> None:
        """Clean a small page once, at boot: an artifact that loads but cannot serve (weights that
        do not fit the features) fails the boot here, instead of every request after `/readyz`."""
        prose = ("The council said on Tuesday that it would review the plan for the old bridge, and "
                 "residents asked whether the work could start before the winter.")
        page = "\n".join(["Home", "News", prose, "Advertisement", prose, "Share"] * 4)
        try:
            result = self.clean(page)
        except Exception as exc:  # the boot must fail loudly, whatever broke
            raise RuntimeError(f"the engine cannot clean a sample page: {exc!r}") from exc
        if self.model_tagger is not None and not any(s.tagger == self.model_tagger.name for s in result.spans):
            raise RuntimeError("the segment model is loaded but decided nothing on a sample page")

    def rules_info(self) -> list[dict]:
        """Public description of the loaded rules (for GET /v1/rules)."""
        return self.rules.info()

    def spans(self, text: str, deadline: Deadline | None = None, extracted: bool = False) -> tuple[Span, ...]:
        """The labelled spans covering ``text``, in order; ``deadline`` is checked between stages.

        ``extracted``: the text is a page's main content already (readability's pick from HTML, or
        an extractor the client ran), so no line is judged by its page: only the rules remove."""
        # RE2 needs valid UTF-8: scan a copy with lone surrogates replaced, same length, same offsets
        scan = text if text.isascii() or not _SURROGATE.search(text) else _SURROGATE.sub("\ufffd", text)
        doc = Document(scan, split_segments(scan))
        check(deadline, "segmentation")
        whole = {(s.start, s.end) for s in doc.segments}
        rules, sentences = [], []
        for span in self.phrases.tag(doc):
            (rules if (span.start, span.end) in whole else sentences).append(span)
        residue = self.residue.tag(doc)
        if sentences:  # sentences cut out of longer lines act like inline residue
            residue = sorted(residue + sentences, key=lambda s: (s.start, -s.end))
        check(deadline, "rules")
        if extracted:
            context, content = "none", self.unjudged.tag(doc)
        elif self.model_tagger is None:
            context, content = "heuristic", self.quality.tag(doc)
        elif len(doc.segments) >= self.thresholds.model_min_segments:
            context, content = "model", self.model_tagger.tag(doc, rules)
        else:
            context, content = "none", self.unjudged.tag(doc)
        check(deadline, "content tagging")
        proposals = Proposals(
            rules=rules,
            residue=residue,
            quality=content,
            repetition=self.repetition.tag(doc),
            title=self.title.tag(doc),
            block_openers=self.block_openers,
            section_openers=self.section_openers,
            article_openers=self.article_openers,
            context=context,
            markdown=looks_like_markdown(text),
        )
        resolution = resolve(doc, proposals, self.thresholds.policy)
        check(deadline, "resolution")
        return assemble(doc, resolution)

    def clean(self, text: str, keep: frozenset[str] = KEPT_LABELS_DEFAULT,
              deadline: Deadline | None = None, extracted: bool = False) -> Result:
        # the check pass reads the clean text exactly as a re-sent request would, its kind included:
        # clean Markdown has lost its link lines and reads as plain text, and that is how it comes
        # back; extracted text comes back as extracted (options.extracted)
        spans, clean = settle(text, self.spans(text, deadline, extracted), keep,
                              lambda clean: self.spans(clean, deadline, extracted), self.thresholds.settle_passes)
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
