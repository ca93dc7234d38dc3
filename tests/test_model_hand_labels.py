"""Hand labels of training pages: mapped to segments, refused on a changed view, read by the trainer
for the text view they label, and weighed in the category stage's fit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from winnow.model.hand_labels import HandLabelError, load_hand_labels, segment_targets, sha256
from winnow.model.train_categories import CHAFF_LABELS, _rows

PROSE = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
         "asked whether the work could start before the winter, when traffic is lower.")
TEXT = "\n".join(["Home", "Change theme", PROSE, PROSE, "Share on Facebook"])


def _doc(text: str = TEXT, labels=("navigation", "boilerplate", "content", "content", "social")) -> dict:
    spans, start = [], 0
    for line, label in zip(text.split("\n"), labels, strict=True):
        spans.append([start, start + len(line), label])
        start += len(line) + 1
    return {"corpus": "c", "id": "p1", "view": "text", "sha256": sha256(text), "page_type": "article",
            "labeller": "t", "spans": spans}


def test_segment_targets_take_the_label_of_the_line_holding_the_segment() -> None:
    starts, ends, at = [], [], 0
    for line in TEXT.split("\n"):
        starts.append(at)
        ends.append(at + len(line))
        at += len(line) + 1
    targets = segment_targets(_doc(), TEXT, starts, ends, CHAFF_LABELS)
    assert [CHAFF_LABELS[k] if k >= 0 else None for k in targets.tolist()] == [
        "navigation", "boilerplate", None, None, "social"]
    # a segment inside a line (a table cell) takes the line's label too
    inner = segment_targets(_doc(), TEXT, [12], [17], CHAFF_LABELS)
    assert CHAFF_LABELS[inner[0]] == "boilerplate"


def test_segment_targets_refuse_a_view_that_changed() -> None:
    with pytest.raises(HandLabelError, match="changed since it was labelled"):
        segment_targets(_doc(), TEXT + " ", [0], [4], CHAFF_LABELS)


def test_load_hand_labels_reads_a_folder_by_corpus_id_and_view(tmp_path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "p1.json").write_text(json.dumps(_doc()), encoding="utf-8")
    assert list(load_hand_labels(tmp_path)) == [("c", "p1", "text")]


def test_build_examples_reads_hand_labels_for_the_view_they_label(rules_engine, stop_hashes) -> None:
    from winnow.model.train import build_examples

    html = (f"<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/theme'>Change theme</a></li></ul></nav>"
            f"<article><p>{PROSE}</p><p>{PROSE}</p></article>"
            f"<div class='share-bar'><a href='/fb'>Share on Facebook</a></div></body></html>")
    record = {"id": "p1", "html": html, "gold": f"{PROSE}\n\n{PROSE}", "views": {"text": TEXT, "wet": TEXT}}
    hand = {("c", "p1", "text"): _doc()}
    text_view, wet_view, rendered, gold = build_examples(rules_engine, stop_hashes, [record], views=("text", "wet"),
                                                         hand=hand, corpus="c")
    assert [ex.view for ex in (text_view, wet_view, rendered, gold)] == ["text", "wet", "html", "gold"]
    assert [CHAFF_LABELS[k] if k >= 0 else None for k in text_view.hand.tolist()] == [
        "navigation", "boilerplate", None, None, "social"]
    # the silver labels stay beside them (the markup calls the menu's switch navigation)
    assert CHAFF_LABELS[text_view.categories[1]] == "navigation"
    assert wet_view.hand is None and rendered.hand is None and gold.hand is None
    # another corpus's page of the same id is not this one
    (other, *_) = build_examples(rules_engine, stop_hashes, [record], views=("text",), hand=hand, corpus="d")
    assert other.hand is None


def test_category_rows_use_hand_labels_with_their_weight(rules_engine, stop_hashes) -> None:
    from winnow.model.features import standardise  # noqa: F401  (the rows standardise the dense columns)
    from winnow.model.train import build_examples

    html = f"<html><body><nav><a href='/'>Home</a> <a href='/theme'>Change theme</a></nav><p>{PROSE}</p></body></html>"
    record = {"id": "p1", "html": html, "gold": f"{PROSE}\n\n{PROSE}", "views": {"text": TEXT}}
    (ex, *_) = build_examples(rules_engine, stop_hashes, [record], views=("text",), hand={("c", "p1", "text"): _doc()},
                              corpus="c", html=False, with_gold=False)
    first = [np.zeros(len(ex.labels))]
    mean, scale = np.zeros(ex.feats.dense.shape[1]), np.ones(ex.feats.dense.shape[1])
    _, _, y_silver, w_silver = _rows([ex], first, mean, scale, hand_weight=0.0)
    _, _, y_hand, w_hand = _rows([ex], first, mean, scale, hand_weight=10.0)
    assert [CHAFF_LABELS[k] for k in y_hand.tolist()] == ["navigation", "boilerplate", "social"]
    assert CHAFF_LABELS[y_silver[1]] == "navigation"  # the markup calls a switch in the menu navigation
    assert w_silver.sum() == pytest.approx(100.0) and w_hand.sum() == pytest.approx(1000.0)
