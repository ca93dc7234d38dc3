"""Backtracking safety: every shipped rule, and the engine as a whole, take time linear in the input.

Rules are RE2 (service/rules.py), linear by construction; this checks it stays true for the
shipped packs, as the taggers run them: each rule's own pattern, and the combined sets, on
adversarial inputs built from that rule's characters and examples (100 KB runs of each
character, repeated and truncated examples, nested repetitions). Limits are relative to a
baseline measured in the same run, and growth is checked by timing 4x larger inputs (linear:
~4x; quadratic: ~16x), so a slow machine does not make it flaky. The slowest input is
printed (pytest -s). Client options never become patterns: they are checked against
fixed sets and nothing is compiled from a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import re2

from tests.conftest import cpu_time
from winnow.document import LABELS, Span
from winnow.offsets import UNITS
from winnow.render import render
from winnow.rules import RuleSet, load_rules
from winnow.segment import split_segments

SIZE = 100_000
SYNTAX = set("()[]{}?*+|^$\\.")
SLOWEST: list[tuple[float, str, str]] = []  # (seconds, rule, input name)


@pytest.fixture(scope="module")
def ruleset(settings) -> RuleSet:
    return load_rules(settings.rules_dir)


def _pattern_chars(pattern: str) -> list[str]:
    """The literal characters a pattern mentions (classes and escapes stripped of their syntax)."""
    text = re.sub(r"\\[pP]\{?\w+\}?|\\[abfnrtvdDsSwWbB]|\\x[0-9a-f]{2}", "", pattern)
    text = text.replace("?:", "").replace("(?m)", "")
    counts: dict[str, int] = {}
    for c in text.replace("\\", ""):
        if c not in SYNTAX or c in "[]()|*-":
            counts[c] = counts.get(c, 0) + 1
    return sorted(counts, key=lambda c: -counts[c])


def adversarial(rule, size: int = SIZE) -> Iterator[tuple[str, str]]:
    """Inputs aimed at ``rule``: long runs of what it matches, and near-misses repeated without end."""
    chars = _pattern_chars(rule.pattern)
    for c in chars[:40]:
        yield f"run of {c!r}", c * size
    for a, b in zip(chars[:8], chars[1:9], strict=False):
        yield f"alternating {a!r}{b!r}", (a + b) * (size // 2)
    for n, example in enumerate(rule.match_examples[:3]):
        ex = example.strip() or example
        yield f"example {n} repeated", (ex + " ") * (size // (len(ex) + 1))
        yield f"example {n} glued", ex * (size // len(ex))
        if len(ex) > 1:
            yield f"example {n} minus its last char, repeated", ex[:-1] * (size // (len(ex) - 1))
            half = ex[: len(ex) // 2]
            yield f"example {n} nested halves", half * (size // (2 * len(half))) + ex * 3
        yield f"blanks and non-words then example {n}", " -*|\t" * (size // 5) + ex
    for opener in ("[", "![", "](", "[](", "(", "| ", "* ", "-", "_", "=", "http://", "www."):
        yield f"run of {opener!r}", opener * (size // len(opener))


def _options() -> re2.Options:
    opts = re2.Options()
    opts.case_sensitive = False
    opts.never_nl = True
    opts.max_mem = 64 << 20
    return opts


def _benign(size: int, seed_text: str) -> str:
    return (" ".join(seed_text.split("\n")) * (size // len(seed_text) + 1))[:size]


@pytest.fixture(scope="module")
def seed_text() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "seeds" / "003_26a68be119fd5844.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def _report_slowest():
    yield
    if SLOWEST:
        seconds, rule, name = max(SLOWEST)
        print(f"\nslowest adversarial rule input: {rule} on {name} ({SIZE // 1000} KB): {seconds * 1000:.2f} ms")


def test_backtracking_every_rule_is_linear_on_adversarial_input(ruleset: RuleSet, seed_text: str) -> None:
    compiled = {r.id: re2.compile(r.pattern, _options()) for r in ruleset.rules}
    benign = _benign(SIZE, seed_text)

    def scan(rule_id: str, text: str) -> Callable[[], object]:
        pattern = compiled[rule_id]
        return lambda: (pattern.search(text), sum(1 for _ in pattern.finditer(text)))

    # the baseline: the slowest rule on ordinary prose of the same size, best of 3
    baseline = max(cpu_time(scan(r.id, benign), repeat=3) for r in ruleset.rules)
    # Locating an inline rule's groups is RE2's NFA over the whole match: linear, but tens of times
    # the DFA's cost per character, and prose rarely matches a rule at length. Its reference is a
    # pattern of an inline rule's shape (context, captured run, separators) matching most of the prose.
    reference = re2.compile(r"(?m)(?:^|[^\p{L}\p{N}])(\p{L}+(?:[^\p{L}\p{N}\n]+\p{L}+)*)", _options())
    captures = cpu_time(lambda: sum(1 for _ in reference.finditer(benign)), repeat=3)
    limit = max(100 * baseline, 10 * captures) + 0.05
    timings: list[tuple[float, str, str, str]] = []
    for rule in ruleset.rules:
        for name, text in adversarial(rule):
            timings.append((cpu_time(scan(rule.id, text)), rule.id, name, text))
    SLOWEST.extend((t, rid, name) for t, rid, name, _ in timings)
    print(f"\nlimit {limit:.3f} s: baseline {baseline:.4f} s, captures {captures:.4f} s")
    too_slow = [(rid, name, round(t, 4)) for t, rid, name, _ in timings if t > limit]
    assert not too_slow, f"over {limit:.3f} s (baseline {baseline:.4f} s, captures {captures:.4f} s): {too_slow[:10]}"
    # growth: the slowest inputs again at 4x the size (best of 2); linear time grows ~4x
    for _, rule_id, name, text in sorted(timings, reverse=True)[:5]:
        small = cpu_time(scan(rule_id, text), repeat=2)
        large = cpu_time(scan(rule_id, text * 4), repeat=2)
        assert large < 10 * small + 0.02, (rule_id, name, small, large)


def test_backtracking_combined_rule_sets_are_linear(ruleset: RuleSet, seed_text: str) -> None:
    """The taggers' path: one RE2 set finds candidate rules, each candidate is then located."""
    def scan(text: str) -> Callable[[], object]:
        return lambda: (ruleset.line_hits(text), ruleset.inline_hits(text))

    baseline = cpu_time(scan(_benign(SIZE, seed_text)), repeat=3)
    limit = 100 * baseline + 0.05
    inputs = {name: text for rule in ruleset.rules for name, text in adversarial(rule)}
    timings = sorted(((cpu_time(scan(text)), name, text) for name, text in inputs.items()), reverse=True)
    SLOWEST.extend((t, "(all rules)", name) for t, name, _ in timings[:3])
    too_slow = [(name, round(t, 4)) for t, name, _ in timings if t > limit]
    assert not too_slow, f"over {limit:.3f} s (baseline {baseline:.4f} s): {too_slow[:10]}"
    for _, name, text in timings[:3]:
        small = cpu_time(scan(text), repeat=2)
        large = cpu_time(scan(text * 4), repeat=2)
        assert large < 10 * small + 0.02, (name, small, large)


