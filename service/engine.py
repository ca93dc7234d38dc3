"""The engine: text -> segments -> taggers (a declared list) -> resolver -> spans -> clean text.

Every stage runs once per request, in one direction. ``Engine.from_settings`` is the one place
that builds the pipeline (``build_taggers``); the HTTP layer, the CLI and library users all call
``Engine.clean``. Nothing here imports a web framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import yaml

from .assemble import assemble
from .budget import Deadline, check
from .config import Settings
from .document import KEPT_LABELS_DEFAULT, NOT_SHOWN, Document, PageHints, Result, Span
from .model.artifact import SegmentModel
from .model.features import StopWordHashes
from .render import render
from .resolve import Policy, Proposals, resolve
from .rules import RuleError, RuleSet, load_rules, load_word_lists
from .segment import split_segments
from .taggers import Tagger
from .taggers.categories import CategoryTagger
from .taggers.content import ContentTagger
from .taggers.page import DomTagger
from .taggers.phrases import PhraseTagger
from .taggers.quality import QualityTagger, QualityThresholds, StopWords
from .taggers.repetition import RepetitionTagger
from .taggers.residue import ResidueTagger
from .taggers.segment_model import ModelTagger
from .taggers.title import TitleTagger
from .taggers.unjudged import UnjudgedTagger

ENGINE_VERSION = "0.18.0"
_SURROGATE = re.compile("[\ud800-\udfff]")
MARKDOWN_MIN_LINKS = 3  # "](" this often: Markdown input (every Markdown page of the train split has more)


def looks_like_markdown(text: str) -> bool:
    """Markdown input, told by its links and images (``[text](target)``); innerText and WET have none."""
    return text.count("](", 0, 1 << 20) >= MARKDOWN_MIN_LINKS


@dataclass(frozen=True)
class RepetitionSettings:
    max_chars: int = 100  # only short lines that repeat are furniture
    score: float = 0.7


@dataclass(frozen=True)
class TitleSettings:
    max_chars: int = 150
    min_words: int = 3
    max_words: int = 25
    score: float = 0.8


@dataclass(frozen=True)
class ModelSettings:
    min_segments: int = 16  # shorter pages are not judged in context
    threshold: float = 0.3  # a segment in the main block is content from this probability on
    sure_chaff: float = 0.05  # a page with no segment under this probability is not judged
    # the category stage names a removed segment boilerplate only where that is more than this many
    # times as likely as the likeliest category (1: the likeliest label, whatever it is)
    boilerplate_margin: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"model.threshold must lie between 0 and 1, not {self.threshold}")
        if not 0.0 <= self.sure_chaff < self.threshold:
            raise ValueError(f"model.sure_chaff must lie between 0 and model.threshold, not {self.sure_chaff}")
        if not 1.0 <= self.boilerplate_margin < float("inf"):
            raise ValueError(f"model.boilerplate_margin must be 1 or more, not {self.boilerplate_margin}")


@dataclass(frozen=True)
class Thresholds:
    """rules/settings/thresholds.yaml, typed: one section per stage, each refusing unknown keys."""

    quality: QualityThresholds = QualityThresholds()
    resolve: Policy = Policy()
    repetition: RepetitionSettings = RepetitionSettings()
    title: TitleSettings = TitleSettings()
    model: ModelSettings = ModelSettings()

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RuleError(f"{path}: cannot read the thresholds: {exc}") from None
        if not isinstance(raw, dict):
            raise RuleError(f"{path}: expected a mapping of sections")
        sections = {f.name: f.type for f in fields(cls)}
        values = {}
        for name, section in raw.items():
            if name not in sections:
                raise RuleError(f"{path}: unknown section {name!r}; known: {sorted(sections)}")
            kind = type(getattr(cls, name))
            section = section or {}
            if not isinstance(section, dict):
                raise RuleError(f"{path}: section {name!r} must be a mapping")
            known = {f.name: f.type for f in fields(kind)}
            for key, value in section.items():
                if key not in known:
                    raise RuleError(f"{path}: unknown key {name}.{key}; known: {sorted(known)}")
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise RuleError(f"{path}: {name}.{key} must be a number, not {value!r}")
            typed = {k: int(v) if known[k] in ("int", int) else float(v) for k, v in section.items()}
            try:
                values[name] = kind(**typed)
            except ValueError as exc:
                raise RuleError(f"{path}: invalid section {name!r}: {exc}") from None
        return cls(**values)


def build_taggers(rules: RuleSet, stop: StopWords, thresholds: Thresholds, model: SegmentModel | None,
                  stop_hashes: StopWordHashes | None) -> tuple[Tagger, ...]:
    """The pipeline's taggers, in the order they run. Add a tagger here; its proposals land in
    ``doc.proposals[tagger.role]`` for the resolver (resolve.Proposals.of) and later taggers."""
    model_tagger = None
    if model is not None and stop_hashes is not None:
        model_tagger = ModelTagger(model, stop_hashes, thresholds.model.threshold)
    taggers: tuple[Tagger, ...] = (
        DomTagger(),
        ResidueTagger(rules),
        PhraseTagger(rules),
        RepetitionTagger(thresholds.repetition.max_chars, thresholds.repetition.score),
        TitleTagger(**vars(thresholds.title)),
        ContentTagger(UnjudgedTagger(stop, thresholds.quality), QualityTagger(stop, thresholds.quality),
                      model_tagger, thresholds.model.min_segments, thresholds.model.sure_chaff),
    )
    if model_tagger is not None and model.categories is not None:
        taggers += (CategoryTagger(model.categories, f"{model.name}.categories", thresholds.model.boilerplate_margin),)
    check_order(taggers)
    return taggers


def check_order(taggers: tuple[Tagger, ...]) -> None:
    """Every tagger runs after the taggers whose roles it reads."""
    seen: set[str] = set()
    for tagger in taggers:
        missing = set(tagger.requires) - seen
        if missing:
            raise RuleError(f"tagger {tagger.name} needs {sorted(missing)} from an earlier tagger")
        seen.add(tagger.role)


def paywalled(spans: tuple[Span, ...] | list[Span], not_paywalling: frozenset[str] = frozenset()) -> bool:
    """Whether a paywall rule fired: a span labelled paywall whose rule is a paywall rule (or the
    block a paywall rule opened). The category stage's guess that a removed line reads like a
    paywall names the line, but is not evidence enough to call the page paywalled; nor is a rule
    in ``not_paywalling`` (``marks_paywalled: false`` in its pack: a "Subscribe" link in a menu is
    a paywall line by the guide, but most pages that show one let everyone read)."""
    return any(s.label == "paywall" and (s.rule or "").startswith("paywall.") and s.rule not in not_paywalling
               for s in spans)


class Engine:
    """The whole cleaning pipeline, built once per process and shared by requests (thread-safe)."""

    def __init__(self, rules: RuleSet, stop: StopWords, thresholds: Thresholds, model: SegmentModel | None = None,
                 stop_hashes: StopWordHashes | None = None) -> None:
        self.rules = rules
        self.stop = stop
        self.stop_hashes = stop_hashes
        self.model = model
        self.thresholds = thresholds
        self.taggers = build_taggers(rules, stop, thresholds, model, stop_hashes)
        self.block_openers = frozenset(r.id for r in rules.rules if r.opens_block)
        self.section_openers = frozenset(r.id for r in rules.rules if r.opens_section)
        self.thread_openers = frozenset(r.id for r in rules.rules if r.thread_replies)  # (all section openers)
        self.article_openers = frozenset(r.id for r in rules.rules if r.opens_article)
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
            self.clean(page)
            model = next((t.model for t in self.taggers if isinstance(t, ContentTagger)), None)
            if model is not None:
                probability = model.probabilities(self.document(page))
                if len(probability) != page.count("\n") + 1 or not np.isfinite(probability).all():
                    raise ValueError("the segment model gives no probability for some segments")
        except Exception as exc:  # the boot must fail loudly, whatever broke
            raise RuntimeError(f"the engine cannot clean a sample page: {exc!r}") from exc

    def rules_info(self) -> list[dict]:
        """Public description of the loaded rules (for GET /v1/rules)."""
        return self.rules.info()

    def document(self, text: str, deadline: Deadline | None = None, extracted: bool = False,
                 page: PageHints | None = None) -> Document:
        """Segment ``text`` and run every tagger on it once, in order; ``deadline`` is checked
        after each stage. ``page``: what an HTML page's markup says of the lines of ``text``."""
        # RE2 needs valid UTF-8: scan a copy with lone surrogates replaced, same length, same offsets
        scan = text if text.isascii() or not _SURROGATE.search(text) else _SURROGATE.sub("\ufffd", text)
        doc = Document(scan, split_segments(scan), extracted=extracted, markdown=looks_like_markdown(text), page=page)
        check(deadline, "segmentation")
        for tagger in self.taggers:
            doc.proposals[tagger.role] = tagger.tag(doc)
            check(deadline, "tagging")
        return doc

    def spans(self, text: str, deadline: Deadline | None = None, extracted: bool = False,
              page: PageHints | None = None) -> tuple[Span, ...]:
        """The labelled spans covering ``text``, in order.

        ``extracted``: the text is a page's main content already (readability's pick from HTML, or
        an extractor the client ran), so no line is judged by its page: only the rules remove.
        ``page``: what an HTML page's markup says of each line (html.read_html)."""
        doc = self.document(text, deadline, extracted, page)
        proposals = Proposals.of(doc, self.block_openers, self.section_openers, self.article_openers,
                                 self.thread_openers)
        resolution = resolve(doc, proposals, self.thresholds.resolve)
        check(deadline, "resolution")
        return assemble(doc, resolution)

    def clean(self, text: str, keep: frozenset[str] = KEPT_LABELS_DEFAULT,
              deadline: Deadline | None = None, extracted: bool = False, page: PageHints | None = None) -> Result:
        spans = self.spans(text, deadline, extracted, page)
        clean = render(text, spans, keep)
        removed: dict[str, int] = {}
        for start, end, label, _, _, rule in spans:
            if label not in keep or rule in NOT_SHOWN:  # not document.shown, unpacked
                removed[label] = removed.get(label, 0) + end - start
        return Result(
            text=clean,
            spans=spans,
            paywalled=paywalled(spans, self.rules.not_paywalling),
            chars_in=len(text),
            chars_out=len(clean),
            removed_chars_by_label=removed,
        )
