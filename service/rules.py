"""Rule packs: load YAML, validate, compile into one RE2 set, find hits per line.

Rules are data (rules/*.yaml). Each rule becomes one RE2 pattern; all of them are
compiled into a single ``re2.Set`` that tells in one linear-time pass which rules
occur anywhere in a document, and only those rules are then located line by line.
RE2 has no backtracking, so no rule or client-supplied text can blow up the matcher.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import re2
import yaml

from .budget import checked
from .document import LABEL_SET

SCOPES = ("line", "start", "anywhere")
_NOT_WORD = r"[^\pL\pN_\n]"
_SPACE = r"[ \t\xa0]+"
_MAX_MEM = 64 << 20
# A scope's finder holds every member's alternatives (~130,000 instructions for the line scope).
# With 64 MB its DFA's state cache filled on varied pages and was reset again and again, and RE2
# fell back to its NFA: line rules took 4-5 ms a page on scrapinghub's 121 train pages, 0.6 ms
# with 128 MB. The cache grows only with the states that pages reach: over every corpus view, a
# process ends ~18 MB larger than with 64 MB.
_FINDER_MAX_MEM = 128 << 20
_RULE_KEYS = {
    "id", "label", "description", "scope", "phrases", "patterns", "languages",
    "score", "max_chars", "opens_block", "opens_section", "opens_article", "inline", "case_sensitive", "examples",
    "marks_paywalled", "thread_replies",
}


class RuleError(ValueError):
    """A rule pack is invalid: raised at boot, never at request time."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    description: str
    scope: str
    pattern: str  # the compiled RE2 source (one line at a time: never matches a newline)
    phrases: tuple[str, ...]  # as written in the pack (the matcher looks whole-line phrases up)
    patterns: tuple[str, ...]
    prefilter: str | None  # RE2 source run case-sensitively over the lower-cased text (None: needs case)
    languages: tuple[str, ...]
    score: float
    max_chars: int | None
    opens_block: bool  # the label runs on over what follows until prose resumes (a paywall offer)
    opens_section: bool  # once the article has begun, the label runs on to its end (comments)
    # with opens_section: what the header opens may be a thread's replies ("name said:" quoting a
    # post, a Q&A's "Add a comment"), a forum's content, so the model keeps what it is sure of past
    # it; without it, comments under an article ("12 thoughts on", "name says:") follow
    thread_replies: bool
    opens_article: bool  # the article begins here: the main block does not start before it (a dateline)
    inline: bool  # the span is the match (or its groups), not the segment around it
    case_sensitive: bool  # capitals are the point (a dateline): matched as written
    marks_paywalled: bool  # a paywall rule's hit says the page is paywalled (not so a bare "Subscribe" link)
    match_examples: tuple[str, ...]
    no_match_examples: tuple[str, ...]
    pack: str

    def info(self) -> dict:
        return {
            "id": self.id, "label": self.label, "description": self.description, "scope": self.scope,
            "languages": list(self.languages), "score": self.score, "max_chars": self.max_chars,
            "opens_block": self.opens_block, "opens_section": self.opens_section,
            "thread_replies": self.thread_replies,
            "opens_article": self.opens_article, "inline": self.inline, "marks_paywalled": self.marks_paywalled,
            "pack": self.pack,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a rule: the match, and for inline rules with groups, the group ranges."""

    rule: Rule
    start: int
    end: int
    parts: tuple[tuple[int, int], ...] = ()


def _options(case_sensitive: bool = False, max_mem: int = _MAX_MEM) -> re2.Options:
    opts = re2.Options()
    opts.case_sensitive = case_sensitive
    opts.never_nl = True
    opts.max_mem = max_mem
    return opts


def _phrase_source(phrase: str) -> str:
    """A literal phrase as RE2 source: case-insensitive, any run of blanks between words."""
    words = phrase.split()
    if not words:
        raise RuleError("empty phrase")
    return _SPACE.join(re2.escape(w) for w in words)


def _rule_source(scope: str, alternatives: list[str], inline: bool) -> str:
    body = "(?:" + "|".join(alternatives) + ")"
    if inline:  # residue syntax: the match itself is the span, wherever it stands
        return f"(?m){body}"
    if scope == "line":  # the phrase is the whole line, give or take bullets and punctuation
        return rf"(?m)^{_NOT_WORD}*{body}{_NOT_WORD}*$"
    if scope == "start":
        return rf"(?m)^{_NOT_WORD}*{body}(?:$|{_NOT_WORD})"
    return rf"(?m)(?:^|{_NOT_WORD}){body}(?:$|{_NOT_WORD})"


def _prefilter_source(phrases: list[str] | tuple[str, ...], patterns: list[str] | tuple[str, ...]) -> str | None:
    """The bare lower-cased phrases and patterns, for the case-sensitive set over lower-cased text.

    None when a pattern holds line anchors: they make the combined set's DFA grow sharply with
    every phrase added, so such rules go through the small case-insensitive set instead."""
    if any("^" in p.replace("[^", "") or "$" in p for p in patterns):
        return None
    return "(?m)" + "|".join([_phrase_source(p.lower()) for p in phrases] + [f"(?:{p})" for p in patterns])


def _parse_rule(raw: dict, pack: str, defaults: dict) -> Rule:
    where = f"{pack}: rule {raw.get('id', '?')!r}"
    if not isinstance(raw, dict):
        raise RuleError(f"{pack}: each rule must be a mapping")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleError(f"{pack}: a rule has no id")
    label = raw.get("label", defaults.get("label"))
    if label not in LABEL_SET:
        raise RuleError(f"{where}: unknown label {label!r}")
    scope = raw.get("scope", defaults.get("scope", "line"))
    if scope not in SCOPES:
        raise RuleError(f"{where}: scope must be one of {SCOPES}")
    phrases = raw.get("phrases") or []
    patterns = raw.get("patterns") or []
    if not phrases and not patterns:
        raise RuleError(f"{where}: needs phrases or patterns")
    if not all(isinstance(p, str) for p in [*phrases, *patterns]):
        raise RuleError(f"{where}: phrases and patterns must be strings")
    alternatives = [_phrase_source(p) for p in phrases] + [f"(?:{p})" for p in patterns]  # as _alternatives
    inline = bool(raw.get("inline", defaults.get("inline", False)))
    source = _rule_source(scope, alternatives, inline)
    # prefiltered by the bare lower-cased phrases and patterns (patterns are written in lower
    # case, which the examples test through this very path)
    case_sensitive = bool(raw.get("case_sensitive", defaults.get("case_sensitive", False)))
    # (bare: the scope wrappers' Unicode classes, repeated per rule, are what blows up a DFA)
    prefilter = None if case_sensitive else _prefilter_source(phrases, patterns)
    try:
        re2.compile(source, _options(case_sensitive))
    except re2.error as exc:
        raise RuleError(f"{where}: pattern does not compile under RE2: {exc}") from None
    examples = raw.get("examples") or {}
    match_examples = tuple(examples.get("match") or ())
    no_match_examples = tuple(examples.get("no_match") or ())
    if not match_examples or not no_match_examples:
        raise RuleError(f"{where}: needs examples.match and examples.no_match")
    score = float(raw.get("score", defaults.get("score", 0.9)))
    if not 0.0 < score <= 1.0:
        raise RuleError(f"{where}: score must be in (0, 1]")
    max_chars = raw.get("max_chars", defaults.get("max_chars"))
    opens_section = bool(raw.get("opens_section", defaults.get("opens_section", False)))
    thread_replies = bool(raw.get("thread_replies", defaults.get("thread_replies", False)))
    if thread_replies and not opens_section:
        raise RuleError(f"{where}: thread_replies says what a section header opens: it needs opens_section")
    return Rule(
        id=rule_id,
        label=label,
        description=str(raw.get("description", "")),
        scope=scope,
        pattern=source,
        phrases=tuple(phrases),
        patterns=tuple(patterns),
        prefilter=prefilter,
        languages=tuple(raw.get("languages", defaults.get("languages", ["*"]))),
        score=score,
        max_chars=int(max_chars) if max_chars is not None else None,
        opens_block=bool(raw.get("opens_block", defaults.get("opens_block", False))),
        opens_section=opens_section,
        thread_replies=thread_replies,
        opens_article=bool(raw.get("opens_article", defaults.get("opens_article", False))),
        inline=inline,
        case_sensitive=case_sensitive,
        marks_paywalled=bool(raw.get("marks_paywalled", defaults.get("marks_paywalled", True))),
        match_examples=match_examples,
        no_match_examples=no_match_examples,
        pack=pack,
    )


def _lower(text: str, encoded: bytes) -> bytes:
    """The lower-cased UTF-8 bytes (for ASCII text bytes.lower() is str.lower(), without a second
    encoding)."""
    return encoded.lower() if len(encoded) == len(text) else text.lower().encode("utf-8", "surrogatepass")


def _lower_bytes(encoded: bytes) -> bytes:
    return encoded.lower() if encoded.isascii() else _lower(encoded.decode("utf-8", "surrogatepass"), encoded)


def _alternatives(rule: Rule) -> list[str]:
    """The rule's phrases and patterns as RE2 alternatives (what its scope wraps)."""
    return [_phrase_source(p) for p in rule.phrases] + [f"(?:{p})" for p in rule.patterns]


@dataclass(frozen=True)
class _ScopeGroup:
    """The rules of one scope, found together: one pattern of all their alternatives flags the
    lines where any of them occurs; only those lines are asked which rules they hold."""

    finder: object  # compiled: every member's alternatives inside the scope's edges
    whole_line: bool  # line scope: a member's match is the whole line, so the set alone names them
    anchored: bool  # line and start scope: the set holds the members' own patterns, so it names
    # exactly the members a flagged line holds (each at most once, from the line's start)
    prefilters: object  # RE2 set naming the members a flagged line may hold (None: no member has one)
    prefiltered: tuple[int, ...]  # rule indices, in the set's order
    unfiltered: tuple[int, ...]  # rules without a prefilter: tried on every flagged line


class _Matcher:
    """Finds every rule's occurrences in a few linear RE2 passes, then locates only those.

    Rules that are case-insensitive and not inline are grouped by scope. One pattern per scope,
    every member's alternatives between the scope's edges, finds the lines where any member
    occurs (a single leftmost-first DFA stays small, where a set of the members' own patterns
    searched through the whole text would blow up). On each such line, a set of the members' own
    patterns anchored at the line's start names the line and start rules that hold there, exactly;
    an anywhere rule is named by a set of bare lower-cased phrases, and each candidate's own
    pattern then locates it. The other rules are prefiltered by one
    case-sensitive set over the lower-cased text (bare phrases: a small DFA) and a
    case-insensitive set for those that need case or hold line anchors; each candidate is then
    located in the whole text by its exact pattern.
    """

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = tuple(rules)
        self.compiled = tuple(re2.compile(r.pattern, _options(r.case_sensitive)) for r in rules)
        self.group_counts = tuple(p.groups for p in self.compiled)  # the wrapper asks RE2 on each access
        exact = _options(case_sensitive=True)
        grouped = [i for i, r in enumerate(rules) if not r.inline and not r.case_sensitive]
        self.groups = []
        for scope in SCOPES:
            members = tuple(i for i in grouped if rules[i].scope == scope)
            if not members:
                continue
            finder = re2.compile(_rule_source(scope, [a for i in members for a in _alternatives(rules[i])], False),
                                 _options(max_mem=_FINDER_MAX_MEM))
            if scope != "anywhere":  # each member's own pattern, anchored at the line's start
                group = _ScopeGroup(finder, scope == "line", True,
                                    self._set([rules[i].pattern for i in members], _options(), anchor=scope),
                                    members, ())
            else:  # bare phrases name candidates; each candidate's pattern then locates itself
                prefiltered = tuple(i for i in members if rules[i].prefilter)
                group = _ScopeGroup(finder, False, False, self._set([rules[i].prefilter for i in prefiltered], exact),
                                    prefiltered, tuple(i for i in members if not rules[i].prefilter))
            self.groups.append(group)
        searched = [i for i, r in enumerate(rules) if r.inline or r.case_sensitive]
        self.literal_index = [i for i in searched if rules[i].prefilter]
        self.pattern_index = [i for i in searched if not rules[i].prefilter]
        self.literal_set = self._set([rules[i].prefilter for i in self.literal_index], exact)
        self.pattern_set = self._set([rules[i].pattern for i in self.pattern_index], _options())

    @staticmethod
    def _set(sources: list[str], options: re2.Options, anchor: str = "anywhere"):
        if not sources:
            return None
        kind = {"line": re2.Set.FullMatchSet, "start": re2.Set.MatchSet, "anywhere": re2.Set.SearchSet}[anchor]
        compiled = kind(options)
        for source in sources:
            compiled.Add(source)
        try:
            compiled.Compile()
        except re2.error as exc:
            raise RuleError(f"the combined rule set does not compile: {exc}") from None
        return compiled

    def candidates(self, text: str, encoded: bytes) -> list[int]:
        """Which rules searched in the whole text (inline, case-sensitive) may occur in it."""
        found: set[int] = set()
        if self.literal_set is not None:
            found.update(self.literal_index[i] for i in self.literal_set.Match(_lower(text, encoded)) or ())
        if self.pattern_set is not None:
            found.update(self.pattern_index[i] for i in self.pattern_set.Match(encoded) or ())
        return sorted(found)

    def _grouped_hits(self, group: _ScopeGroup, encoded: bytes) -> list[tuple[int, int, int, tuple]]:
        """(rule index, start, end, parts) in bytes of the group's rules, found line by flagged line."""
        lines = {}  # flagged lines, start -> end, in order
        line_end = -1  # end of the last line flagged: a match before it lies on that line (none holds "\n")
        for m in checked(group.finder.finditer(encoded), "tagging"):
            at, until = m.span()  # one accessor call: each costs the wrapper a group count
            if at < line_end:
                continue  # not one backward search per match: a 5 MB line of hits made that quadratic
            start = encoded.rfind(b"\n", 0, at) + 1
            if start not in lines:
                end = encoded.find(b"\n", until)
                lines[start] = line_end = end if end >= 0 else len(encoded)
        found = []
        if group.anchored:  # the set names the members the line holds, each matched once from its start
            for start, end in lines.items():
                line = encoded[start:end]
                for k in group.prefilters.Match(line) or ():
                    index = group.prefiltered[k]
                    if group.whole_line:  # its match is the whole line
                        found.append((index, start, end, ()))
                        continue
                    m = self.compiled[index].match(line)
                    parts = [m.span(g) for g in range(1, self.group_counts[index] + 1)]
                    found.append((index, start, start + m.span()[1],
                                  tuple((start + a, start + b) for a, b in parts if a >= 0)))
            return found
        for start, end in lines.items():
            line = encoded[start:end]
            named = group.prefilters.Match(_lower_bytes(line)) or () if group.prefilters is not None else ()
            for index in (*(group.prefiltered[k] for k in named), *group.unfiltered):
                found += self._locate(index, line, start)
        return found

    def _locate(self, index: int, data: bytes, offset: int = 0) -> list[tuple[int, int, int, tuple]]:
        """(rule index, start, end, group ranges) of each match of one rule in ``data``, which lies
        at ``offset`` bytes of the text."""
        pattern = self.compiled[index]
        groups = range(1, self.group_counts[index] + 1)
        found = []
        # one span() per group: each accessor call costs a range check; the request's deadline is
        # checked every few thousand matches (a page of a million Markdown images has as many)
        for m in checked(pattern.finditer(data), "tagging"):
            start, end = m.span()
            parts = [m.span(g) for g in groups]
            found.append((index, offset + start, offset + end,
                          tuple((offset + a, offset + b) for a, b in parts if a >= 0)))
        return found

    def hits(self, text: str) -> list[Hit]:
        """Every occurrence of every rule, in character offsets, by rule and then position.

        Matching runs on the UTF-8 bytes, encoded once: the re2 wrapper would otherwise
        re-encode the text for each rule and convert each offset with a Python call. Byte
        offsets become character offsets in one vectorised step (none for ASCII text).
        """
        if not self.rules or not text:
            return []
        encoded = text.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int, int, tuple[tuple[int, int], ...]]] = []
        for group in self.groups:
            found += self._grouped_hits(group, encoded)
        for index in self.candidates(text, encoded):
            found += self._locate(index, encoded)
        found.sort(key=lambda f: (f[0], f[1]))
        if found and len(encoded) != len(text):
            found = self._to_characters(encoded, found)
        return [Hit(self.rules[index], start, end, parts) for index, start, end, parts in checked(found, "tagging")]

    @staticmethod
    def _to_characters(encoded: bytes, found: list) -> list:
        # a character starts at every byte that is not a continuation byte (10xxxxxx)
        starts = (np.frombuffer(encoded, dtype=np.uint8) & 0xC0) != 0x80
        char_at = np.concatenate(([0], np.cumsum(starts)))
        flat = [o for _, start, end, parts in found for o in (start, end, *(x for p in parts for x in p))]
        offsets = char_at[flat].tolist()
        out, i = [], 0
        for index, _, _, parts in found:
            n = 2 + 2 * len(parts)
            chunk = offsets[i:i + n]
            i += n
            out.append((index, chunk[0], chunk[1], tuple(zip(chunk[2::2], chunk[3::2], strict=True))))
        return out


