"""`winnow clean` on JSONL, WARC and WET files (service/files.py): fixtures written here with fastwarc,
gzipped, with malformed records among good ones. Every output line must be the single-document answer."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastwarc.warc import WarcRecord, WarcRecordType

from winnow.answer import CleanRequest, build_answer
from winnow.document import KEPT_LABELS_DEFAULT
from winnow.files import Doc, Skipped, detect_format, read_jsonl, read_warc

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they "
         "would vote on the proposal before the end of the month if the numbers were ready.")
TEXTS = [(SEEDS / name).read_text(encoding="utf-8") for name in
         ("000_d69cd4827b63c906.txt", "003_26a68be119fd5844.txt", "train_wet_c7e39ac49fa1235f.txt")]
TEXTS += ["Advertisement\n" + PROSE + "\nCafé 😀 — " + PROSE + "\n© 2024 Example Inc. All rights reserved."]


def _page(n: int) -> str:
    return (f"<html><head><title>Budget vote {n}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Budget vote {n}</h1><p>{PROSE}</p><p>Café {n}: {PROSE}</p></article>"
            "<footer>© 2024 Example</footer></body></html>")


def _expected(engine, text: str | None = None, html: str | None = None, spans: bool = False) -> dict:
    answer, _ = build_answer(engine, CleanRequest(text, html, KEPT_LABELS_DEFAULT, "codepoint", spans))
    return answer


def _record(rtype, uri: str, content: bytes, content_type: str) -> bytes:
    record = WarcRecord()
    record.init_headers(rtype)
    record.headers["WARC-Target-URI"] = uri
    record.headers["Content-Type"] = content_type
    record.set_bytes_content(content)
    out = io.BytesIO()
    record.write(out)
    return out.getvalue()


def _warcinfo() -> bytes:
    return _record(WarcRecordType.warcinfo, "", b"software: winnow tests\r\n", "application/warc-fields")


def _conversion(n: int, text: str) -> bytes:
    return _record(WarcRecordType.conversion, f"https://example.com/{n}", text.encode("utf-8"), "text/plain")


def _response(n: int, html: str, charset: str = "utf-8", status: str = "200 OK", ctype: str = "text/html",
              encoding: str | None = None) -> bytes:
    http = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}; charset={charset}\r\n\r\n").encode() + \
        html.encode(encoding or charset, errors="strict")
    return _record(WarcRecordType.response, f"https://example.com/{n}", http, "application/http; msgtype=response")


def _ids(raw: bytes) -> list[str]:
    return [line.split(b":", 1)[1].strip().decode() for line in raw.split(b"\r\n")
            if line.startswith(b"WARC-Record-ID:")]


def _winnow(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "winnow.cli", "clean", *args], input=stdin, cwd=ROOT,
                          capture_output=True, timeout=120)


def _out(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def _gzip_members(records: list[bytes]) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in records)


# --- the WET file: good, broken and undecodable records -------------------------------------------------

def _wet_records() -> tuple[list[bytes], list[int]]:
    """warcinfo, then conversions; records 3 (bad Content-Length) and 5 (not UTF-8) are malformed."""
    records = [_warcinfo()] + [_conversion(n, TEXTS[n % len(TEXTS)]) for n in range(7)]
    records[3] = records[3].replace(b"Content-Length: ", b"Content-Length: x", 1)
    records[5] = _record(WarcRecordType.conversion, "https://example.com/bad", "caf\xe9 prose".encode("latin-1"),
                         "text/plain")
    good = [n for n in range(7) if n + 1 not in (3, 5)]
    return records, good


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_files_wet_is_cleaned_in_order_and_malformed_records_skipped(engine, tmp_path, compress, jobs) -> None:
    records, good = _wet_records()
    raw = _gzip_members(records) if compress else b"".join(records)
    path = tmp_path / ("crawl.warc.wet.gz" if compress else "crawl.warc.wet")
    path.write_bytes(raw)
    proc = _winnow(str(path), "--jobs", jobs)
    assert proc.returncode == 1, proc.stderr  # some records were skipped
    out = _out(proc)
    ids = _ids(b"".join(records))
    assert [o["id"] for o in out] == [ids[n + 1] for n in good]
    assert [o["url"] for o in out] == [f"https://example.com/{n}" for n in good]
    for o, n in zip(out, good, strict=True):
        assert o == {"id": ids[n + 1], "url": f"https://example.com/{n}",
                     "text": _expected(engine, TEXTS[n % len(TEXTS)])["text"]}
    err = proc.stderr.decode()
    assert err.count("winnow clean: skipped") == 2, err
    assert "bad Content-Length" in err and "not valid utf-8" in err
    assert "2 malformed record(s) skipped, 5 cleaned" in err


def test_files_wet_with_spans_is_the_single_answer(engine, tmp_path) -> None:
    path = tmp_path / "pages.wet"
    path.write_bytes(b"".join([_warcinfo()] + [_conversion(n, TEXTS[n]) for n in range(3)]))
    proc = _winnow(str(path), "--spans")
    assert proc.returncode == 0, proc.stderr
    for o, text in zip(_out(proc), TEXTS[:3], strict=True):
        assert o["spans"] == _expected(engine, text, spans=True)["spans"]
        assert o["spans"][-1]["end"] == len(text)


@pytest.mark.parametrize("compress", [False, True])
def test_files_warc_html_responses(engine, tmp_path, compress) -> None:
    records = [
        _warcinfo(),
        _response(0, _page(0)),
        _record(WarcRecordType.request, "https://example.com/0", b"GET / HTTP/1.1\r\n\r\n",
                "application/http; msgtype=request"),
        _response(1, _page(1), charset="iso-8859-1"),
        _response(2, "<html>{}</html>", ctype="application/json"),  # not a page: passed over
        _response(3, _page(3), status="404 Not Found"),  # not a page either
        _response(4, _page(4), charset="no-such-charset", encoding="utf-8"),  # malformed: unknown charset
        _response(5, _page(5), encoding="latin-1"),  # malformed: not its charset (utf-8)
        _response(6, _page(6)),
    ]
    path = tmp_path / ("c.warc.gz" if compress else "c.warc")
    path.write_bytes(_gzip_members(records) if compress else b"".join(records))
    proc = _winnow(str(path), "--spans", "--jobs", "2")
    assert proc.returncode == 1
    out = _out(proc)
    assert [o["url"] for o in out] == ["https://example.com/0", "https://example.com/1", "https://example.com/6"]
    for o, n in zip(out, (0, 1, 6), strict=True):
        expected = _expected(engine, html=_page(n), spans=True)
        assert o["text"] == expected["text"] and o["input_text"] == expected["input_text"]
        assert o["spans"] == expected["spans"]
    err = proc.stderr.decode()
    assert err.count("skipped record at byte") == 2
    assert "unknown charset 'no-such-charset'" in err and "payload not valid utf-8" in err


def test_files_broken_warc_records_are_skipped_and_reading_goes_on(engine, tmp_path) -> None:
    good = [_conversion(n, TEXTS[n % len(TEXTS)]) for n in range(6)]
    short = good[2].replace(b"Content-Length: ", b"Content-Length: 1", 1)[:-60]  # ends mid-record
    garbage = b"this is not a WARC record\r\n\r\n"
    body = good[0] + good[1] + garbage + short + good[3] + good[4] + good[5][:-50]  # the last one truncated
    stream = io.BytesIO(body)
    items = list(read_warc(stream, "wet"))
    docs = [i for i in items if isinstance(i, Doc)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [d.url for d in docs] == [f"https://example.com/{n}" for n in (0, 1, 3, 4)]
    assert [d.text for d in docs] == [TEXTS[n % len(TEXTS)] for n in (0, 1, 3, 4)]
    assert [s.reason.split(" ")[0] for s in skipped] == ["broken", "truncated:", "truncated:"]
    assert skipped[0].position == f"after byte {len(good[0])}"  # the last good record's start
    assert skipped[1].position == f"record at byte {len(good[0] + good[1] + garbage)}"
    # the same bytes, gzipped per record, with a corrupt member among them
    members = [gzip.compress(r, mtime=0) for r in good]
    corrupt = bytearray(members[2])
    corrupt[30:40] = b"\x00" * 10
    items = list(read_warc(io.BytesIO(members[0] + members[1] + bytes(corrupt) + b"".join(members[3:])), "wet"))
    assert [i.url for i in items if isinstance(i, Doc)] == [f"https://example.com/{n}" for n in (0, 1, 3, 4, 5)]
    assert len([i for i in items if isinstance(i, Skipped)]) == 1


def test_files_a_pipe_is_read_past_a_broken_record_too(engine) -> None:
    good = [_conversion(n, TEXTS[n]) for n in range(3)]
    proc = _winnow("-", "--format", "wet", stdin=good[0] + b"garbage\r\n\r\n" + good[1] + good[2])
    assert proc.returncode == 1
    assert [o["url"] for o in _out(proc)] == [f"https://example.com/{n}" for n in range(3)]
    assert proc.stderr.decode().count("broken WARC record") == 1
    detected = _winnow(stdin=gzip.compress(good[0] + good[1]))  # no name, no --format: found by its bytes
    assert detected.returncode == 0 and [o["url"] for o in _out(detected)] == ["https://example.com/0",
                                                                                "https://example.com/1"]


# --- JSONL --------------------------------------------------------------------------------------------

def test_files_jsonl_field_html_ids_and_malformed_lines(engine, tmp_path) -> None:
    lines = [json.dumps({"id": "p0", "url": "https://a/0", "body": _page(0)}), "{broken json",
             json.dumps({"id": "p1", "text": "no body field"}), "", json.dumps({"id": 7, "body": _page(1)}),
             json.dumps({"id": "p2", "body": ["not", "a", "string"]}), json.dumps([1, 2]),
             json.dumps({"body": _page(2)})]
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    proc = _winnow(str(path), "--field", "body", "--html", "--jobs", "2")
    assert proc.returncode == 1
    out = _out(proc)
    assert [(o["id"], o["url"]) for o in out] == [("p0", "https://a/0"), (7, None), (None, None)]
    assert [o["text"] for o in out] == [_expected(engine, html=_page(n))["text"] for n in range(3)]
    err = proc.stderr.decode()
    for position in ("line 2: not valid JSON", "line 3: no string field 'body'", "line 6: field 'body' is not",
                     "line 7: not a JSON object"):
        assert position in err, err
    assert "4 malformed record(s) skipped, 3 cleaned" in err


def test_files_jsonl_text_field_from_stdin_all_good_exits_0(engine) -> None:
    data = "".join(json.dumps({"id": n, "text": t}) + "\n" for n, t in enumerate(TEXTS)).encode()
    proc = _winnow("-", stdin=data)  # detected by its first line
    assert proc.returncode == 0 and proc.stderr == b""
    assert [o["text"] for o in _out(proc)] == [_expected(engine, t)["text"] for t in TEXTS]
    full = _winnow("-", "--format", "jsonl", "--json", stdin=data)
    assert _out(full)[1] == {"id": 1, "url": None, **_expected(engine, TEXTS[1], spans=True)}


def test_files_jsonl_truncated_gzip_keeps_the_lines_before(tmp_path) -> None:
    data = gzip.compress("".join(json.dumps({"text": PROSE}) + "\n" for _ in range(200)).encode())
    items = list(read_jsonl(io.BytesIO(data[: len(data) - 30]), "text", False))
    assert isinstance(items[-1], Skipped) and "cannot be read on" in items[-1].reason
    assert all(isinstance(i, Doc) for i in items[:-1]) and len(items) >= 2


def test_files_progress_on_stderr_when_asked(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS), encoding="utf-8")
    quiet = _winnow(str(path))  # stderr is a pipe here: no progress unless asked
    assert quiet.returncode == 0 and quiet.stderr == b""
    shown = _winnow(str(path), "--progress")
    assert shown.returncode == 0 and b"winnow clean: 4 records, 0 skipped" in shown.stderr
    assert shown.stdout == quiet.stdout


def test_files_detect_format() -> None:
    wet = _warcinfo() + _conversion(0, "x")
    warc = _warcinfo() + _response(0, "<p>x</p>")
    assert detect_format("a.warc.wet.gz", b"") == "wet" and detect_format("a.warc.gz", b"") == "warc"
    assert detect_format("a.jsonl.gz", b"") == "jsonl" and detect_format("a.ndjson", b"") == "jsonl"
    assert detect_format("page.txt", b'{"text": 1}') == "text"
    assert detect_format(None, wet) == "wet" and detect_format(None, gzip.compress(wet)) == "wet"
    assert detect_format("crawl.bin", warc) == "warc" and detect_format(None, gzip.compress(warc)) == "warc"
    assert detect_format(None, b'{"text": "a"}\n{"text": "b"}\n') == "jsonl"
    assert detect_format(None, b"{not json} but prose\n") == "text"
    assert detect_format(None, b"Just a page.\n") == "text"


def test_files_plain_text_keeps_todays_behaviour(engine, tmp_path) -> None:
    seed = SEEDS / "003_26a68be119fd5844.txt"
    proc = _winnow(str(seed))
    assert proc.returncode == 0 and proc.stdout.decode() == engine.clean(seed.read_text(encoding="utf-8")).text + "\n"
    raw = '{"text": "a JSON-looking page"}\n'
    forced = _winnow("-", "--format", "text", stdin=raw.encode())  # text, though it looks like JSONL
    assert forced.returncode == 0 and forced.stdout.decode() == engine.clean(raw).text + "\n"


def test_files_usage_errors_exit_2(tmp_path) -> None:
    path = tmp_path / "p.wet"
    path.write_bytes(_conversion(0, "x"))
    assert _winnow(str(path), "--field", "body").returncode == 2
    assert _winnow(str(path), "--jobs", "0").returncode == 2
    assert _winnow(str(tmp_path / "missing.jsonl")).returncode == 2