# The engine's own Python regexes (segmenter, taggers, renderer) run on the same text; `re`
# backtracks, so whole documents are checked for growth too. Each input at n and 4n characters.
ENGINE_INPUTS: dict[str, Callable[[int], str]] = {
    "prose line": lambda n: ("The council met on Tuesday and voted. " * n)[:n],
    "run of [": lambda n: "[" * n,
    "unclosed links": lambda n: "[a](" * (n // 4),
    "nested parens in a link": lambda n: "[a](" + "(" * (n - 5) + ")",
    "run of pipes": lambda n: "a|" * (n // 2),
    "pipes and words": lambda n: "| Home | News " * (n // 14),
    "sentence ends": lambda n: 'End." ' * (n // 6),
    "many short lines": lambda n: "ab\n" * (n // 3),
    "markdown images": lambda n: "![](x) " * (n // 7),
    "words without spaces": lambda n: "x" * n,
}


@pytest.mark.parametrize("name", list(ENGINE_INPUTS))
def test_backtracking_engine_grows_linearly(engine, name: str) -> None:
    """4x the input, ~4x the time (quadratic would be ~16x): the whole pipeline, as the API runs it."""
    small, large = ENGINE_INPUTS[name](20_000), ENGINE_INPUTS[name](80_000)
    t_small = cpu_time(lambda: engine.clean(small), repeat=3)
    t_large = cpu_time(lambda: engine.clean(large), repeat=2)
    assert t_large < 10 * t_small + 0.05, f"{name}: {t_small:.3f} s at 20 K, {t_large:.3f} s at 80 K"


# The engine's own `re` patterns over blanks: a long run of blanks not followed by what the pattern
# wants once made `re` retry the run from every position (quadratic: 20,000 blanks took 4 s).
# service/render.py _TRAILING_BLANKS on kept text, service/segment.py _INNER_PIPE on a line with a pipe.
BLANK_RUNS: dict[str, Callable[[str], object]] = {
    "render: blanks inside a kept line": lambda text: render(text, (Span(0, len(text), "content", 1.0, "t"),),
                                                             frozenset({"content"})),
    "segment: blanks on a line with a pipe": lambda text: split_segments(text + "b|c"),
}


@pytest.mark.parametrize("name", list(BLANK_RUNS))
def test_backtracking_engine_blank_runs(name: str) -> None:
    run = BLANK_RUNS[name]
    small, large = "a" + " " * 2_000 + "b", "a" + " " * 8_000 + "b"
    t_small, t_large = cpu_time(lambda: run(small), repeat=3), cpu_time(lambda: run(large), repeat=1)
    assert t_large < 10 * t_small + 0.05, f"{name}: {t_small:.3f} s at 2 K, {t_large:.3f} s at 8 K"


# --- client options never become patterns ---------------------------------------------------------------

def test_backtracking_options_are_closed_sets(client) -> None:
    """Only fixed values pass: a pattern in keep or offsets is refused before any matching."""
    for keep in (["(a+)+$"], ["content|.*"], ["content", "(?i)x"], [".*"]):
        assert client.post("/v1/clean", json={"text": "a", "options": {"keep": keep}}).status_code == 422
    for offsets in ("(a+)+", "utf8|utf16", ".*", "UTF8"):
        assert client.post("/v1/clean", json={"text": "a", "options": {"offsets": offsets}}).status_code == 422
    for label in LABELS:
        assert client.post("/v1/clean", json={"text": "a", "options": {"keep": [label]}}).status_code == 200
    for unit in UNITS:
        assert client.post("/v1/clean", json={"text": "a", "options": {"offsets": unit}}).status_code == 200


def test_backtracking_nothing_is_compiled_from_a_request(client, monkeypatch) -> None:
    """Every pattern is compiled at boot; a request's text, url or options never reach a compiler."""
    compiled: list[str] = []
    originals = {"re": re._compile, "re2": re2.compile}

    def spy_re(pattern, flags):
        compiled.append(str(pattern))
        return originals["re"](pattern, flags)

    def spy_re2(pattern, *args, **kwargs):
        compiled.append(str(pattern))
        return originals["re2"](pattern, *args, **kwargs)

    monkeypatch.setattr(re, "_compile", spy_re)
    monkeypatch.setattr(re2, "compile", spy_re2)
    marker = "(x+x+)+yMARKER"
    for payload in ({"text": f"Advertisement\n{marker}\n{marker} [a](b) | c", "url": marker,
                     "options": {"keep": ["content", "ad"], "offsets": "utf16", "spans": True}},
                    {"html": f"<title>{marker}</title><p>{marker}</p>", "url": marker}):
        assert client.post("/v1/clean", json=payload).status_code == 200
    assert not [p for p in compiled if "MARKER" in p]
