from service.document import Segment
from service.segment import sentence_at, split_segments


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
