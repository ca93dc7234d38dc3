"""bench/reproducibility.py: the digests two machines compare must depend on the inputs and on
nothing else (not on the engine instance, not on the order of calls)."""

from __future__ import annotations

import gzip
import json

import pytest

from bench.reproducibility import answers_digest, features_digest, main
from winnow.config import Settings
from winnow.engine import Engine

PROSE = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
         "asked whether the work could start before the winter, when traffic is lower.")


def _record(n: int, prose: str = PROSE) -> dict:
    text = "\n".join(["Home", "News", "Sport", prose, prose.upper(), "Share on Facebook", "Advertisement"] * 3)
    return {"id": f"p{n}", "split": "train", "gold": prose, "views": {"text": text, "markdown": text, "wet": text}}


def test_answers_digest_depends_on_the_answers_only():
    records = [_record(1), _record(2)]
    first = answers_digest(Engine.from_settings(Settings()), records)
    assert first == answers_digest(Engine.from_settings(Settings()), records)
    assert first[1] == 6  # two pages, three views each
    changed = [_record(1), _record(2, PROSE.replace("bridge", "tunnel"))]
    assert answers_digest(Engine.from_settings(Settings()), changed)[0] != first[0]


def test_features_digest_depends_on_the_training_inputs_only(rules_engine, stop_hashes):
    records = [_record(1), _record(2)]
    digest, segments = features_digest(rules_engine, stop_hashes, records)
    assert (digest, segments) == features_digest(rules_engine, stop_hashes, records)
    assert segments > 0
    relabelled = [_record(1), dict(_record(2), gold="Home")]  # same text, other gold: other labels
    assert features_digest(rules_engine, stop_hashes, relabelled)[0] != digest


def test_main_prints_the_lines_to_compare(tmp_path, capsys):
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(3):
            f.write(json.dumps(_record(n)) + "\n")
    assert main([str(corpus)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["machine", "answers", "features"]
    assert "(9 views" in lines[1]


def test_main_refuses_a_missing_corpus(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "absent.jsonl.gz")])
    assert exc.value.code == 2
