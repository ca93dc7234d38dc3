"""Every shipped rule's examples run as tests; bad packs fail at load; matching stays linear."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winnow.config import DEFAULT_RULES_DIR
from winnow.rules import RuleError, load_rules

RULES = load_rules(DEFAULT_RULES_DIR)


@pytest.mark.parametrize("rule", RULES.rules, ids=[r.id for r in RULES.rules])
def test_rules_examples(rule) -> None:
    for example in rule.match_examples:
        assert RULES.matches_example(rule, example), f"{rule.id} should match {example!r}"
    for example in rule.no_match_examples:
        assert not RULES.matches_example(rule, example), f"{rule.id} should not match {example!r}"


@pytest.mark.parametrize("rule", RULES.rules, ids=[r.id for r in RULES.rules])
def test_rules_match_examples_survive_the_prefilter(rule) -> None:
    """The combined sets only preselect; a rule they miss would never fire, so check the full path."""
    for example in rule.match_examples:
        hits = RULES.inline_hits(example) if rule.inline else RULES.line_hits(example)
        assert any(h.rule.id == rule.id for h in hits), f"{rule.id}: {example!r} lost by the prefilter"


def test_rules_anywhere_rules_are_bounded_by_length() -> None:
    for rule in RULES.rules:
        if rule.scope == "anywhere" and not rule.inline:
            assert rule.max_chars, f"{rule.id}: an 'anywhere' rule needs max_chars"


GOOD_RULE = """
  - id: ad.test
    label: ad
    phrases: [advertisement]
    examples: {match: [Advertisement], no_match: [prose about adverts]}
