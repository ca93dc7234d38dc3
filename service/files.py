"""`winnow clean` on crawl files: JSONL, WARC (response records, HTML) and WET (conversion records,
text), gzip included, cleaned over a pool of processes, written as JSONL in input order.

Reading: ``read_jsonl`` and ``read_warc`` yield a ``Doc`` per record to clean and a ``Skipped`` per
malformed one (bad JSON line, missing or non-string field, undecodable payload, broken WARC record),
with its position; the caller reports those and goes on. WARC and WET are read with fastwarc (the
``warc`` extra). A broken WARC record ends fastwarc's iterator: the reader then looks for the next
record's start (``WARC/1.``, or the next gzip member of a record-per-member .warc.gz)
and goes on from there (a pipe is first copied to a temporary file: fastwarc needs to seek).
Records that are not pages (warcinfo, requests, metadata; non-HTML or non-2xx responses) are
passed over silently: they are not malformed.

Cleaning: ``clean_records`` sends chunks of records to ``jobs`` worker processes (each builds the
engine once, in its initializer), with at most ``2 * jobs`` chunks in flight, and writes the
answers in input order: memory stays bounded by the chunks in flight, whatever the file's size.
``jobs=1`` cleans in this process. Imports neither Flask nor fastwarc until needed.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from .config import Settings

FORMATS = ("jsonl", "warc", "wet", "text")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD = 64 * 1024
_CHUNK_DOCS = 16
_CHUNK_CHARS = 2_000_000


@dataclass(frozen=True)
class Doc:
    position: str  # where it is in the input: "line 3", "record at byte 1234"
    id: str | int | None
    url: str | None
    text: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Skipped:
    position: str
    reason: str


class _Framing(Skipped):
    """A record whose length is wrong (bad Content-Length, truncated): what follows it is suspect too."""


class MissingExtra(RuntimeError):
    """fastwarc is not installed (the ``warc`` extra)."""


# --- detecting the format ---------------------------------------------------------------------------

def _decompressed_head(head: bytes) -> bytes:
    if not head.startswith(_GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, _HEAD)
    except zlib.error:
        return b""


def detect_format(name: str | None, head: bytes) -> str:
    """The input's format from its name (``.jsonl``, ``.ndjson``, ``.warc``, ``.wet``, each maybe ``.gz``),
    else from its first bytes (decompressed): ``WARC/`` is WET if a conversion record comes first after
    any warcinfo, else WARC; a first line that is a JSON object is JSONL (or, longer than the bytes looked at,
    starts with ``{"``); anything else is text."""
    lower = (name or "").lower().removesuffix(".gz")
    if lower.endswith(".wet"):
        return "wet"
    if lower.endswith(".warc"):
        return "warc"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith((".txt", ".text", ".html", ".htm", ".md")):
        return "text"
    data = _decompressed_head(head)
    if data.startswith(b"WARC/"):
        types = [line.split(b":", 1)[1].strip() for line in data.split(b"\r\n") if line.startswith(b"WARC-Type:")]
        pages = [t for t in types if t != b"warcinfo"]
        return "wet" if pages and pages[0] == b"conversion" else "warc"
    first, newline, _ = data.lstrip().partition(b"\n")
    if not newline:  # a first line longer than what could be peeked: judged by its start
        return "jsonl" if first.startswith(b'{"') else "text"
    if first.startswith(b"{"):
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            pass
    return "text"


def head_of(stream: BinaryIO) -> bytes:
    """The first bytes of a stream, left in it: peeked from a pipe, read and sought back in a file."""
    if stream.seekable():
        start = stream.tell()
        head = stream.read(_HEAD)
        stream.seek(start)
        return head
    peek = getattr(stream, "peek", None)
    return peek(_HEAD)[:_HEAD] if peek is not None else b""


# --- JSONL ------------------------------------------------------------------------------------------

def _valid_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a "\ud800" escape
        return False
    return True


def read_jsonl(stream: BinaryIO, field: str, html: bool) -> Iterator[Doc | Skipped]:
    """Records of a JSONL file (gzip or not): ``field`` is the text (or HTML) to clean; ``id`` and ``url``
    are taken from the record's fields of those names when they are a string (or an integer id)."""
    lines: Iterable[bytes] = gzip.GzipFile(fileobj=stream) if head_of(stream).startswith(_GZIP_MAGIC) else stream
    number = 0
    try:
        for raw in lines:
            number += 1
            if not raw.strip():
                continue
            position = f"line {number}"
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError) as exc:
                yield Skipped(position, f"not valid JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield Skipped(position, "not a JSON object")
                continue
            value = record.get(field)
            if not isinstance(value, str):
                yield Skipped(position, f"no string field {field!r}" if value is None
                              else f"field {field!r} is not a string")
                continue
            if not _valid_text(value):
                yield Skipped(position, f"field {field!r} contains a lone surrogate (invalid Unicode)")
                continue
            rid = record.get("id")
            rid = rid if isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool)) else None
            url = record.get("url") if isinstance(record.get("url"), str) else None
            yield Doc(position, rid, url, None if html else value, value if html else None)
    except (OSError, EOFError, zlib.error) as exc:  # a corrupt or truncated gzip stream: nothing follows
        yield Skipped(f"after line {number}", f"the file cannot be read on: {exc}")


