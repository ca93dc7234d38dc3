"""service/library.py: winnow.Cleaner answers as the service answers, streams in order, refuses bad input."""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import winnow
from winnow.library import Cleaner, Result

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
PAGE = ("<html><head><title>Budget vote</title></head><body><nav>Home | News</nav><p>The committee met on "
        "Tuesday to discuss the new budget, and its members said they would vote before the end of the month."
        "</p><p>Advertisement</p><footer>© 2025 Example News. All rights reserved.</footer></body></html>")


@pytest.fixture(scope="module")
def cleaner(settings) -> Cleaner:
    return Cleaner(settings)  # the limits of the app fixture's settings: the same answers, the same refusals


def _seed(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", SEEDS, ids=[p.stem for p in SEEDS])
def test_library_answer_is_the_http_answer_on_the_seeds(cleaner: Cleaner, client, case: Path) -> None:
    text = _seed(case)
    result = cleaner.clean(text=text)
    assert result.to_dict() == client.post("/v1/clean", json={"text": text}).get_json()
    assert result.spans[0].start == 0 and result.spans[-1].end == len(text)


@pytest.mark.parametrize("options", [
    {"offsets": "utf16"}, {"offsets": "utf8", "keep": list(winnow.LABELS)}, {"spans": False},
    {"extracted": True, "keep": ["content"]},
])
def test_library_options_are_the_http_options(cleaner: Cleaner, client, options: dict) -> None:
    text = _seed(SEEDS[0]) + "\n🙂 Share on Facebook\n"  # an astral character: offsets differ by unit
    result = cleaner.clean(text=text, **options)
    assert result.to_dict() == client.post("/v1/clean", json={"text": text, "options": options}).get_json()
    assert (result.spans is None) == (options.get("spans") is False)


def test_library_html_answer_is_the_http_answer(cleaner: Cleaner, client) -> None:
    result = cleaner.clean(html=PAGE, url="https://example.com/budget")
    assert result.to_dict() == client.post("/v1/clean", json={"html": PAGE}).get_json()
    assert result.input_text and "committee met" in result.text and "Advertisement" not in result.text


def test_library_result_is_frozen_and_typed(cleaner: Cleaner) -> None:
    result = cleaner.clean(text=_seed(SEEDS[0]))
    assert isinstance(result, winnow.Result) and isinstance(result.stats, winnow.Stats)
    assert isinstance(result.spans[0], winnow.Span) and result.paywalled is True
    assert result.stats.chars_in == len(_seed(SEEDS[0])) and result.stats.chars_out == len(result.text)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "x"  # type: ignore[misc]
    assert Result.from_answer(result.to_dict()) == result


def test_library_labels_are_the_services(client) -> None:
    assert list(winnow.LABELS) == [e["label"] for e in client.get("/v1/labels").get_json()["labels"]]
    assert winnow.KEPT_LABELS_DEFAULT == {"content", "title"} <= set(winnow.LABELS)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one of 'text' and 'html'"),
    ({"text": "a", "html": "<p>b</p>"}, "exactly one of 'text' and 'html'"),
    ({"text": b"bytes"}, "'text' must be a string"),
    ({"html": 5}, "'html' must be a string"),
    ({"text": "a", "keep": ["content", "nonsense"]}, "unknown labels"),
    ({"text": "a", "keep": "content"}, "not a string"),
    ({"text": "a", "offsets": "bytes"}, "'options.offsets' must be one of"),
    ({"text": "a", "spans": "yes"}, "'options.spans' must be true or false"),
    ({"text": "a", "extracted": 1}, "'options.extracted'"),
    ({"text": "a\ud800b"}, "lone surrogate"),
    ({"text": "a", "url": 7}, "'url' must be a string"),
    ({"text": "x" * 200_001}, "the limit is 200000"),
])
def test_library_bad_input_raises_invalid_request(cleaner: Cleaner, kwargs: dict, message: str) -> None:
    with pytest.raises(winnow.InvalidRequest, match=message) as caught:
        cleaner.clean(**kwargs)
    assert isinstance(caught.value, ValueError)  # one clear type, and a ValueError: never a KeyError


def test_library_settings_overrides(settings) -> None:
    rules_only = Cleaner(settings, model_path=Path("off"), max_text_chars=10)
    assert rules_only.version["model"] is None and rules_only.settings.max_text_chars == 10
    with pytest.raises(winnow.InvalidRequest, match="the limit is 10"):
        rules_only.clean(text="x" * 11)
    with pytest.raises(TypeError):
        Cleaner(settings, no_such_setting=1)


