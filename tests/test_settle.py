"""service.settle: the engine's answer is a fixed point of the engine."""

from __future__ import annotations

from service.document import Span
from service.render import render
from service.settle import _relabel, settle

KEEP = frozenset({"content", "title"})


def _spans(text: str, labels: list[tuple[str, str]]) -> tuple[Span, ...]:
    """Spans over ``text`` from (piece, label) pairs whose pieces concatenate to it."""
    out, pos = [], 0
    for piece, label in labels:
        out.append(Span(pos, pos + len(piece), label, 0.9, "t", None))
        pos += len(piece)
    assert pos == len(text)
    return tuple(out)


def test_relabel_splits_kept_spans_and_leaves_removed_ones() -> None:
    text = "aaaa bbbb\ncccc"
    spans = _spans(text, [("aaaa ", "content"), ("bbbb\n", "navigation"), ("cccc", "content")])
    decided = Span(0, 0, "comments", 0.8, "x_v1", "x.rule")
    out = _relabel(spans, [(2, 12, decided)], KEEP)
    assert [(s.start, s.end, s.label) for s in out] == [
        (0, 2, "content"), (2, 5, "comments"), (5, 10, "navigation"), (10, 12, "comments"), (12, 14, "content")]
    assert out[1].rule == "x.rule" and out[2].rule is None


def test_settle_folds_what_a_pass_over_the_clean_text_removes_back_into_the_input() -> None:
    text = "  Intro line\n\nMENU\n\nKept prose here.\n\nDrop me later\n"
    spans = _spans(text, [("  Intro line\n\n", "content"), ("MENU\n\n", "navigation"),
                          ("Kept prose here.\n\n", "content"), ("Drop me later\n", "content")])
    seen = []

    def clean_pass(clean: str) -> tuple[Span, ...]:
        seen.append(clean)
        at = clean.find("Drop me later")
        if at < 0:
            return (Span(0, len(clean), "content", 0.9, "t", None),)
        return (Span(0, at, "content", 0.9, "t", None), Span(at, len(clean), "related", 0.7, "model_v1", "m.bad"))

    out, clean = settle(text, spans, KEEP, clean_pass, passes=4)
    assert seen == ["Intro line\n\nKept prose here.\n\nDrop me later", "Intro line\n\nKept prose here."]
    assert clean == render(text, out, KEEP) == "Intro line\n\nKept prose here."
    dropped = [s for s in out if s.label == "related"]
    assert len(dropped) == 1 and text[dropped[0].start:dropped[0].end] == "Drop me later"
    assert (dropped[0].tagger, dropped[0].rule) == ("model_v1", "m.bad")
    assert [s.start for s in out] == [0, *[s.end for s in out][:-1]] and out[-1].end == len(text)


def test_settle_stops_after_its_passes_and_skips_text_that_is_clean_already() -> None:
    text = "one\ntwo\nthree"
    spans = _spans(text, [("one\n", "content"), ("two\n", "content"), ("three", "content")])
    calls = []

    def drop_first_line(clean: str) -> tuple[Span, ...]:
        calls.append(clean)
        cut = clean.find("\n") + 1 or len(clean)
        return (Span(0, cut, "boilerplate", 0.6, "t", None), Span(cut, len(clean), "content", 0.6, "t", None))

    assert settle(text, spans, KEEP, drop_first_line, passes=4) == (spans, text)  # the clean text is the input
    assert calls == []
    messy = "one \ntwo\n\n\n\nthree"
    spans = _spans(messy, [("one \n", "content"), ("two\n\n\n\n", "content"), ("three", "content")])
    out, clean = settle(messy, spans, KEEP, drop_first_line, passes=2)
    assert len(calls) == 2 and clean == render(messy, out, KEEP) == "three"
