from itertools import repeat

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