# --- WARC and WET -----------------------------------------------------------------------------------

def _fastwarc():
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError:
        raise MissingExtra("reading WARC and WET files needs fastwarc: pip install 'winnow[warc]'") from None
    return ArchiveIterator, WarcRecordType


def _next_record_start(stream: BinaryIO, start: int, gzipped: bool) -> int | None:
    """The offset of the next candidate record start at or after ``start``: a gzip member's magic, or
    ``WARC/1.`` (anywhere: a truncated record runs straight into the next one's header line). A false
    candidate fails to parse and the search goes on past it. One forward pass over the bytes it reads."""
    pattern = b"\x1f\x8b\x08" if gzipped else b"WARC/1."
    stream.seek(start)
    offset, carry = start, b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            return None
        data = carry + chunk
        found = data.find(pattern)
        if found >= 0:
            return offset - len(carry) + found
        carry = data[-(len(pattern) - 1):]
        offset += len(chunk)


def _page(record, kind: str, types) -> Doc | Skipped | None:
    """The record as a page to clean, a Skipped if it is malformed, None if it is no page of this kind."""
    position = f"record at byte {record.stream_pos}"
    declared = record.headers.get("Content-Length") or ""
    if not declared.strip().isdigit():
        return _Framing(position, f"bad Content-Length {declared!r}")
    want = types.response if kind == "warc" else types.conversion
    if record.record_type != want:
        return None
    rid, url = record.record_id, record.headers.get("WARC-Target-URI")
    if kind == "warc":
        if not record.is_http:
            return None
        status = record.http_headers.status_code
        if status is None or not 200 <= status < 300 or (record.http_content_type or "").lower() not in HTML_TYPES:
            return None
        charset = record.http_charset or "utf-8"
    else:
        charset = "utf-8"
    payload = record.reader.read()
    if kind == "wet" and len(payload) != record.content_length:
        return _Framing(position, f"truncated: {len(payload)} of {record.content_length} bytes")
    try:
        text = payload.decode(charset)
    except LookupError:
        return Skipped(position, f"unknown charset {charset!r}")
    except (UnicodeError, ValueError) as exc:
        return Skipped(position, f"payload not valid {charset}: {exc}")
    return Doc(position, rid, url, None if kind == "warc" else text, text if kind == "warc" else None)


def spooled(stream: BinaryIO) -> BinaryIO:
    """A pipe's bytes in a temporary file (on disk, deleted when closed): a seekable copy, in bounded memory."""
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - read_warc's caller's process owns it until exit
    shutil.copyfileobj(stream, copy, 1 << 20)
    copy.seek(0)
    return copy


