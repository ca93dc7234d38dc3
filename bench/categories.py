#!/usr/bin/env python3
"""What Winnow's labels are worth: its line labels against the hand-labelled category dev set.

    python bench/categories.py --corpus-dir ../shared/corpus [--confusion] [--by-type] [--json out.json]

The set (bench/labels/categories/, written by bench/label_lines.py following docs/labelling.md)
labels every non-empty line of the text view of dev pages by hand. Each page is cleaned by the
engine in-process; a line takes the label of the answer's spans that cover most of its characters.
Printed: line accuracy, macro-F1 over the labels the hand labels use, the share of the removed
lines (labelled neither content nor title) that Winnow calls `boilerplate`, per-label precision
and recall, and with --confusion the confusion matrix (rows: hand label, columns: Winnow's).
The set is never trained on.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.label_lines import LABELS_DIR, load_set, sha256  # noqa: E402
from winnow.config import Settings  # noqa: E402
from winnow.document import LABELS  # noqa: E402
from winnow.engine import Engine  # noqa: E402

KEPT = ("content", "title")


def views_of(corpus_dir: Path, wanted: dict[str, set[str]]) -> dict[tuple[str, str], dict]:
    out = {}
    for corpus, ids in wanted.items():
        with gzip.open(corpus_dir / f"{corpus}.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if rec["id"] in ids:
                    out[(corpus, rec["id"])] = rec
    return out


def line_labels(spans: list, bounds: list[list]) -> list[str]:
    """The label of each [start, end) line: the one whose spans cover most of its characters."""
    spans = sorted(spans, key=lambda s: s.start)
    out, k = [], 0
    for start, end, _ in bounds:
        while k < len(spans) and spans[k].end <= start:
            k += 1
        cover: Counter = Counter()
        j = k
        while j < len(spans) and spans[j].start < end:
            s = spans[j]
            cover[s.label] += min(end, s.end) - max(start, s.start)
            j += 1
        out.append(cover.most_common(1)[0][0] if cover else "content")
    return out


def evaluate(pairs: list[tuple[str, str]]) -> dict:
    gold_labels = sorted({g for g, _ in pairs}, key=LABELS.index)
    per_label = {}
    for label in gold_labels:
        tp = sum(g == p == label for g, p in pairs)
        fp = sum(p == label and g != label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"lines": tp + fn, "precision": precision, "recall": recall, "f1": f1}
    removed = [p for _, p in pairs if p not in KEPT]
    return {
        "lines": len(pairs),
        "accuracy": sum(g == p for g, p in pairs) / max(len(pairs), 1),
        "macro_f1": sum(v["f1"] for v in per_label.values()) / max(len(per_label), 1),
        "removed_lines": len(removed),
        "boilerplate_share_of_removed": removed.count("boilerplate") / max(len(removed), 1),
        "keep_accuracy": sum((g in KEPT) == (p in KEPT) for g, p in pairs) / max(len(pairs), 1),
        "per_label": per_label,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus-dir", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--labels", type=Path, default=LABELS_DIR)
    ap.add_argument("--confusion", action="store_true")
    ap.add_argument("--by-type", action="store_true", help="also the figures per page type")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    docs = load_set(args.labels)
    if not docs:
        ap.error(f"no labelled pages under {args.labels}")
    wanted: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        wanted[d["corpus"]].add(d["id"])
    records = views_of(args.corpus_dir, wanted)
    engine = Engine.from_settings(Settings.from_env())
    pairs, by_type = [], defaultdict(list)
    for n, d in enumerate(docs, 1):
        text = records[(d["corpus"], d["id"])]["views"][d["view"]]
        if sha256(text) != d["sha256"]:
            raise SystemExit(f"{d['corpus']}/{d['id']}: the view changed since it was labelled")
        predicted = line_labels(engine.clean(text).spans, d["spans"])
        page = [(s[2], p) for s, p in zip(d["spans"], predicted, strict=True)]
        pairs += page
        by_type[d["page_type"]] += page
        print(f"  {n}/{len(docs)} pages", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    result = evaluate(pairs)
    print(f"engine {engine.version}; {len(docs)} pages, {result['lines']} lines")
    print(f"line accuracy {result['accuracy']:.3f}   macro-F1 {result['macro_f1']:.3f}   "
          f"boilerplate share of removed lines {result['boilerplate_share_of_removed']:.3f} "
          f"(of {result['removed_lines']})   keep/remove accuracy {result['keep_accuracy']:.3f}")
    print(f"{'label':12s} {'lines':>6s} {'prec':>6s} {'recall':>6s} {'F1':>6s}")
    for label, v in result["per_label"].items():
        print(f"{label:12s} {v['lines']:6d} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f}")
    if args.by_type:
        for kind, items in sorted(by_type.items()):
            r = evaluate(items)
            print(f"  {kind:14s} lines {r['lines']:5d}  accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  "
                  f"boilerplate/removed {r['boilerplate_share_of_removed']:.3f}")
    if args.confusion:
        used = [label for label in LABELS if any(label in pair for pair in pairs)]
        print("confusion (rows: hand label; columns: Winnow)")
        print(" " * 12 + "".join(f"{label[:6]:>7s}" for label in used))
        counts = Counter(pairs)
        for g in used:
            print(f"{g:12s}" + "".join(f"{counts[(g, p)]:7d}" for p in used))
        result["confusion"] = {f"{g}->{p}": n for (g, p), n in counts.items()}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
