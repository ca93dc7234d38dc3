from itertools import repeat

import numpy as np

from winnow.document import Decision, Span, Verdicts, spans_of


def test_spans_of_makes_one_span_per_row_and_repeats_a_constant_column() -> None:
    spans = spans_of([0, 5], [4, 9], ["content", "ad"], [0.5, 0.9], repeat("t"), ["x.good", None])
    assert spans == [Span(0, 4, "content", 0.5, "t", "x.good"), Span(5, 9, "ad", 0.9, "t", None)]
    assert all(type(s) is Span for s in spans) and spans[1].rule is None
    assert spans_of([], [], repeat("ad"), repeat(0.9), repeat("t"), repeat(None)) == []


def test_verdicts_read_as_one_decision_per_segment_and_change_in_place() -> None:
    first, second = Decision("content", 0.8, "m", "model.good"), Decision("boilerplate", 0.7, "m", "model.bad")
    verdicts = Verdicts.of([first, second])
    assert len(verdicts) == 2 and list(verdicts) == [first, second] and verdicts[1] == second
    assert verdicts.tuples() == [tuple(first), tuple(second)]
    proposed = verdicts.copy()
    verdicts.set(0, "related", 0.6, "block_v1", "related.header")
    verdicts.take(1, Span(10, 20, "ad", 0.9, "phrases_v1", "ad.advertisement"))
    assert list(verdicts) == [Decision("related", 0.6, "block_v1", "related.header"),
                              Decision("ad", 0.9, "phrases_v1", "ad.advertisement")]
    assert list(proposed) == [first, second]  # a copy keeps what was proposed
    assert len(Verdicts()) == 0 and not Verdicts() and len(Verdicts.of([])) == 0


def test_page_hints_lines_of_finds_each_offsets_line_at_once() -> None:
    from winnow.document import PageHints

    hints = PageHints(starts=(0, 10, 20), ends=(5, 15, 25), picked=(False,) * 3, evidence=(None,) * 3)
    offsets = np.array([0, 4, 5, 7, 10, 14, 15, 20, 24, 25, 99], dtype=np.int64)
    assert hints.lines_of(offsets).tolist() == [hints.line_of(int(o)) for o in offsets] \
        == [0, 0, -1, -1, 1, 1, -1, 2, 2, -1, -1]
    empty = PageHints(starts=(), ends=(), picked=(), evidence=())
    assert empty.lines_of(np.array([0, 3], dtype=np.int64)).tolist() == [-1, -1]