def read_warc(stream: BinaryIO, kind: str) -> Iterator[Doc | Skipped]:
    """Pages of a WARC (``kind="warc"``: HTML responses) or WET file (``"wet"``: conversion records)."""
    archive_iterator, types = _fastwarc()
    if not stream.seekable():  # fastwarc seeks (it fails on a pipe), and so does the search for the next record
        stream = spooled(stream)
    gzipped = head_of(stream).startswith(_GZIP_MAGIC)
    pos = stream.tell()
    reported = False  # the broken stretch being skipped over has been reported
    while True:
        last = None
        try:
            for record in archive_iterator(stream, parse_http=kind == "warc"):
                last = record.stream_pos
                page = _page(record, kind, types)
                reported = isinstance(page, Skipped)
                if page is not None:
                    yield page
                if isinstance(page, _Framing):
                    break  # its length cannot be trusted: look for the next record from its start on
            else:
                return
            broken = last
        except OSError as exc:  # fastwarc: an invalid WARC header, or corrupt gzip data
            broken = last if last is not None else pos
            if not reported:
                yield Skipped(f"after byte {broken}" if last is not None else f"at byte {broken}",
                              f"broken WARC record ({exc})")
            reported = True
        found = _next_record_start(stream, broken + 1, gzipped)
        if found is None:
            return
        pos = found
        stream.seek(pos)


# --- cleaning ---------------------------------------------------------------------------------------

_ENGINE = None  # this worker process's engine, built once by _init_worker
_OPTIONS: dict = {}


def _init_worker(settings: Settings, options: dict) -> None:
    global _ENGINE, _OPTIONS
    from .engine import Engine

    _ENGINE = Engine.from_settings(settings)
    _OPTIONS = options


def _clean_one(doc: Doc) -> tuple[str, str]:
    from .answer import CleanRequest, build_answer
    from .document import KEPT_LABELS_DEFAULT

    full, spans = _OPTIONS["json"], _OPTIONS["spans"]
    req = CleanRequest(doc.text, doc.html, KEPT_LABELS_DEFAULT, "codepoint", full or spans, _OPTIONS["extracted"])
    answer, _ = build_answer(_ENGINE, req)
    if full:
        out = {"id": doc.id, "url": doc.url, **answer}
    else:
        out = {"id": doc.id, "url": doc.url, "text": answer["text"]}
        if spans:
            if "input_text" in answer:
                out["input_text"] = answer["input_text"]
            out["spans"] = answer["spans"]
    return "ok", json.dumps(out, ensure_ascii=False) + "\n"


def _clean_chunk(chunk: list[Doc | Skipped]) -> list[tuple[str, str]]:
    results = []
    for item in chunk:
        if isinstance(item, Skipped):
            results.append(("skip", f"{item.position}: {item.reason}"))
            continue
        try:
            results.append(_clean_one(item))
        except Exception as exc:  # noqa: BLE001 - one record's failure must not end the file
            results.append(("skip", f"{item.position}: cleaning failed: {type(exc).__name__}: {exc}"))
    return results


def _chunks(items: Iterable[Doc | Skipped]) -> Iterator[list[Doc | Skipped]]:
    chunk: list[Doc | Skipped] = []
    chars = 0
    for item in items:
        chunk.append(item)
        if isinstance(item, Doc):
            chars += len(item.text or item.html or "")
        if len(chunk) >= _CHUNK_DOCS or chars >= _CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


class Progress:
    """A status line on stderr, redrawn at most twice a second: records, skipped, rate, bytes read."""

    def __init__(self, enabled: bool, stream: BinaryIO | None, err: TextIO) -> None:
        self.enabled, self.stream, self.err = enabled, stream, err
        self.started = self._drawn = time.monotonic()
        self.total = None
        if enabled and stream is not None and stream.seekable():
            try:
                self.total = os.fstat(stream.fileno()).st_size
            except (OSError, ValueError):
                self.total = None

    def update(self, done: int, skipped: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self._drawn < 0.5):
            return
        self._drawn = now
        rate = done / max(now - self.started, 1e-9)
        line = f"winnow clean: {done:,} records, {skipped:,} skipped, {rate:,.1f} records/s"
        if self.total and self.stream is not None:
            try:
                line += f", {min(self.stream.tell(), self.total) / self.total:.0%} of {self.total / 1e6:,.1f} MB"
            except (OSError, ValueError):
                pass
        self.err.write("\r" + line + ("\n" if final else ""))
        self.err.flush()


