"""Golden tests: the seed documents and real train pages clean exactly as reviewed.

Expected outputs live beside the inputs in seeds/ (<name>.expected.json). After an intended
change, regenerate with WINNOW_UPDATE_GOLDEN=1 and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from winnow.config import Settings
from winnow.engine import Engine
from winnow.html import read_html

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CASES = sorted(p for p in SEEDS.glob("*.txt"))
HTML_CASES = sorted(p for p in SEEDS.glob("*.html"))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.from_settings(Settings())


def _answer(engine: Engine, text: str, page=None) -> dict:
    result = engine.clean(text, page=page)
    return {
        "text": result.text,
        "paywalled": result.paywalled,
        "spans": [
            {"start": s.start, "end": s.end, "label": s.label, "tagger": s.tagger, "rule": s.rule,
             "excerpt": text[s.start:s.end][:60]}
            for s in result.spans
        ],
    }


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_seeds_golden(engine: Engine, case: Path) -> None:
    _check_golden(case, _answer(engine, case.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", HTML_CASES, ids=[p.stem for p in HTML_CASES])
def test_html_seeds_golden(engine: Engine, case: Path) -> None:
    """HTML input: the whole page's rendering (``input_text``), and the answer over it."""
    text, page = read_html(case.read_text(encoding="utf-8"))
    _check_golden(case, {"input_text": text, **_answer(engine, text, page)})


def _check_golden(case: Path, got: dict) -> None:
    """``got`` equals the reviewed answer beside ``case``, field by field (WINNOW_UPDATE_GOLDEN=1 rewrites it)."""
    expected_path = case.with_suffix(".expected.json")
    if os.environ.get("WINNOW_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert set(got) == set(expected)
    for field in got:
        assert got[field] == expected[field], field


def _line(text: str, startswith: str) -> tuple[int, int]:
    start = text.index(startswith)
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _labels_over(engine: Engine, text: str, start: int, end: int) -> set[str]:
    return {s.label for s in engine.clean(text).spans if s.start < end and s.end > start}


def test_seed_000_keeps_headline_and_eleven_paragraphs(engine: Engine) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    clean = engine.clean(text).text
    lines = clean.split("\n")
    assert lines[0] == "Putin meets North Korea’s Kim in Beijing"
    assert len(lines) == 12
    assert lines[1].startswith("BEIJING (AP) —")
    assert lines[-1].endswith("such a thing.”")
    for chaff in ("Advertisement", "subscribe", "Log in", "GST", "Monthly Digital Subscription"):
        assert chaff not in clean


def test_seed_000_labels_ad_and_whole_paywall_block(engine: Engine) -> None:
    text = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    result = engine.clean(text)
    assert result.paywalled
    assert _labels_over(engine, text, *_line(text, "Advertisement")) == {"ad"}
    block_start = text.index("Read this article for free:")
    block_end = text.index("BEIJING (AP)")
    assert _labels_over(engine, text, block_start, block_end - 1) == {"paywall"}
    assert _labels_over(engine, text, *_line(text, "Putin meets North Korea")) == {"title"}


def test_seed_003_removes_images_pipes_and_copyright(engine: Engine) -> None:
    text = (SEEDS / "003_26a68be119fd5844.txt").read_text(encoding="utf-8")
    result = engine.clean(text)
    article_start, article_end = _line(text, "Putin meets Kim")
    article = text[article_start:article_end]
    assert article.endswith(" |")
    assert result.text == article[: -len(" |")]
    assert _labels_over(engine, text, 0, text.index("Putin meets Kim")) == {"image"}
    assert _labels_over(engine, text, article_end - 2, article_end) == {"markup"}
    copyright_start, copyright_end = _line(text, "All rights reserved.")
    assert _labels_over(engine, text, copyright_start, copyright_end) == {"copyright"}
    lone_pipes = [i for i, line in enumerate(text.split("\n")) if line.strip() == "|"]
    assert len(lone_pipes) == 2
    offset = 0
    for line in text.split("\n"):
        if line.strip() == "|":
            assert _labels_over(engine, text, offset, offset + len(line)) == {"markup"}
        offset += len(line) + 1