def test_library_is_thread_safe(cleaner: Cleaner) -> None:
    jobs = [{"text": _seed(p)} for p in SEEDS] * 4 + [{"html": PAGE}] * 4
    serial = [cleaner.answer(job) for job in jobs]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(cleaner.answer, jobs))
    assert threaded == serial


def test_library_clean_many_in_order_with_str_and_dict_items(cleaner: Cleaner) -> None:
    items = [_seed(p) for p in SEEDS] + [{"html": PAGE}, {"text": _seed(SEEDS[1]), "options": {"keep": ["content"]}}]
    got = list(cleaner.clean_many(items, offsets="utf16"))
    assert got[:len(SEEDS)] == [cleaner.clean(text=_seed(p), offsets="utf16") for p in SEEDS]
    assert got[-2] == cleaner.clean(html=PAGE, offsets="utf16")
    assert got[-1] == cleaner.clean(text=_seed(SEEDS[1]), keep=["content"], offsets="utf16")  # its options win


def test_library_clean_many_errors_raise_in_turn_or_return_in_place(cleaner: Cleaner) -> None:
    items = ["The council met on Tuesday.", 42, {"text": "a", "extra": 1}, "Advertisement"]
    out = list(cleaner.clean_many(items, errors="return"))
    assert isinstance(out[0], Result) and isinstance(out[3], Result)
    assert isinstance(out[1], winnow.InvalidRequest) and "not int" in str(out[1])
    assert isinstance(out[2], winnow.InvalidRequest) and "unknown fields" in str(out[2])
    stream = cleaner.clean_many(items)
    assert isinstance(next(stream), Result)
    with pytest.raises(winnow.InvalidRequest):
        next(stream)


def test_library_clean_many_streams(cleaner: Cleaner) -> None:
    pulled = []

    def endless():
        for n in itertools.count():
            pulled.append(n)
            yield f"Page {n}: the council met on Tuesday and voted to rebuild the old bridge."

    first = list(itertools.islice(cleaner.clean_many(endless()), 3))
    assert [r.text.split(":")[0] for r in first] == ["Page 0", "Page 1", "Page 2"] and len(pulled) == 3


def test_library_clean_many_jobs_in_order_equal_and_bounded(cleaner: Cleaner) -> None:
    pages = [_seed(p) for p in SEEDS] * 3
    assert [r.to_dict() for r in cleaner.clean_many(pages, jobs=2)] == [cleaner.answer({"text": p}) for p in pages]
    pulled = []

    def endless():
        for n in itertools.count():
            pulled.append(n)
            yield {"text": f"Page {n}: the council met on Tuesday.", "url": f"https://example.com/{n}"}

    got = list(itertools.islice(cleaner.clean_many(endless(), jobs=2, chunksize=4), 10))
    assert [r.text.split(":")[0] for r in got] == [f"Page {n}" for n in range(10)]
    assert len(pulled) <= 10 + 2 * 2 * 4 + 4  # what was yielded, the chunks in flight and one being read


_BUILT = None  # a counter shared with forked workers


def _counting_init(self, *args, **kwargs):
    with _BUILT.get_lock():
        _BUILT.value += 1
    _ORIGINAL_INIT(self, *args, **kwargs)


_ORIGINAL_INIT = Cleaner.__init__


def test_library_clean_many_jobs_build_one_engine_per_worker(cleaner: Cleaner, monkeypatch) -> None:
    global _BUILT
    fork = multiprocessing.get_context("fork")  # forked workers see the counting constructor
    _BUILT = fork.Value("i", 0)
    monkeypatch.setattr(Cleaner, "__init__", _counting_init)
    pages = [f"Page {n}: the council met on Tuesday and voted." for n in range(40)]
    out = list(cleaner.clean_many(pages, jobs=2, chunksize=1, mp_context=fork))
    assert len(out) == 40 and _BUILT.value == 2  # 40 chunks, 2 workers: one engine each


def test_library_import_winnow_loads_neither_engine_nor_flask() -> None:
    code = ("import sys, winnow\nloaded = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'numpy', 're2', 'prometheus_client'))\nprint(loaded, hasattr(winnow, 'Cleaner'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    assert proc.stdout.strip() == "[] True", proc.stdout
