#!/usr/bin/env python3
"""`winnow clean` on a WET file of every corpus page: pages per second and peak memory of the process tree.

    python bench/wet_clean.py CORPUS_DIR [--wet /tmp/corpus.warc.wet.gz] [--jobs 2] [--repeat 1]

Writes (once; kept when it exists) a gzipped WET file, one gzip member per record as Common Crawl
does, of the `wet` view of every page of scrapinghub, readability and wcxb (CORPUS_DIR/*.jsonl.gz),
as `conversion` records (WARC-Target-URI the page's URL, or a made-up one for pages without),
with fastwarc. Then runs `winnow clean FILE --jobs N` (for each N of --jobs, comma-separated) with
its output to a temporary file, sampling the resident memory (RSS) of the whole process tree (the
command and its worker processes, from /proc) every 20 ms. Prints pages, seconds, pages per second,
input MB/s, CPU seconds of the tree and its peak RSS; with --repeat, runs of the --jobs values alternate
(medians printed, the peak over runs). Progress on stderr.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("scrapinghub", "readability", "wcxb")


def make_wet(corpus_dir: Path, out: Path) -> int:
    from fastwarc.warc import WarcRecord, WarcRecordType

    pages = 0
    with open(out, "wb") as f:
        info = WarcRecord()
        info.init_headers(WarcRecordType.warcinfo)
        info.headers["Content-Type"] = "application/warc-fields"
        info.set_bytes_content(b"software: winnow bench/wet_clean.py\r\n")
        for name in CORPORA:
            with gzip.open(corpus_dir / f"{name}.jsonl.gz", "rt", encoding="utf-8") as src:
                for line in src:
                    if not line.strip():
                        continue
                    page = json.loads(line)
                    record = WarcRecord()
                    record.init_headers(WarcRecordType.conversion)
                    record.headers["WARC-Target-URI"] = page.get("url") or f"https://{name}.invalid/{page['id']}"
                    record.headers["Content-Type"] = "text/plain"
                    record.set_bytes_content(page["views"]["wet"].encode("utf-8"))
                    buf = io.BytesIO()
                    record.write(buf)
                    f.write(gzip.compress(buf.getvalue(), compresslevel=6, mtime=0))
                    pages += 1
            print(f"wrote {name}: {pages} pages so far", file=sys.stderr)
    return pages


def _tree_rss(root: int) -> int:
    """RSS in bytes of ``root`` and all its descendants (from /proc; processes gone meanwhile are skipped)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/statm", "rb") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))  # fields[1]: the parent's pid
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_clean(wet: Path, jobs: int) -> tuple[float, float, int, int, int]:
    """(seconds, CPU seconds of the tree, peak tree RSS bytes, output lines, exit status) of one run."""
    with tempfile.TemporaryFile() as out:
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "winnow.cli", "clean", str(wet), "--jobs", str(jobs)],
                                cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers were reaped by the command: included
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"winnow clean failed ({proc.returncode}): {err[-2000:]}")
        out.seek(0)
        lines = sum(1 for _ in out)
    return seconds, cpu, peak, lines, proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus_dir", type=Path)
    ap.add_argument("--wet", type=Path, default=Path(tempfile.gettempdir()) / "winnow-corpus.warc.wet.gz")
    ap.add_argument("--jobs", default="2", help="comma-separated: one run for each")
    ap.add_argument("--repeat", type=int, default=1, help="runs per --jobs value (the median is printed)")
    args = ap.parse_args(argv)
    if not args.wet.exists():
        pages = make_wet(args.corpus_dir, args.wet)
        print(f"wrote {args.wet}: {pages} pages, {args.wet.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    input_bytes, pages = 0, 0
    for record in ArchiveIterator(open(args.wet, "rb"), record_types=WarcRecordType.conversion):
        input_bytes += record.content_length
        pages += 1
    print(f"{args.wet}: {pages} pages, {input_bytes / 1e6:.1f} MB of text, "
          f"{args.wet.stat().st_size / 1e6:.1f} MB gzipped", file=sys.stderr)
    print(f"{'jobs':>4}  {'pages':>6}  {'seconds':>8}  {'pages/s':>8}  {'MB/s':>6}  {'CPU s':>6}  "
          f"{'peak RSS (tree)':>16}")
    job_counts = [int(j) for j in args.jobs.split(",")]
    runs: dict[int, list[tuple[float, float, int]]] = {j: [] for j in job_counts}
    for n in range(args.repeat):  # alternating: the machine's other load falls on every setting alike
        for jobs in job_counts:
            seconds, cpu, peak, lines, status = run_clean(args.wet, jobs)
            print(f"--jobs {jobs}, run {n + 1}: {seconds:.1f} s, {cpu:.1f} CPU s, peak {peak / 2**20:.0f} MiB, "
                  f"{lines} lines, exit {status}", file=sys.stderr)
            if lines != pages:
                raise RuntimeError(f"{lines} output lines for {pages} pages")
            runs[jobs].append((seconds, cpu, peak))
    for jobs in job_counts:
        seconds = statistics.median(r[0] for r in runs[jobs])
        cpu = statistics.median(r[1] for r in runs[jobs])
        peak = max(r[2] for r in runs[jobs])
        print(f"{jobs:>4}  {pages:>6}  {seconds:>8.1f}  {pages / seconds:>8.1f}  {input_bytes / 1e6 / seconds:>6.2f}"
              f"  {cpu:>6.1f}  {peak / 2**20:>12.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
