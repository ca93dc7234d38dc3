"""Linear time for every pattern the engine compiles, and for the whole engine on the same inputs.

The rules are RE2 and fuzzed in test_rule_backtracking.py; this covers the engine's own patterns,
whatever module they live in: the test walks the ``winnow`` package, imports each module and takes
every compiled pattern (``re`` or ``re2``) it holds at module or class level, and checks the walk
against the source (every ``re.compile`` assigned at module level is found; literal patterns passed
to ``re.finditer`` and the like inside functions are compiled and fuzzed too).

Each pattern is run (``finditer`` to the end: what ``search``, ``sub`` and ``findall`` cost at most)
on adversarial inputs built from its own syntax tree: its literal prefix repeated, its literal
characters repeated with and without the last one (a closing bracket missing), the prefix with
nothing closing it, runs and alternations of every character it names, nested brackets, long lines.
All are screened at 16 K characters; the three slowest for each pattern are then timed at 1 MB
(the quadratic ones once took minutes there), after a growth check at 16 K and 64 K that stops a
quadratic pattern before it hangs the suite. The slowest input of each pattern is printed
(``pytest -s``). Times are this thread's CPU time with the garbage collector off, so other
processes on a shared machine do not count.

The engine then cleans, in-process, the slowest input of every pattern and the hostile inputs of
bench/hostile.py at 1 MB: at most 1 s per MB for each.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import pkgutil
import random
import re
import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import re2

import winnow
from bench.hostile import hostile_inputs
from tests.conftest import cpu_time
from winnow.answer import CleanRequest, build_answer
from winnow.config import Settings
from winnow.document import KEPT_LABELS_DEFAULT, Segment
from winnow.errors import ProblemError
from winnow.html import html_to_text
from winnow.model import silver
from winnow.segment import Sentences, more_segments_than, split_segments
from winnow.text import BLANKS, SENTENCE_BREAK, markdown_bracketed_images, markdown_images, markdown_links

ROOT = Path(__file__).resolve().parent.parent
SIZE = 1 << 20  # characters: "1 MB" of ASCII
SCREEN = 1 << 12  # the screening size: a quadratic pattern shows at once, and costs little
SCREEN_LIMIT_S = 0.02  # one pattern over SCREEN characters: linear ones take under 1 ms (5 s per MB)
PATTERN_LIMIT_S = 1.0  # one pattern over 1 MB of its worst input (linear ones: under 0.2 s)
ENGINE_LIMIT_S = 1.0  # the whole request path in-process, per MB
ENGINE_S_PER_ITEM = 20e-6  # and per segment, residue span, rule hit or HTML tag (measured: 5-16 us)
# modules not imported: what importing them does is not theirs to do twice (checked: they compile nothing)
NOT_IMPORTED = {"winnow.gunicorn_conf": "sets up the Prometheus multiprocess directory on import"}
_RE2_TYPE = type(re2.compile("a"))
_CATEGORY_CHARS = {
    sre_constants.CATEGORY_DIGIT: "7", sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_SPACE: " ", sre_constants.CATEGORY_NOT_SPACE: "a",
    sre_constants.CATEGORY_WORD: "a", sre_constants.CATEGORY_NOT_WORD: "!",
    sre_constants.CATEGORY_LINEBREAK: "\n", sre_constants.CATEGORY_NOT_LINEBREAK: "a",
}
_BRACKETS = ("()", "[]", "{}", "<>")
SLOWEST: dict[str, tuple[float, str]] = {}  # pattern -> (seconds at 1 MB, input)


# --- finding the patterns -------------------------------------------------------------------------------

def _is_pattern(value: object) -> bool:
    return isinstance(value, re.Pattern | _RE2_TYPE)


def _module_names() -> list[str]:
    names = ["winnow"]
    names += [m.name for m in pkgutil.walk_packages(winnow.__path__, "winnow.")]
    return sorted(names)


def _source_of(module_name: str) -> Path:
    return Path(importlib.util.find_spec(module_name).origin)  # winnow's modules live in service/


def compiled_patterns() -> dict[str, re.Pattern]:
    """Every compiled pattern held by a module of ``winnow`` (or a class in it), by the name it is
    defined under (``re`` caches compiled patterns: two modules compiling ``\\w+`` hold one object)."""
    found: dict[str, object] = {}
    imported: dict[int, tuple[str, object]] = {}
    for name in _module_names():
        if name in NOT_IMPORTED:
            continue
        module = importlib.import_module(name)
        holders = [(name, vars(module))]
        holders += [(f"{name}.{k}", vars(v)) for k, v in vars(module).items()
                    if isinstance(v, type) and v.__module__ == name]
        source = _source_of(name).read_text(encoding="utf-8")
        for holder, namespace in holders:
            for key, value in namespace.items():
                values = value if isinstance(value, tuple | list) else (value,)
                for v in values:
                    if not _is_pattern(v):
                        continue
                    if re.search(rf"^\s*{re.escape(key)}\s*[:=]", source, re.M):
                        found[f"{holder}.{key}"] = v
                    else:
                        imported.setdefault(id(v), (f"{holder}.{key}", v))
    defined = {id(v) for v in found.values()}
    found.update({label: v for key, (label, v) in imported.items() if key not in defined})
    return found


def unique_patterns() -> dict[str, object]:
    """One entry per distinct pattern object, named by every name it has."""
    names: dict[int, list[str]] = {}
    objects: dict[int, object] = {}
    patterns = compiled_patterns()
    patterns.update(literal_patterns_in_source()[1])
    for label, v in sorted(patterns.items()):
        names.setdefault(id(v), []).append(label)
        objects[id(v)] = v
    return {" = ".join(names[k]): objects[k] for k in names}


_CALLS = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"}


def literal_patterns_in_source() -> tuple[set[str], dict[str, re.Pattern]]:
    """(names assigned a compiled pattern at module level, patterns written inline in calls), from the AST."""
    assigned: set[str] = set()
    inline: dict[str, re.Pattern] = {}
    for path in sorted((ROOT / "service").rglob("*.py")):
        parts = ("winnow", *path.relative_to(ROOT / "service").with_suffix("").parts)  # service/ is `winnow`
        module = ".".join(parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                func = node.value.func
                if isinstance(func, ast.Attribute) and func.attr == "compile" and \
                        isinstance(func.value, ast.Name) and func.value.id in ("re", "re2"):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    assigned.update(f"{module}.{t.id}" for t in targets if isinstance(t, ast.Name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CALLS \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                if node.func.attr != "compile":  # compile calls are found as objects
                    inline[f"{module}:{node.lineno}"] = re.compile(node.args[0].value)
    return assigned, inline


# --- adversarial inputs ---------------------------------------------------------------------------------

def _walk(items, literals: list[str], chars: list[str]) -> None:
    """Collect the literal characters (in order) and every character a pattern names or classes over."""
    for op, arg in items:
        if op is sre_constants.LITERAL:
            literals.append(chr(arg))
            chars.append(chr(arg))
        elif op is sre_constants.NOT_LITERAL:
            chars += [chr(arg), "x"]
        elif op is sre_constants.IN:
            for kind, value in arg:
                if kind is sre_constants.LITERAL:
                    chars.append(chr(value))
                elif kind is sre_constants.RANGE:
                    chars += [chr(value[0]), chr(value[1])]
                elif kind is sre_constants.CATEGORY:
                    chars.append(_CATEGORY_CHARS.get(value, "a"))
                elif kind is sre_constants.NEGATE:
                    chars.append("x")
        elif op is sre_constants.CATEGORY:
            chars.append(_CATEGORY_CHARS.get(arg, "a"))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            _walk(arg[2], literals, chars)
        elif op is sre_constants.SUBPATTERN:
            _walk(arg[3], literals, chars)
        elif op is sre_constants.ATOMIC_GROUP:
            _walk(arg, literals, chars)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _walk(arg[1], literals, chars)
        elif op is sre_constants.BRANCH:
            for branch in arg[1]:
                _walk(branch, literals, chars)
        elif op is sre_constants.GROUPREF_EXISTS:
            _walk(arg[1], literals, chars)
            if arg[2]:
                _walk(arg[2], literals, chars)


def _syntax(pattern) -> tuple[str, str, list[str]]:
    """(literal prefix, literal characters in order, characters the pattern names), from its syntax tree."""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode()
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    try:
        tree = list(sre_parse.parse(source, flags))
    except re.error:  # RE2 syntax Python cannot read: the characters of the source will do
        plain = re.sub(r"\\[pP]\{?\w+\}?|\\.", "", source)
        chars = [c for c in plain if c not in "?*+{}^$."]
        return (chars[:1] or ["a"])[0], "".join(dict.fromkeys(chars)), list(dict.fromkeys(chars + ["\n"]))
    prefix = ""
    for op, arg in tree:
        if op is not sre_constants.LITERAL:
            break
        prefix += chr(arg)
    literals: list[str] = []
    chars: list[str] = []
    _walk(tree, literals, chars)
    chars = list(dict.fromkeys(chars + ["\n", " "]))
    return prefix or chars[0], "".join(dict.fromkeys(literals)), chars


def adversarial(pattern, n: int) -> Iterator[tuple[str, str]]:
    """(name, text of about ``n`` characters): inputs aimed at ``pattern``."""
    prefix, literals, chars = _syntax(pattern)
    yield f"{prefix!r} repeated", prefix * (n // len(prefix))
    yield f"{prefix!r} then nothing that closes it", prefix + "x" * (n - len(prefix))
    if literals:
        yield f"{prefix!r} repeated, then {literals!r}", prefix * ((n - len(literals)) // len(prefix)) + literals
        yield f"{literals!r} repeated", literals * (n // len(literals))
        if len(literals) > 1:
            yield f"{literals[:-1]!r} repeated (the last missing)", literals[:-1] * (n // (len(literals) - 1))
    for c in chars:
        yield f"run of {c!r}", c * n
    head = chars[:8]
    for a in head:
        for b in head:
            if a != b:
                yield f"{a!r}{b!r} alternating", (a + b) * (n // 2)
                yield f"{a!r} run then {b!r} run", a * (n // 2) + b * (n // 2)
    for pair in _BRACKETS:
        if pair[0] in chars or pair[1] in chars:
            yield f"nested {pair}", pair[0] * (n // 2) + pair[1] * (n // 2)
            yield f"{prefix!r} then nested {pair[0]!r} unclosed", prefix + pair[0] * (n - len(prefix))
    yield "a long line of words", ("word " * (n // 5 + 1))[:n]
    yield "a long word", "w" * n


def _scan(pattern, text: str) -> Callable[[], object]:
    def run() -> int:
        count = 0
        for _ in pattern.finditer(text):
            count += 1
        return count
    return run


# --- the tests ------------------------------------------------------------------------------------------

PATTERNS = unique_patterns()


def test_linear_patterns_the_walk_finds_every_pattern_in_the_source() -> None:
    assigned, inline = literal_patterns_in_source()
    found = compiled_patterns()
    assert assigned and assigned <= set(found), sorted(assigned - set(found))
    assert "winnow.taggers.quality._WORD" in found and "winnow.text.SENTENCE_BREAK" in found
    for name in NOT_IMPORTED:
        source = _source_of(name).read_text(encoding="utf-8")
        assert "compile(" not in source and "import re" not in source, name
    assert len(PATTERNS) >= 20, sorted(PATTERNS)


@pytest.fixture(scope="module", autouse=True)
def _report_slowest():
    yield
    if SLOWEST:
        print(f"\nslowest adversarial input of each pattern, {SIZE >> 20} MB, CPU time:")
        for name, (seconds, what) in sorted(SLOWEST.items(), key=lambda kv: -kv[1][0]):
            print(f"  {seconds * 1000:8.1f} ms  {name}  on {what}")


# --- the linear rewrites give what the plain versions gave -------------------------------------------------

# the patterns as they were (quadratic): the scanners of service/text.py must match exactly what they match
PLAIN_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
PLAIN_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
PLAIN_BRACKETED_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)")


def _same_matches(text: str) -> None:
    def found(matches, group: bool) -> list:
        return [(m.span(), m.span(1) if group else None, m.group(1) if group else None) for m in matches]

    assert found(markdown_images(text), False) == found(PLAIN_IMAGE.finditer(text), False), text
    assert found(markdown_links(text), True) == found(PLAIN_LINK.finditer(text), True), text
    assert found(markdown_bracketed_images(text), False) == found(PLAIN_BRACKETED_IMAGE.finditer(text), False), text
    assert silver._without(text, markdown_bracketed_images, "") == PLAIN_BRACKETED_IMAGE.sub("", text)
    assert silver._without(text, markdown_links, None) == PLAIN_LINK.sub(r"\1", text)


def test_linear_patterns_markdown_scanners_match_exactly_the_plain_patterns() -> None:
    """Every string of up to 6 characters over the syntax's alphabet, then random longer ones."""
    alphabet = "![]()\nx"
    for size in range(7):
        for chars in itertools.product(alphabet, repeat=size):
            _same_matches("".join(chars))
    rng = random.Random(25)
    for _ in range(20_000):
        _same_matches("".join(rng.choice(alphabet + " a") for _ in range(rng.randrange(80))))


