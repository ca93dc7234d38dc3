import random

from winnow.assemble import assemble
from winnow.document import Decision, Document, Segment, Span, Verdicts
from winnow.resolve import Resolution
from winnow.segment import split_segments
from winnow.text import BLANKS


def _reference(text: str, segments: list[Segment], decisions: list[Decision], inline: list[Span]) -> list[Span]:
    """The spans, character by character: each character's owner (its segment's decision, the last
    residue span over it, a separator for a gap's character that is not a blank, else the owner of
    the character before it, or, before the first owner, the first owner), runs of equal owners."""
    if not text:
        return []
    if not decisions:
        return [Span(0, len(text), "boilerplate", 1.0, "segment_v1", "segment.blank")]
    owner: list[tuple | None] = [None] * len(text)
    for seg, d in zip(segments, decisions, strict=True):
        owner[seg.start:seg.end] = [tuple(d)] * (seg.end - seg.start)
    for span in inline:
        owner[span.start:span.end] = [tuple(span[2:])] * (span.end - span.start)
    separator = ("markup", 0.99, "segment_v1", "segment.cell_separator")
    for c, ch in enumerate(text):
        if owner[c] is None and ch not in BLANKS + "\n":
            owner[c] = separator
    first = next(o for o in owner if o is not None)
    filled = []
    for o in owner:
        filled.append(o if o is not None else (filled[-1] if filled else first))
    spans = []
    for c, o in enumerate(filled):
        if c and o == filled[c - 1]:
            spans[-1][1] = c + 1
        else:
            spans.append([c, c + 1, o])
    return [Span(a, b, *o) for a, b, o in spans]


def _assembled(text: str, decisions: list[Decision], inline: list[Span] = ()) -> tuple[Span, ...]:
    doc = Document(text, split_segments(text))
    return assemble(doc, Resolution(Verdicts.of(decisions), list(inline)))


def test_assemble_whitespace_joins_the_span_before_it_and_pipes_are_separators() -> None:
    text = "  Home | News\n\nBody text.\n"
    kept, menu = Decision("content", 0.9, "m", "model.good"), Decision("navigation", 0.9, "r", "nav.x")
    spans = _assembled(text, [menu, menu, kept])
    assert [(text[s.start:s.end], s.label) for s in spans] == [
        ("  Home ", "navigation"), ("| ", "markup"), ("News\n\n", "navigation"), ("Body text.\n", "content")]


def test_assemble_cuts_residue_out_of_kept_segments_and_merges_equal_neighbours() -> None:
    text = "See [the report](https://x.org/r) now.\nMore."
    kept = Decision("content", 0.9, "m", "model.good")
    link = [Span(4, 5, "markup", 0.9, "residue_v1", "markup.link"),
            Span(15, 33, "markup", 0.9, "residue_v1", "markup.link")]
    spans = _assembled(text, [kept, kept], link)
    assert [(text[s.start:s.end], s.label) for s in spans] == [
        ("See ", "content"), ("[", "markup"), ("the report", "content"), ("](https://x.org/r)", "markup"),
        (" now.\nMore.", "content")]


def test_assemble_a_text_without_segments_is_one_blank_span() -> None:
    assert _assembled("  \n ", []) == (Span(0, 4, "boilerplate", 1.0, "segment_v1", "segment.blank"),)
    assert _assembled("", []) == ()


def test_assemble_matches_the_character_by_character_reference() -> None:
    """Random lines, cells, blanks and overlapping residue (a later span paints over an earlier one,
    the earlier owns again where the later ends): the same spans as owning each character in turn."""
    rng = random.Random(7)
    pieces = ["a", "bc", " ", "\t", "\n", "\n\n", " | ", "|", "||", "\xa0", "x y", "\u2028", "é"]
    labels = [Decision("content", 0.9, "m", "model.good"), Decision("navigation", 0.9, "r", "nav.x"),
              Decision("content", 0.6, "m", "model.good")]
    residue = [("markup", 0.9, "residue_v1", "markup.link"), ("image", 0.99, "residue_v1", "image.md"),
               ("ad", 0.9, "phrases_v1", "ad.x")]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        segments = split_segments(text)
        decisions = [rng.choice(labels) for _ in segments]
        inline = []
        for seg in segments:
            for _ in range(rng.choice((0, 0, 1, 3))):
                a = rng.randrange(seg.start, seg.end)
                inline.append(Span(a, rng.randrange(a + 1, seg.end + 1), *rng.choice(residue)))
        inline.sort(key=lambda s: (s.start, -s.end))
        doc = Document(text, segments)
        got = assemble(doc, Resolution(Verdicts.of(decisions), inline))
        assert list(got) == _reference(text, segments, decisions, inline), (text, inline)
