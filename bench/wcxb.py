#!/usr/bin/env python3
"""WCXB's own metric by page type: Winnow's answers beside the HTML extractors, in one run.

    python bench/wcxb.py --corpus ../shared/corpus/wcxb.jsonl.gz --split dev \
        --predictions winnow-text=/tmp/wcxb-text.jsonl [--predictions NAME=FILE ...] \
        [--trafilatura] [--readability] [--json out.json] [--save DIR]

Predictions are the JSON lines `shared/eval/run_service.py` writes (`{"id", "text"}`), so Winnow
is measured through its real service. With --trafilatura / --readability the extractors run here,
on the same pages' HTML, in the same run (benchmark-only dependencies: `pip install
trafilatura==2.3.1`; readability-lxml is a dependency of Winnow).

The metric, as WCXB defines it: the words of a text are its lower-cased ``\\w+`` tokens; per page,
precision is the overlap of the bags of words over the predicted words, recall over the reference
words, and F1 their harmonic mean (an empty reference scores 1 only against an empty answer); the
figure is the mean over pages, overall and by page type. Snippets: the share of `with` snippets
found (lower-cased substring) and of `without` snippets found (lower is better).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

_WORD = re.compile(r"\w+")
TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")


def words(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())


def word_prf(predicted: str, reference: str) -> tuple[float, float, float]:
    pred, ref = words(predicted), words(reference)
    if not ref:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return 0.0, 0.0, 0.0
    overlap = sum((Counter(pred) & Counter(ref)).values())
    p, r = overlap / len(pred), overlap / len(ref)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def snippet_share(text: str, snippets: list[str]) -> float | None:
    if not snippets:
        return None
    low = " ".join((text or "").lower().split())
    return sum(" ".join(s.lower().split()) in low for s in snippets) / len(snippets)


def read_corpus(path: Path, split: str) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if split == "all" or r.get("split") == split]


def read_predictions(path: Path) -> dict[str, str]:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = row.get("text") or ""
    return out


def run_extractor(name: str, records: list[dict]) -> dict[str, str]:
    if name == "trafilatura":
        import trafilatura

        def extract(html: str) -> str:
            return trafilatura.extract(html) or ""
    else:
        import lxml.html
        from readability import Document

        def extract(html: str) -> str:
            summary = Document(html).summary(html_partial=True)
            return lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    out, started = {}, time.perf_counter()
    for n, rec in enumerate(records, 1):
        try:
            out[rec["id"]] = extract(rec["html"])
        except Exception as exc:  # an extractor failing on a page scores that page as empty
            print(f"  {name} failed on {rec['id']}: {type(exc).__name__}", file=sys.stderr)
            out[rec["id"]] = ""
        if n % 50 == 0 or n == len(records):
            print(f"  {name}: {n}/{len(records)} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


def score(records: list[dict], answers: dict[str, str]) -> dict[str, dict[str, float]]:
    rows = defaultdict(list)
    for rec in records:
        text = answers.get(rec["id"], "")
        p, r, f = word_prf(text, rec["gold"])
        with_, without = snippet_share(text, rec.get("with") or []), snippet_share(text, rec.get("without") or [])
        for key in ("all", rec.get("page_type", "article")):
            rows[key].append((p, r, f, with_, without))
    table = {}
    for key, items in rows.items():
        def mean(i: int, items=items) -> float:
            vals = [row[i] for row in items if row[i] is not None]
            return sum(vals) / len(vals) if vals else float("nan")
        table[key] = {"pages": len(items), "f1": mean(2), "precision": mean(0), "recall": mean(1),
                      "with": mean(3), "without": mean(4)}
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--split", default="dev", choices=["train", "dev", "all"])
    ap.add_argument("--predictions", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--trafilatura", action="store_true", help="run trafilatura.extract on the HTML")
    ap.add_argument("--readability", action="store_true", help="run readability-lxml on the HTML")
    ap.add_argument("--json", type=Path, help="also write the tables here")
    ap.add_argument("--save", type=Path, help="write each extractor's answers to DIR/<name>.jsonl (for score.py)")
    args = ap.parse_args(argv)

    records = read_corpus(args.corpus, args.split)
    systems: dict[str, dict[str, str]] = {}
    for item in args.predictions:
        name, _, path = item.partition("=")
        systems[name] = read_predictions(Path(path))
    for name in ("trafilatura", "readability"):
        if getattr(args, name):
            systems[f"{name} (html)"] = answers = run_extractor(name, records)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                with open(args.save / f"{name}.jsonl", "w", encoding="utf-8") as f:
                    for page, text in answers.items():
                        f.write(json.dumps({"id": page, "text": text}) + "\n")
    if not systems:
        ap.error("nothing to score: give --predictions and/or --trafilatura / --readability")
    tables = {name: score(records, answers) for name, answers in systems.items()}

    keys = [t for t in (*TYPES, "all") if t in next(iter(tables.values()))]
    print(f"WCXB word F1 (mean over pages), split {args.split}, {len(records)} pages")
    print(f"{'page type':14s} {'pages':>5s}  " + "  ".join(f"{name[:22]:>22s}" for name in tables))
    for key in keys:
        cells = "  ".join(f"{t[key]['f1']:>8.3f} P{t[key]['precision']:.2f} R{t[key]['recall']:.2f}"
                          for t in tables.values())
        print(f"{key:14s} {next(iter(tables.values()))[key]['pages']:5d}  {cells}")
    print("snippets, all pages (with: higher is better; without: lower is better)")
    for name, t in tables.items():
        print(f"  {name:24s} with {t['all']['with']:.3f}  without {t['all']['without']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"split": args.split, "tables": tables}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
