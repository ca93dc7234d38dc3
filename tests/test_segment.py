from hypothesis import given
from hypothesis import strategies as st

from winnow.document import Segment
from winnow.segment import more_segments_than, sentence_at, split_segments


def test_segment_lines_are_trimmed_with_exact_offsets() -> None:
    text = "  Title  \n\nBody line.\n"
    segments = split_segments(text)
    assert [text[s.start:s.end] for s in segments] == ["Title", "Body line."]
    assert segments[0] == Segment(2, 7, 0)


def test_segment_splits_inner_pipes_into_cells_but_not_edge_pipes() -> None:
    text = "Home | News | Sport\nProse that ends with a pipe |\n| leading"
    pieces = [text[s.start:s.end] for s in split_segments(text)]
    assert pieces == ["Home", "News", "Sport", "Prose that ends with a pipe |", "| leading"]


def test_segment_cells_share_their_line_index() -> None:
    segments = split_segments("a | b\nc")
    assert [s.line for s in segments] == [0, 0, 1]


def test_segment_blank_and_empty_input_give_no_segments() -> None:
    assert split_segments("") == []
    assert split_segments(" \n\t\n") == []


def test_segment_offsets_are_code_points() -> None:
    text = "😀 emoji line\nÉcole"
    assert [text[s.start:s.end] for s in split_segments(text)] == ["😀 emoji line", "École"]


def test_segment_sentence_at_finds_the_sentence_around_a_position() -> None:
    text = "First sentence here. © 2019 Example Inc. All rights reserved. Last one"
    (segment,) = split_segments(text)
    start, end = sentence_at(text, segment, text.index("©"))
    assert text[start:end] == "© 2019 Example Inc."
    start, end = sentence_at(text, segment, text.index("Last"))
    assert text[start:end] == "Last one"


def _line_by_line(text: str) -> list[tuple[int, int, int]]:
    """The plain definition, without pipes: each line that holds anything, trimmed of blanks;
    lines are numbered among the lines of one character or more."""
    blank = " \t\r\f\v\xa0\u2028\u2029\u200b\ufeff"
    out, offset, number = [], 0, 0
    for line in text.split("\n"):
        if line:
            stripped = line.strip(blank)
            if stripped:
                lead = len(line) - len(line.lstrip(blank))
                out.append((offset + lead, offset + lead + len(stripped), number))
            number += 1
        offset += len(line) + 1
    return out


@given(st.text(alphabet=st.sampled_from(list("ab \t\n\xa0\u200b\ufeffé😀")), max_size=80))
def test_segment_equals_the_line_by_line_definition(text: str) -> None:
    assert [(s.start, s.end, s.line) for s in split_segments(text)] == _line_by_line(text)


def test_segment_long_blank_runs_are_scanned_in_linear_time() -> None:
    text = ("x" + " " * 200_000 + "\n") * 5 + " " * 1_000_000
    segments = split_segments(text)
    assert [text[s.start:s.end] for s in segments] == ["x"] * 5


def test_segment_count_bound_answers_a_line_of_empty_cells_without_walking_it() -> None:
    """Every segment holds a run of solid characters that are not pipes, or is a line's edge pipes:
    a line of "| " pairs holds two segments (its leading and its trailing pipe) however long it is, and the count
    agrees with split_segments on both sides of the limit."""
    hostile = "| " * 50_000
    assert [hostile[s.start:s.end] for s in split_segments(hostile)] == ["|", "|"]
    assert not more_segments_than(hostile, 2) and more_segments_than(hostile, 1)
    cells = "a | b | c\n" * 4
    assert len(split_segments(cells)) == 12
    assert more_segments_than(cells, 11) and not more_segments_than(cells, 12)