def _plain_sentence_at(text: str, segment: Segment, position: int) -> tuple[int, int]:
    """sentence_at as it was: one scan of the segment's breaks per question."""
    start, end = segment.start, segment.end
    for m in SENTENCE_BREAK.finditer(text, segment.start, segment.end):
        if m.end() <= position:
            start = m.end()
        else:
            end = min(end, m.end())
            break
    piece = text[start:end]
    stripped = piece.strip(BLANKS)
    if not stripped:
        return start, start
    lead = len(piece) - len(piece.lstrip(BLANKS))
    return start + lead, start + lead + len(stripped)


def test_linear_patterns_sentences_and_the_segment_count_are_exact() -> None:
    rng = random.Random(26)
    for _ in range(3_000):
        text = "".join(rng.choice("ab .!?\"”) \xa0\u200b|\n") for _ in range(rng.randrange(60)))
        segments = split_segments(text)
        sentences = Sentences(text)
        for segment in segments:
            for position in range(segment.start, segment.end + 1):
                assert sentences.at(segment, position) == _plain_sentence_at(text, segment, position), text
        for limit in range(8):
            assert more_segments_than(text, limit) == (len(segments) > limit), (text, limit)


def _screen(pattern) -> list[tuple[float, str]]:
    """(seconds, input name) of every adversarial input at the screening size, slowest first."""
    return sorted(((cpu_time(_scan(pattern, text)), what) for what, text in adversarial(pattern, SCREEN)),
                  reverse=True)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_linear_patterns_each_pattern_is_linear_on_adversarial_input(name: str) -> None:
    pattern = PATTERNS[name]
    screened = _screen(pattern)
    slow = [(what, round(t, 4)) for t, what in screened if t > SCREEN_LIMIT_S]
    assert not slow, f"{name} is slow on {SCREEN} characters (over {SCREEN_LIMIT_S} s): {slow[:5]}"
    worst: tuple[float, str] = (0.0, "")
    small, grown, full = (dict(adversarial(pattern, n)) for n in (SCREEN, 4 * SCREEN, SIZE))
    for _, what in screened[:3]:
        t_small = cpu_time(_scan(pattern, small[what]), repeat=3)
        t_grown = cpu_time(_scan(pattern, grown[what]), repeat=2)
        assert t_grown < 10 * t_small + 0.005, \
            f"{name} grows faster than linearly on {what}: {t_small:.4f} s at 4 K, {t_grown:.4f} s at 16 K"
        seconds = cpu_time(_scan(pattern, full[what]))
        worst = max(worst, (seconds, what))
        assert seconds < PATTERN_LIMIT_S, f"{name} on {what}: {seconds:.3f} s for {SIZE} characters"
    SLOWEST[name] = worst


