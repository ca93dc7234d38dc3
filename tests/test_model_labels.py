"""Training labels from gold text: a segment is content when most of its words sit in gold 4-shingles."""

from __future__ import annotations

from winnow.model.labels import gold_labels


def _segments(text: str):
    starts, ends, pos = [], [], 0
    for line in text.split("\n"):
        if line:
            starts.append(pos)
            ends.append(pos + len(line))
        pos += len(line) + 1
    return starts, ends


def test_labels_prose_in_gold_is_content_chaff_is_not():
    text = "Home | News\nThe council voted on Monday to close the old bridge.\nShare this\nIt will reopen in May."
    gold = "The council voted on Monday to close the old bridge.\nIt will reopen in May."
    starts, ends = _segments(text)
    assert gold_labels(text, starts, ends, gold) == [0, 1, 0, 1]


def test_labels_short_line_inside_prose_is_covered_through_its_neighbours():
    text = "The minister spoke at length about the budget.\nHe said no.\nThen the vote began in the chamber."
    gold = text
    starts, ends = _segments(text)
    assert gold_labels(text, starts, ends, gold) == [1, 1, 1]


def test_labels_a_common_word_alone_is_not_content():
    text = "The minister spoke at length about the budget today.\nbudget\nNothing else happened in the chamber."
    gold = "The minister spoke at length about the budget today. Nothing else happened in the chamber."
    starts, ends = _segments(text)
    assert gold_labels(text, starts, ends, gold) == [1, 0, 1]


def test_labels_markdown_link_targets_do_not_count():
    text = "Read the [full report](https://example.com/a/b/c/d/e/f/g) on the new bridge today"
    gold = "Read the full report on the new bridge today"
    starts, ends = _segments(text)
    assert gold_labels(text, starts, ends, gold) == [1]
