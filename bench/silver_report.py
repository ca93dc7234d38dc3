#!/usr/bin/env python3
"""How well the views align with their DOM, and what the silver labels say of the non-gold lines.

    python bench/silver_report.py --corpus ../shared/corpus/scrapinghub.jsonl.gz \\
        --corpus ../shared/corpus/readability.jsonl.gz --corpus ../shared/corpus/wcxb.jsonl.gz --split train

For every page of the split and every view: the share of non-empty lines that dom_align aligns
(over the lines holding a letter or digit, and over all non-empty lines), then the silver label
distribution over the lines the gold does not cover (gold coverage as the trainer measures it,
service/model/labels.py), with the evidence kinds that decided them, and the time per page
(parsing the page once plus aligning and labelling its views).

--sample N draws N non-gold, silver-labelled lines of the text view (seed --seed, markup lines
left out) and writes them with their page context to --sample-out (JSONL) for checking by hand.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from winnow.document import LABELS  # noqa: E402
from winnow.model.dom_align import align, dom_text, nonempty_lines  # noqa: E402
from winnow.model.labels import gold_labels  # noqa: E402
from winnow.model.silver import Labeller  # noqa: E402

VIEWS = ("text", "markdown", "wet")
CONTEXT = 3  # lines shown before and after a sampled line


def read(path: Path, split: str) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if split == "all" or r.get("split") == split]


def evidence_kind(evidence: str) -> str:
    return evidence.split(":", 1)[0].split("+", 1)[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", required=True)
    ap.add_argument("--split", default="train", choices=("train", "dev", "all"))
    ap.add_argument("--views", default=",".join(VIEWS))
    ap.add_argument("--limit", type=int, default=0, help="pages per corpus (0: all)")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample-out", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    views = tuple(v for v in args.views.split(",") if v)

    aligned: Counter = Counter()
    distribution: Counter = Counter()  # (view, label)
    kinds: Counter = Counter()  # (label, evidence kind), all views
    candidates: list[dict] = []
    pages, seconds = 0, 0.0
    for path in args.corpus:
        records = read(path, args.split)
        if args.limit:
            records = records[:args.limit]
        for n, rec in enumerate(records, 1):
            t0 = time.perf_counter()
            dom = dom_text(rec["html"])
            labeller = Labeller(dom)
            results = {}
            for view in views:
                text = rec["views"].get(view) or ""
                starts, ends = nonempty_lines(text)
                matches = align(dom, text, starts, ends)
                labels = [labeller.decide(m, text[s:e]) for m, s, e in zip(matches, starts, ends, strict=True)]
                results[view] = (text, starts, ends, matches, labels)
            seconds += time.perf_counter() - t0
            pages += 1
            for view, (text, starts, ends, matches, labels) in results.items():
                gold = gold_labels(text, starts, ends, rec["gold"])
                for k, m in enumerate(matches):
                    aligned[(view, "lines")] += 1
                    aligned[(view, "aligned")] += m.element is not None
                    if m.tokens:
                        aligned[(view, "with_tokens")] += 1
                        aligned[(view, "aligned_with_tokens")] += m.element is not None
                    if gold[k]:
                        continue
                    label, evidence = labels[k]
                    distribution[(view, label)] += 1
                    kinds[(label, evidence_kind(evidence))] += 1
                    if view == "text" and args.sample and label != "markup":
                        lines = [text[s:e] for s, e in zip(starts, ends, strict=True)]
                        candidates.append({
                            "corpus": path.name.split(".")[0], "id": rec["id"], "line": k,
                            "text": lines[k], "label": label, "evidence": evidence,
                            "page_type": rec.get("page_type", ""),
                            "before": lines[max(0, k - CONTEXT):k], "after": lines[k + 1:k + 1 + CONTEXT],
                        })
            print(f"  {path.name}: {n}/{len(records)} pages", file=sys.stderr, end="\r")
        print(file=sys.stderr)

    print(f"{pages} pages, {args.split} split; {1000 * seconds / max(pages, 1):.1f} ms per page "
          f"(parse once, align and label {len(views)} views)")
    print("alignment: share of non-empty lines aligned (lines with a letter or digit / all non-empty lines)")
    for view in views:
        w = aligned[(view, "with_tokens")]
        print(f"  {view:9s} {aligned[(view, 'aligned_with_tokens')] / max(w, 1):.4f} of {w:7d}   "
              f"{aligned[(view, 'aligned')] / max(aligned[(view, 'lines')], 1):.4f} of {aligned[(view, 'lines')]:7d}")
    print("silver labels of the non-gold lines (share per view)")
    print(f"  {'label':12s}" + "".join(f"{v:>18s}" for v in views))
    totals = {v: sum(c for (vv, _), c in distribution.items() if vv == v) for v in views}
    for label in LABELS:
        if any(distribution[(v, label)] for v in views):
            print(f"  {label:12s}" + "".join(
                f"{distribution[(v, label)]:9d} {distribution[(v, label)] / max(totals[v], 1):7.1%} " for v in views))
    print(f"  {'total':12s}" + "".join(f"{totals[v]:9d} {'':8s}" for v in views))
    print("evidence kinds per label (all views)")
    for label in LABELS:
        row = sorted(((kind, c) for (lab, kind), c in kinds.items() if lab == label), key=lambda x: -x[1])
        if row:
            print(f"  {label:12s} " + ", ".join(f"{kind} {c}" for kind, c in row))
    if args.sample:
        rng = random.Random(args.seed)
        sample = rng.sample(candidates, min(args.sample, len(candidates)))
        out = args.sample_out or Path("silver_sample.jsonl")
        with out.open("w", encoding="utf-8") as f:
            for item in sample:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"sample: {len(sample)} of {len(candidates)} non-gold, non-markup text-view lines -> {out}")
    if args.json:
        args.json.write_text(json.dumps({
            "pages": pages, "ms_per_page": 1000 * seconds / max(pages, 1),
            "aligned": {f"{v}/{k}": c for (v, k), c in aligned.items()},
            "distribution": {f"{v}/{label}": c for (v, label), c in distribution.items()},
        }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
