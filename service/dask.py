"""Winnow on Dask: clean a bag or a dataframe of pages, one engine per worker process.

    pip install 'winnow[dask]'

    import dask.bag as db
    import winnow.dask

    pages = db.read_text("s3://bucket/crawl/*.jsonl.gz").map(json.loads)   # dicts {"text": ...} or strings
    answers = winnow.dask.clean_bag(pages, keep=["content"], spans=False)  # a bag of answer dicts
    answers.map(json.dumps).to_textfiles("s3://bucket/clean/*.jsonl.gz")

    frame = winnow.dask.clean_dataframe(df, column="text")   # adds clean_text, paywalled, ... columns

Each partition is cleaned by ``clean_partition``: the ``winnow.Cleaner`` of the process it runs in,
built on first use and cached for the life of the process (a Dask worker process, or the process
of the threaded and synchronous schedulers), never once per record or per partition. The answers
are the library's (``Cleaner.answer``): the JSON answers of ``POST /v1/clean``.

Dask is an optional extra, never a dependency of the service: this module is the only one that
imports it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .config import Settings
from .errors import ProblemError
from .library import Cleaner, _options, _payload

try:
    import dask.bag  # noqa: F401  (the extra's presence, checked on import with a clear message)
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("winnow.dask needs Dask: pip install 'winnow[dask]'") from exc

_LOCK = threading.Lock()
_CLEANERS: dict[Settings | None, Cleaner] = {}
_BUILT = 0  # cleaners built in this process (tests check: once per worker process)


def cleaner(settings: Settings | None = None) -> Cleaner:
    """This process's cleaner for ``settings`` (None: the ``WINNOW_*`` variables of the worker),
    built once; the worker's threads share it (the engine is thread-safe)."""
    global _BUILT
    found = _CLEANERS.get(settings)
    if found is None:
        with _LOCK:  # two threads of one worker must not build two engines
            found = _CLEANERS.get(settings)
            if found is None:
                found = _CLEANERS[settings] = Cleaner(settings)
                _BUILT += 1
    return found


def warm_up(settings: Settings | None = None) -> dict[str, str | None]:
    """Build this process's cleaner now (``client.run(winnow.dask.warm_up)`` on every worker, before
    the first task needs it); returns its version."""
    return cleaner(settings).version


def cleaners_built() -> int:
    """How many cleaners this process has built (``client.run(winnow.dask.cleaners_built)``)."""
    return _BUILT


def clean_partition(items: Iterable[str | Mapping[str, Any]], *, keep: Iterable[str] | None = None,
                    offsets: str | None = None, spans: bool | None = None, extracted: bool | None = None,
                    errors: str = "raise", settings: Settings | None = None) -> list[dict[str, Any] | None]:
    """The answers to one partition's items (strings or request bodies, as ``Cleaner.clean_many``
    takes them), in order. An item's ``url`` is copied into its answer, to tell the pages apart.
    ``errors="null"`` answers None for an item the service would refuse (bad input, over a limit)
    instead of failing the partition."""
    if errors not in ("raise", "null"):
        raise ValueError("errors must be 'raise' or 'null'")
    defaults = _options(keep, offsets, spans, extracted)
    answers: list[dict[str, Any] | None] = []
    for item in items:  # the cleaner is fetched per item (a dict look-up): an empty partition builds none
        try:
            answer = cleaner(settings).answer(_payload(item, defaults))
        except ProblemError:
            if errors == "raise":
                raise
            answers.append(None)
            continue
        if isinstance(item, Mapping) and isinstance(item.get("url"), str):
            answer["url"] = item["url"]
        answers.append(answer)
    return answers


def clean_bag(bag: Any, *, keep: Iterable[str] | None = None, offsets: str | None = None,
              spans: bool | None = None, extracted: bool | None = None, errors: str = "raise",
              settings: Settings | None = None) -> Any:
    """A ``dask.bag.Bag`` of answer dicts, one per item of ``bag`` (strings or request bodies), in
    order, partition for partition. Options as ``Cleaner.clean``; ``errors`` as ``clean_partition``."""
    keep = None if keep is None else list(keep)  # a generator would be spent by the first partition
    return bag.map_partitions(clean_partition, keep=keep, offsets=offsets, spans=spans, extracted=extracted,
                              errors=errors, settings=settings)


FRAME_COLUMNS = ("clean_text", "paywalled", "chars_in", "chars_out", "removed_chars_by_label")


def _clean_frame(part: Any, column: str, html: bool, keep: list[str] | None, spans: bool,
                 extracted: bool | None, errors: str, settings: Settings | None) -> Any:
    import pandas as pd

    kind = "html" if html else "text"
    bodies = [{kind: value} for value in part[column].tolist()]
    answers = clean_partition(bodies, keep=keep, offsets="codepoint", spans=spans, extracted=extracted,
                              errors=errors, settings=settings)

    def col(values: list, dtype: str) -> pd.Series:
        return pd.Series(values, index=part.index, dtype=dtype)

    out = part.copy()
    out["clean_text"] = col([a["text"] if a else None for a in answers], "object")
    out["paywalled"] = col([a["paywalled"] if a else None for a in answers], "boolean")
    out["chars_in"] = col([a["stats"]["chars_in"] if a else None for a in answers], "Int64")
    out["chars_out"] = col([a["stats"]["chars_out"] if a else None for a in answers], "Int64")
    out["removed_chars_by_label"] = col([json.dumps(a["stats"]["removed_chars_by_label"]) if a else None
                                         for a in answers], "object")
    if spans:
        out["spans"] = col([json.dumps(a["spans"], ensure_ascii=False) if a else None for a in answers], "object")
    return out


def clean_dataframe(df: Any, column: str = "text", *, html: bool = False, keep: Iterable[str] | None = None,
                    spans: bool = False, extracted: bool | None = None, errors: str = "raise",
                    settings: Settings | None = None) -> Any:
    """``df`` (a ``dask.dataframe.DataFrame``, needs ``winnow[dask]``'s pandas) with the answer's
    fields added per row of ``column`` (text, or HTML with ``html=True``): ``clean_text``,
    ``paywalled``, ``chars_in``, ``chars_out``, ``removed_chars_by_label`` (JSON) and, with
    ``spans=True``, ``spans`` (JSON, code-point offsets). With ``errors="null"`` a refused row gets
    nulls."""
    keep = None if keep is None else list(keep)
    args = dict(column=column, html=html, keep=keep, spans=spans, extracted=extracted, errors=errors,
                settings=settings)
    meta = _clean_frame(df._meta, **args)  # no page: builds no cleaner in this process if it has none
    return df.map_partitions(_clean_frame, **args, meta=meta)