"""


def _pack(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pack.yaml").write_text("rules:" + body, encoding="utf-8")
    return tmp_path


def test_rules_load_a_valid_pack(tmp_path: Path) -> None:
    assert [r.id for r in load_rules(_pack(tmp_path, GOOD_RULE)).rules] == ["ad.test"]


@pytest.mark.parametrize(
    "body,message",
    [
        (GOOD_RULE.replace("label: ad", "label: adverts"), "unknown label"),
        (GOOD_RULE.replace("    examples: {match: [Advertisement], no_match: [prose about adverts]}\n", ""),
         "examples"),
        (GOOD_RULE + GOOD_RULE, "duplicate"),
        (GOOD_RULE.replace("phrases: [advertisement]", "patterns: ['(a)\\1']"), "RE2"),
        (GOOD_RULE.replace("phrases: [advertisement]", "phrases: [advertisement]\n    colour: red"), "unknown keys"),
        (GOOD_RULE.replace("phrases: [advertisement]", "scope: everywhere\n    phrases: [advertisement]"), "scope"),
        (GOOD_RULE.replace("phrases: [advertisement]", "thread_replies: true\n    phrases: [advertisement]"),
         "needs opens_section"),
    ],
)
def test_rules_reject_bad_packs(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        load_rules(_pack(tmp_path, body))


def test_rules_a_section_header_may_open_a_thread_of_replies(tmp_path: Path) -> None:
    body = GOOD_RULE.replace("phrases: [advertisement]", "opens_section: true\n    phrases: [advertisement]")
    (plain,) = load_rules(_pack(tmp_path, body)).rules
    assert plain.opens_section and not plain.thread_replies
    body = body.replace("opens_section: true", "opens_section: true\n    thread_replies: true")
    (thread,) = load_rules(_pack(tmp_path, body)).rules
    assert thread.thread_replies and thread.info()["thread_replies"] is True


def test_rules_of_equal_score_the_first_listed_names_the_line() -> None:
    """A blog's dated comment head ("name on date at time said:") is also a forum quote's shape
    ("name said:"); the article-comment rule is listed first and names it, as the resolver takes
    the first of equally scored rule spans of a segment."""
    line = "Alex on September 17, 2018 at 6:34 am said:"
    assert [h.rule.id for h in RULES.line_hits(line)] == ["comments.author_says", "comments.quote_header"]
    assert [h.rule.id for h in RULES.line_hits("PeterT said:")] == ["comments.quote_header"]


def test_rules_empty_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(RuleError):
        load_rules(tmp_path)


ADVERSARIAL = ["a" * 100_000, "[" * 100_000, "(" * 100_000, "![](" * 25_000, "a " * 50_000,
               "$1 " * 33_000, "| " * 50_000, "-" * 100_000, ("[a](" * 10 + ")" * 10) * 2_000,
               "\n".join(["Advertisement x"] * 6_000), "©" * 100_000]


def test_rules_match_adversarial_input_in_bounded_time() -> None:
    slowest = 0.0
    for text in ADVERSARIAL:
        t0 = time.perf_counter()
        RULES.line_hits(text)
        RULES.inline_hits(text)
        slowest = max(slowest, time.perf_counter() - t0)
    print(f"slowest adversarial input: {slowest * 1000:.1f} ms")
    assert slowest < 2.0  # RE2 is linear; generous bound for a shared CI machine


def _adversarial_for(rule) -> list[str]:
    """~100 KB lines built from what the rule's phrases and patterns are made of, plus generic traps."""
    source = " ".join([*rule.match_examples, rule.pattern])
    classes = {"a": any(c.isalpha() for c in source), "1": any(c.isdigit() for c in source),
               " ": True, "[": True, "(": True, "|": True, "-": True, "_": True, ":": True, "*": True}
    units = [c for c, used in classes.items() if used]
    units += sorted({c for c in source if not c.isalnum() and not c.isspace()})[:20]
    texts = [unit * 20_000 for unit in units]
    texts += ["a " * 50_000, "$1 " * 33_000, "| " * 50_000, "[" * 100_000, "(" * 100_000]
    texts += [(ex + " ") * (100_000 // (len(ex) + 1)) for ex in rule.match_examples[:2]]
    texts += ["\n".join([ex] * (100_000 // (len(ex) + 1))) for ex in rule.match_examples[:2]]
    return texts


def _best_time(run, text: str, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        run(text)
        best = min(best, time.perf_counter() - t0)
    return best


def test_rules_each_rule_is_linear_on_adversarial_lines() -> None:
    """Every shipped rule alone, over ~100 KB adversarial lines of its own characters: linear time.

    The slowest inputs are timed again at a tenth of their size: ten times the input must cost
    about ten times the time (a quadratic rule costs a hundred), a ratio that holds on a loaded
    machine where an absolute bound does not. A generous absolute bound still catches a hang."""
    from winnow.rules import RuleSet

    timings = []
    for rule in RULES.rules:
        single = RuleSet([rule], version="adversarial")
        run = single.inline_hits if rule.inline else single.line_hits
        worst = (0.0, rule.id, run, "")
        for text in _adversarial_for(rule):
            t0 = time.perf_counter()
            run(text)
            worst = max(worst, (time.perf_counter() - t0, rule.id, run, text), key=lambda t: t[0])
        timings.append(worst)  # each rule's slowest input only: the inputs are 100 KB each
    timings.sort(key=lambda t: t[0], reverse=True)
    for _, rule_id, run, text in timings[:5]:
        whole, tenth = _best_time(run, text), _best_time(run, text[:len(text) // 10])
        print(f"{rule_id}: {whole * 1000:.1f} ms on {len(text)} chars, {tenth * 1000:.1f} ms on a tenth")
        assert whole < 2.0, f"{rule_id} took {whole:.2f} s on a 100 KB adversarial line"
        assert whole < 30 * max(tenth, 1e-3), f"{rule_id}: {whole:.3f} s on 100 KB, {tenth:.4f} s on 10 KB"


def test_rules_anywhere_examples_respect_max_chars() -> None:
    """Scope-anywhere rules carry max_chars, and their match examples fit within it."""
    for rule in RULES.rules:
        if rule.scope != "anywhere" or rule.inline:
            continue
        assert rule.max_chars, f"{rule.id}: an 'anywhere' rule needs max_chars"
        for example in rule.match_examples:
            assert len(example.strip()) <= rule.max_chars, f"{rule.id}: {example!r} exceeds max_chars"


def test_rules_prefilter_finds_everything_the_exact_patterns_find() -> None:
    """Over a page of chaff in varied case and position, the two-pass matcher equals rule-by-rule matching."""
    import re2

    from winnow.rules import _options

    lines = [ex for r in RULES.rules if not r.inline for ex in r.match_examples]
    text = "\n".join(lines + [ln.upper() for ln in lines] + ["  " + ln + "  " for ln in lines])
    expected = {(r.id, m.start()) for r in RULES.rules if not r.inline
                for m in re2.compile(r.pattern, _options(r.case_sensitive)).finditer(text)}
    got = {(h.rule.id, h.start) for h in RULES.line_hits(text)}
    assert got == expected


@pytest.mark.parametrize("prefix", ["", "Zürich — 東京 🙂 naïve\n", "\ud83d lone surrogate\n"])
def test_rules_hits_are_in_character_offsets_whatever_the_script(prefix: str) -> None:
    """Matching runs on UTF-8 bytes; the offsets, group ranges included, are the wrapper's own str offsets."""
    examples = [ex for r in RULES.rules for ex in r.match_examples]
    text = prefix + "\n".join(f"{ex} · ü 😀 {ex}" for ex in examples)
    for hits, inline in ((RULES.line_hits(text), False), (RULES.inline_hits(text), True)):
        expected = _rule_by_rule(text, inline)
        assert {(h.rule.id, h.start, h.end, h.parts) for h in hits} == expected
        assert expected


def _rule_by_rule(text: str, inline: bool) -> set[tuple]:
    """What each rule's own pattern finds over the whole text, one rule at a time (the definition)."""
    import re2

    from winnow.rules import _options

    found = set()
    probe = text.encode("utf-8", "replace").decode("utf-8")  # the wrapper's view of lone surrogates
    for r in RULES.rules:
        if r.inline != inline:
            continue
        pattern = re2.compile(r.pattern, _options(r.case_sensitive))
        for m in pattern.finditer(probe):
            parts = tuple(m.span(g) for g in range(1, pattern.groups + 1) if m.start(g) >= 0)
            found.add((r.id, m.start(), m.end(), parts))
    return found


_FRAGMENTS = sorted({ex for r in RULES.rules for ex in r.match_examples + r.no_match_examples})


@settings(max_examples=int(os.environ.get("WINNOW_HYPOTHESIS_EXAMPLES", "150")), deadline=None)
@given(pieces=st.lists(st.one_of(
    st.sampled_from(_FRAGMENTS),
    st.sampled_from(_FRAGMENTS).map(str.upper),
    st.sampled_from(_FRAGMENTS).map(lambda s: s[: len(s) // 2]),
    st.text(alphabet=" \t\xa0|•·—-*#>:.,!?()[]©ÜüßẞſKıİσςΣ😀\r", max_size=6),
    st.text(max_size=20),
), max_size=30), joiners=st.lists(st.sampled_from(["\n", " ", "", "\n\n", " | ", "\r\n"]), min_size=30, max_size=30))
def test_rules_grouped_matching_equals_rule_by_rule_matching(pieces: list[str], joiners: list[str]) -> None:
    """Scope groups, flagged lines and sets are only a faster way to the same hits: for any text
    made of rule examples, their halves, upper-cased copies, edge punctuation and any Unicode,
    the matcher finds exactly what every rule's own pattern finds in the whole text."""
    text = "".join(p + j for p, j in zip(pieces, joiners, strict=False))
    for hits, inline in ((RULES.line_hits(text), False), (RULES.inline_hits(text), True)):
        assert {(h.rule.id, h.start, h.end, h.parts) for h in hits} == _rule_by_rule(text, inline)


def test_rules_case_sensitive_rule_needs_its_capitals() -> None:
    """`case_sensitive: true` is honoured: a dateline is capitals, the same words in lower case are not one."""
    dateline = next(r for r in RULES.rules if r.id == "content.dateline")
    assert dateline.case_sensitive
    line = "BEIJING (AP) — Russian President Vladimir Putin met Kim."
    assert any(h.rule.id == dateline.id for h in RULES.line_hits(line))
    assert not any(h.rule.id == dateline.id for h in RULES.line_hits(line.lower()))
    assert not RULES.matches_example(dateline, line.lower())


def test_rules_opens_article_is_read_from_the_pack(tmp_path: Path) -> None:
    plain = load_rules(_pack(tmp_path, GOOD_RULE)).rules[0]
    assert not plain.opens_article and plain.info()["opens_article"] is False
    pack = GOOD_RULE.replace("phrases: [advertisement]", "phrases: [advertisement]\n    opens_article: true")
    opener = load_rules(_pack(tmp_path, pack)).rules[0]
    assert opener.opens_article and opener.info()["opens_article"] is True