class RuleSet:
    """All loaded rules, compiled once; safe to share between threads.

    Line rules label the segment they fall in; inline rules label only what they match.
    """

    def __init__(self, rules: list[Rule], version: str) -> None:
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RuleError(f"duplicate rule ids: {dupes}")
        self.rules = tuple(rules)
        self.version = version
        # paywall rules whose hit alone does not make a page paywalled (engine.paywalled)
        self.not_paywalling = frozenset(r.id for r in rules if r.label == "paywall" and not r.marks_paywalled)
        self._line = _Matcher([r for r in rules if not r.inline])
        self._inline = _Matcher([r for r in rules if r.inline])
        # each rule's own compiled pattern, as the matchers hold it (not compiled twice: ~900,000
        # instructions in all)
        self._single = {r.id: pattern for matcher in (self._line, self._inline)
                        for r, pattern in zip(matcher.rules, matcher.compiled, strict=True)}

    def line_hits(self, text: str) -> list[Hit]:
        """Occurrences of line rules (max_chars is the tagger's business: it knows the segments)."""
        return self._line.hits(text)

    def inline_hits(self, text: str) -> list[Hit]:
        return self._inline.hits(text)

    def matches_example(self, rule: Rule, line: str) -> bool:
        """Does the rule fire on this one-line example, as the taggers would apply it?"""
        if not rule.inline and rule.max_chars is not None and len(line.strip()) > rule.max_chars:
            return False
        return self._single[rule.id].search(line) is not None

    def info(self) -> list[dict]:
        return [r.info() for r in self.rules]


def load_rules(rules_dir: Path) -> RuleSet:
    """Load every ``*.yaml`` pack under ``rules_dir``; raise RuleError on any defect."""
    rules: list[Rule] = []
    digest = hashlib.sha256()
    paths = sorted(Path(rules_dir).glob("*.yaml"))
    if not paths:
        raise RuleError(f"no rule packs (*.yaml) in {rules_dir}")
    for path in paths:
        raw_bytes = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw_bytes)
        try:
            data = yaml.safe_load(raw_bytes) or {}
        except yaml.YAMLError as exc:
            raise RuleError(f"{path.name}: invalid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RuleError(f"{path.name}: expected a mapping with a 'rules' list")
        defaults = data.get("defaults") or {}
        rules.extend(_parse_rule(raw, path.stem, defaults) for raw in data["rules"])
    return RuleSet(rules, version=digest.hexdigest()[:12])


def load_word_lists(directory: Path) -> dict[str, frozenset[str]]:
    """Plain-text word lists (one lower-case word a line), keyed by file stem."""
    lists = {}
    for path in sorted(Path(directory).glob("*.txt")):
        words = (w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines())
        lists[path.stem] = frozenset(w for w in words if w and not w.startswith("#"))
    return lists
