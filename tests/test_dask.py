"""service/dask.py: Dask's local schedulers and a local distributed cluster clean as the library does,
with one cleaner per worker process."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest

import winnow.dask  # the dask extra, part of the test extra
from tests.conftest import CORPUS_DIR
from winnow.library import Cleaner

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
SCRAPINGHUB = CORPUS_DIR / "scrapinghub.jsonl.gz"


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner()


def _corpus_pages(n: int) -> list[dict]:
    """The first ``n`` dev pages of scrapinghub, as request bodies: each view once, and the HTML."""
    if not SCRAPINGHUB.is_file():
        pytest.skip(f"corpus not found: {SCRAPINGHUB} (set WINNOW_CORPUS_DIR)")
    pages = []
    with gzip.open(SCRAPINGHUB, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["split"] == "dev":
                pages += [{"text": record["views"][v], "url": record["url"]} for v in ("text", "markdown", "wet")]
                pages.append({"html": record["html"], "url": record["url"]})
                if len(pages) >= 4 * n:
                    return pages
    return pages


def _expected(cleaner: Cleaner, items: list, **options) -> list[dict]:
    answers = []
    for item in items:
        answer = cleaner.clean(**({"text": item} if isinstance(item, str) else item), **options).to_dict()
        if isinstance(item, dict) and "url" in item:
            answer["url"] = item["url"]
        answers.append(answer)
    return answers


def test_dask_bag_threads_equals_library_and_builds_one_cleaner(cleaner: Cleaner) -> None:
    items = SEEDS * 3
    before = winnow.dask.cleaners_built()
    got = winnow.dask.clean_bag(db.from_sequence(items, npartitions=5)).compute(scheduler="threads", num_workers=4)
    assert got == _expected(cleaner, items)
    assert winnow.dask.cleaners_built() - before <= 1  # five partitions, four threads, one process: one cleaner
    assert winnow.dask.cleaner() is winnow.dask.cleaner()


def test_dask_bag_options_and_errors(cleaner: Cleaner) -> None:
    items = [SEEDS[0], {"text": SEEDS[1], "options": {"keep": ["content"]}}, 7, {"text": "a", "html": "b"}]
    bag = db.from_sequence(items, npartitions=2)
    got = winnow.dask.clean_bag(bag, offsets="utf16", spans=False, errors="null").compute(scheduler="sync")
    assert got[0] == cleaner.clean(text=SEEDS[0], offsets="utf16", spans=False).to_dict()
    assert got[1] == cleaner.clean(text=SEEDS[1], keep=["content"], offsets="utf16", spans=False).to_dict()
    assert got[2:] == [None, None]
    with pytest.raises(winnow.InvalidRequest):
        winnow.dask.clean_bag(bag).compute(scheduler="sync")


def test_dask_dataframe_adds_the_answer_columns(cleaner: Cleaner) -> None:
    frame = pd.DataFrame({"id": range(len(SEEDS) * 2), "text": SEEDS * 2})
    df = dd.from_pandas(frame, npartitions=3)
    out = winnow.dask.clean_dataframe(df, column="text", spans=True).compute(scheduler="sync")
    expected = [cleaner.clean(text=t) for t in SEEDS * 2]
    assert out["id"].tolist() == frame["id"].tolist()
    assert out["clean_text"].tolist() == [r.text for r in expected]
    assert out["paywalled"].tolist() == [r.paywalled for r in expected]
    assert out["chars_out"].tolist() == [r.stats.chars_out for r in expected]
    assert [json.loads(s) for s in out["spans"]] == [r.to_dict()["spans"] for r in expected]
    assert [json.loads(s) for s in out["removed_chars_by_label"]] == [r.stats.removed_chars_by_label for r in expected]


@pytest.mark.integration
def test_dask_local_cluster_one_cleaner_per_worker_equal_answers(cleaner: Cleaner) -> None:
    """A real (local) distributed cluster: two worker processes, two threads each, on loopback."""
    from distributed import Client, LocalCluster

    items = SEEDS * 4
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        versions = client.run(winnow.dask.warm_up)  # every worker builds its cleaner now, once
        got = winnow.dask.clean_bag(db.from_sequence(items, npartitions=10)).compute()
        built = client.run(winnow.dask.cleaners_built)
    assert got == _expected(cleaner, items)
    assert list(versions.values()) == [cleaner.version] * 2
    assert list(built.values()) == [1, 1], built  # ten partitions on two workers: one cleaner each


@pytest.mark.corpus
def test_dask_corpus_pages_equal_library(cleaner: Cleaner) -> None:
    items = _corpus_pages(3)
    got = winnow.dask.clean_bag(db.from_sequence(items, npartitions=3)).compute(scheduler="processes", num_workers=2)
    assert got == _expected(cleaner, items)
    assert all(a["spans"][-1]["end"] == a["stats"]["chars_in"] for a in got if "input_text" not in a)