# HTML shapes of about n characters: the parse and the rendering walk (a row of 40,000 blank cells once
# took 25 s: each cell looked through the row's pieces so far)
HTML_SHAPES: dict[str, Callable[[int], str]] = {
    "a table row of blank cells": lambda n: "<table><tr>" + "<td> </td>" * (n // 10) + "</tr></table>",
    "table rows": lambda n: "<table>" + "<tr><td>x</td></tr>" * (n // 18) + "</table>",
    "inline tags in one paragraph": lambda n: "<p>" + "<b>a</b> " * (n // 9) + "</p>",
    "line breaks": lambda n: "<br>" * (n // 4),
    "nested spans": lambda n: "<span>" * (n // 6) + "x",
    "nested list items": lambda n: "<ul><li>" * (n // 8) + "x",
    "comments": lambda n: "<!--x-->" * (n // 8),
    "lines in <pre>": lambda n: "<pre>" + "a\n" * (n // 2) + "</pre>",
    "entities": lambda n: "<p>" + "&amp;" * (n // 5) + "</p>",
}


def engine_inputs(rules) -> dict[str, tuple[str, str]]:
    """(kind, document) by name: the slowest screened input of every pattern at 1 MB, every rule's first
    example glued into one long line and set one per line (a phrase hit is a sentence search in its
    line: per hit, that once made 600 KB on one line take 40 s), and the inputs of bench/hostile.py."""
    inputs: dict[str, tuple[str, str]] = {}
    for name, pattern in PATTERNS.items():
        what = _screen(pattern)[0][1]
        text = dict(adversarial(pattern, SIZE))[what]
        inputs.setdefault(text, (f"{what} ({name.split(' = ')[0]})", "text"))
    examples = [r.match_examples[0].strip() for r in rules.rules if r.match_examples]
    glued, lines = " ".join(examples) + " ", "\n".join(examples) + "\n"
    inputs.setdefault((glued * (SIZE // len(glued) + 1))[:SIZE], ("every rule's example, on one line", "text"))
    inputs.setdefault((lines * (SIZE // len(lines) + 1))[:SIZE], ("every rule's example, one a line", "text"))
    for name, kind, document in hostile_inputs():
        inputs.setdefault(document, (f"{name} ({kind})", kind))
    for name, make in HTML_SHAPES.items():
        inputs.setdefault(make(SIZE), (f"{name} (html)", "html"))
    return {name: (kind, text) for text, (name, kind) in inputs.items()}


def _items(engine, kind: str, document: str) -> int:
    """What the engine's cost grows with besides characters: segments, residue spans and line-rule hits
    (and for HTML, its tags): each is a Python object or more on the way through every stage."""
    text = html_to_text(document) if kind == "html" else document
    doc = engine.document(text)
    tags = document.count("<") if kind == "html" else 0
    return tags + len(doc.segments) + len(doc.proposals.get("residue", [])) + len(doc.proposals.get("lines", []))


def test_linear_patterns_the_engine_takes_at_most_a_second_per_mb(engine) -> None:
    """The request's path in-process (HTML rendering, the limits of the shipped settings, the engine,
    the answer) gives its answer or its refusal (422) within 1 s per MB of input (a smaller input
    counts as 1 MB). A text made of tiny items (a million Markdown images, 100,000 one-character
    lines) pays for each: it may take ENGINE_S_PER_ITEM more for each segment, residue span, rule hit
    and HTML tag, an allowance that no per-item rescan (the cost growing with the line, not the item)
    stays within. The slowest inputs are then timed at a quarter of their size: linear, ~4x."""
    limits = Settings()

    def request(kind: str, document: str, outcome: list[str]) -> Callable[[], None]:
        req = CleanRequest(document if kind == "text" else None, document if kind == "html" else None,
                           KEPT_LABELS_DEFAULT, "codepoint", True)

        def run() -> None:
            try:
                build_answer(engine, req, limits.max_text_chars, None, limits.max_spans, limits.max_segments)
                outcome.append("200")
            except ProblemError as exc:
                outcome.append(f"{exc.status} {exc.slug}")
        return run

    timings = []
    for name, (kind, document) in engine_inputs(engine.rules).items():
        answered: list[str] = []
        seconds = cpu_time(request(kind, document, answered))
        outcome = answered[0]
        limit = ENGINE_LIMIT_S * max(len(document) / SIZE, 1.0)
        if seconds > limit:
            limit += ENGINE_S_PER_ITEM * _items(engine, kind, document)
        timings.append((seconds, limit, len(document), outcome, name, kind, document))
    timings.sort(key=lambda t: -t[0] / t[1])
    print("\nthe request path in-process, slowest first against its limit (CPU time):")
    for seconds, limit, size, outcome, name, _, _ in timings:
        print(f"  {seconds:7.3f} s  (limit {limit:6.3f} s)  {size:>9}  {outcome:20}  {name}")
    slow = [(name, round(seconds, 3), round(limit, 3)) for seconds, limit, _, _, name, _, _ in timings
            if seconds > limit]
    assert not slow, f"over the limit: {slow}"
    for _, _, _, _, name, kind, document in sorted(timings, key=lambda t: -t[0])[:3]:
        # both sizes timed alike, best of two: a first call also pays for the arenas its objects take
        # from the system, which once made the whole look 7.7x its quarter on a busy CI machine
        seconds = cpu_time(request(kind, document, []), repeat=2)
        quarter = cpu_time(request(kind, document[:len(document) // 4], []), repeat=2)
        assert seconds < 6 * quarter + 0.05, f"{name}: {quarter:.3f} s at a quarter of the size, {seconds:.3f} s whole"