def clean_records(items: Iterable[Doc | Skipped], out: TextIO, err: TextIO, settings: Settings, *, jobs: int = 1,
                  spans: bool = False, full: bool = False, extracted: bool | None = None,
                  progress: Progress | None = None) -> tuple[int, int]:
    """Clean every Doc, write one JSON line each in input order, report every Skipped on ``err``.
    Returns (records written, records skipped)."""
    options = {"spans": spans, "json": full, "extracted": extracted}
    done = skipped = 0

    def emit(results: list[tuple[str, str]]) -> None:
        nonlocal done, skipped
        for kind, value in results:
            if kind == "ok":
                out.write(value)
                done += 1
            else:
                if progress is not None and progress.enabled:
                    err.write("\n")
                err.write(f"winnow clean: skipped {value}\n")
                skipped += 1
        if progress is not None:
            progress.update(done, skipped)

    if jobs <= 1:
        _init_worker(settings, options)
        for chunk in _chunks(items):
            emit(_clean_chunk(chunk))
    else:
        pending: deque[Future] = deque()
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(settings, options)) as pool:
            for chunk in _chunks(items):
                if len(pending) >= 2 * jobs:
                    emit(pending.popleft().result())
                pending.append(pool.submit(_clean_chunk, chunk))
            while pending:
                emit(pending.popleft().result())
    if progress is not None:
        progress.update(done, skipped, final=True)
    out.flush()
    return done, skipped


def open_input(path: str | None) -> BinaryIO:
    """The file (or stdin for None or "-"), binary. OSError when it cannot be opened."""
    if path in (None, "-"):
        return sys.stdin.buffer
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def read_records(stream: BinaryIO, fmt: str, field: str | None, html: bool) -> Iterator[Doc | Skipped]:
    if fmt == "jsonl":
        return read_jsonl(stream, field or "text", html)
    return read_warc(stream, fmt)


def clean_command(path: str | None, fmt: str | None, *, field: str | None, html: bool, jobs: int, spans: bool,
                  full: bool, extracted: bool | None, progress: bool | None, out: TextIO, err: TextIO) -> int | None:
    """`winnow clean` on a JSONL, WARC or WET file: the exit status (0 every record cleaned, 1 some skipped,
    2 nothing could be done). None: the input is plain text, for the caller's own path (one page)."""
    try:
        stream = open_input(path)
    except OSError as exc:
        err.write(f"winnow clean: cannot read {path}: {exc.strerror}\n")
        return 2
    try:
        fmt = fmt or detect_format(None if path in (None, "-") else path, head_of(stream))
        if fmt == "text":
            return None  # the caller reads it (stdin is left unread: head_of only peeked)
        if field is not None and fmt != "jsonl":
            err.write("winnow clean: --field is for JSONL input\n")
            return 2
        try:
            records = read_records(stream, fmt, field, html)
            if fmt != "jsonl":
                _fastwarc()  # fail now, not inside the pool
        except MissingExtra as exc:
            err.write(f"winnow clean: {exc}\n")
            return 2
        show = err.isatty() if progress is None else progress
        meter = Progress(show, stream, err)
        done, skipped = clean_records(records, out, err, Settings.from_env(), jobs=jobs, spans=spans, full=full,
                                      extracted=extracted, progress=meter)
    finally:
        if path not in (None, "-") and not stream.closed:
            stream.close()
    if skipped:
        err.write(f"winnow clean: {skipped:,} malformed record(s) skipped, {done:,} cleaned\n")
    return 1 if skipped else 0
