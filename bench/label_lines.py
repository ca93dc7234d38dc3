#!/usr/bin/env python3
"""Hand labels of a page's lines, stored as offsets (docs/labelling.md).

    python bench/label_lines.py export --corpus C --id ID [--view text] > page.tsv
    python bench/label_lines.py import --corpus C --id ID page.tsv [--labeller NAME] [--second]
    python bench/label_lines.py agree            # lines labelled twice, and how often alike
    python bench/label_lines.py summary          # pages, lines and labels in the set
    python bench/label_lines.py export|import --train ...   # a train page, for the training set
    python bench/label_lines.py pick --corpus C [C ...] [--per-type article=15,forum=6]   # train pages to label next

The labels of a page live in bench/labels/categories/<corpus>/<id>.json (a second, independent
labelling of some pages in bench/labels/categories-second/): the view's sha256 and one
``[start, end, label]`` per non-empty line, in code points. They are the category dev set:
never trained on. Pages of the train split labelled by the same guide live apart, in
bench/labels/train/ (``--train``): the category stage learns from them (``winnow train
--hand-labels``); a page of one set is refused by the other.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from winnow.document import LABEL_SET  # noqa: E402

LABELS_DIR = ROOT / "bench" / "labels" / "categories"
SECOND_DIR = ROOT / "bench" / "labels" / "categories-second"
TRAIN_DIR = ROOT / "bench" / "labels" / "train"
TRAIN_SECOND_DIR = ROOT / "bench" / "labels" / "train-second"


def read_record(corpus: Path, page_id: str) -> dict:
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            if f'"{page_id}"' in line:
                record = json.loads(line)
                if record["id"] == page_id:
                    return record
    raise SystemExit(f"no page {page_id} in {corpus}")


def lines_of(text: str) -> list[tuple[int, int]]:
    """[start, end) of each non-empty line (one with a non-space character), newline excluded."""
    out, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            out.append((start, end))
        start = end + 1
    return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def corpus_name(corpus: Path) -> str:
    return corpus.name.split(".")[0]


def _record_of_split(args: argparse.Namespace) -> dict:
    """The page, refused unless it is in the split its set holds: dev (the measure), or train."""
    record = read_record(args.corpus, args.id)
    split = "train" if args.train else "dev"
    if record.get("split") != split:
        raise SystemExit(f"{args.id} is in split {record.get('split')!r}: this set holds {split} pages only")
    return record


def export(args: argparse.Namespace) -> int:
    record = _record_of_split(args)
    text = record["views"][args.view]
    for n, (s, e) in enumerate(lines_of(text), 1):
        print(f"?\t{n}\t{text[s:e].replace(chr(9), chr(92) + 't')}")
    return 0


def import_(args: argparse.Namespace) -> int:
    record = _record_of_split(args)
    text = record["views"][args.view]
    bounds = lines_of(text)
    rows = [r.split("\t", 2) for r in Path(args.tsv).read_text(encoding="utf-8").split("\n") if r.strip()]
    if len(rows) != len(bounds):
        raise SystemExit(f"{len(rows)} rows for {len(bounds)} non-empty lines: export the page again")
    spans = []
    for (s, e), row in zip(bounds, rows, strict=True):
        label = row[0].strip()
        if label not in LABEL_SET:
            raise SystemExit(f"line {row[1] if len(row) > 1 else '?'}: {label!r} is not a label "
                             f"({', '.join(sorted(LABEL_SET))})")
        if len(row) > 2 and row[2] != text[s:e].replace("\t", "\\t"):
            raise SystemExit(f"line {row[1]}: its text differs from the view's line: export the page again")
        spans.append([s, e, label])
    sets = {(False, False): LABELS_DIR, (False, True): SECOND_DIR,
            (True, False): TRAIN_DIR, (True, True): TRAIN_SECOND_DIR}
    folder = sets[(args.train, args.second)] / corpus_name(args.corpus)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{args.id}.json"
    doc = {"corpus": corpus_name(args.corpus), "id": args.id, "view": args.view, "sha256": sha256(text),
           "page_type": record.get("page_type", "article"), "labeller": args.labeller, "spans": spans}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}: {len(spans)} lines, {dict(Counter(s[2] for s in spans))}")
    return 0


def load_set(folder: Path = LABELS_DIR) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*/*.json"))]


def agree(args: argparse.Namespace) -> int:
    first = {(d["corpus"], d["id"]): d for d in load_set(TRAIN_DIR if args.train else LABELS_DIR)}
    lines = same = 0
    confused: Counter = Counter()
    for second in load_set(TRAIN_SECOND_DIR if args.train else SECOND_DIR):
        one = first.get((second["corpus"], second["id"]))
        if one is None or one["sha256"] != second["sha256"]:
            continue
        for a, b in zip(one["spans"], second["spans"], strict=True):
            lines += 1
            same += a[2] == b[2]
            if a[2] != b[2]:
                confused[(a[2], b[2])] += 1
    print(f"lines checked twice: {lines}; same label: {same} ({same / max(lines, 1):.1%})")
    for (a, b), n in confused.most_common(15):
        print(f"  {n:4d}  first {a:12s} second {b}")
    return 0


def summary(args: argparse.Namespace) -> int:
    docs = load_set(TRAIN_DIR if args.train else LABELS_DIR)
    labels = Counter(s[2] for d in docs for s in d["spans"])
    kinds = Counter(d["page_type"] for d in docs)
    print(f"pages: {len(docs)} ({dict(kinds)}); lines: {sum(labels.values())}")
    for label, n in labels.most_common():
        print(f"  {label:12s} {n:6d}")
    return 0


# the labels the category stage named worst on the dev set (engine 0.17.0: comments F1 0.32, paywall
# 0.44, related 0.42, image 0.47), and each one's weight when pages are ranked for labelling
WANTED = {"comments": 3, "paywall": 4, "image": 3, "newsletter": 2, "ad": 2, "related": 1, "cookie": 1}
WANTED_CAP = 20  # lines of one label counted at most: a page of 200 related lines is not 10 pages' worth
BEYOND_ENGLISH = 1.5  # a page whose <html lang> names another language is worth this much more
_LANG = re.compile(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})")


def page_worth(labels: list[str]) -> float:
    """How much a page's lines would teach the category stage: its lines of the WANTED labels (by
    what its markup says, model/silver.py), weighed, each label counted up to WANTED_CAP times, over
    the square root of its line count (a long page costs a labeller more)."""
    counts = Counter(labels)
    return sum(min(counts[k], WANTED_CAP) * w for k, w in WANTED.items()) / max(len(labels), 1) ** 0.5


def pick(args: argparse.Namespace) -> int:
    """Train pages not yet in the training set, ranked by ``page_worth`` within each page type."""
    from winnow.model.silver import line_labels

    have = {(p.parent.name, p.stem) for p in TRAIN_DIR.glob("*/*.json")}
    per_type = dict((k, int(v)) for k, v in (item.split("=") for item in args.per_type.split(",") if item))
    ranked: dict[str, list] = {}
    for corpus in args.corpus:
        with gzip.open(corpus, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                record = json.loads(line)
                if record.get("split") != "train" or (corpus_name(corpus), record["id"]) in have \
                        or not record.get("html"):
                    continue
                text = record["views"].get(args.view) or ""
                lines = len(lines_of(text))
                if not args.min_lines <= lines <= args.max_lines:
                    continue
                labels = [label for label, _ in line_labels(record["html"], text)[2]]
                kind = record.get("page_type", "article")
                lang = _LANG.search(record["html"], 0, 3000)
                worth = page_worth(labels) * (BEYOND_ENGLISH if lang and lang.group(1).lower() != "en" else 1.0)
                ranked.setdefault(kind, []).append((worth, corpus_name(corpus), record["id"], lines))
                if n % 100 == 0:
                    print(f"  {corpus_name(corpus)}: {n} records read", file=sys.stderr)
    for kind, rows in sorted(ranked.items()):
        for worth, corpus, page_id, lines in sorted(rows, reverse=True)[:per_type.get(kind, args.default)]:
            print(f"{kind}\t{corpus}\t{page_id}\t{lines}\t{worth:.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("export", "import"):
        p = sub.add_parser(name)
        p.add_argument("--corpus", type=Path, required=True)
        p.add_argument("--id", required=True)
        p.add_argument("--view", default="text")
        p.add_argument("--train", action="store_true", help="a page of the train split, for the training set")
        if name == "import":
            p.add_argument("tsv")
            p.add_argument("--labeller", default="")
            p.add_argument("--second", action="store_true", help="an independent second labelling")
    sub.add_parser("agree").add_argument("--train", action="store_true", help="the training set's pages")
    sub.add_parser("summary").add_argument("--train", action="store_true", help="the training set")
    p = sub.add_parser("pick", help="train pages to label next: one row per page, by type, best first")
    p.add_argument("--corpus", type=Path, nargs="+", required=True)
    p.add_argument("--view", default="text")
    p.add_argument("--per-type", default="", help="how many pages of each type, e.g. article=15,forum=6")
    p.add_argument("--default", type=int, default=5, help="how many of a type --per-type does not name")
    p.add_argument("--min-lines", type=int, default=30)
    p.add_argument("--max-lines", type=int, default=220)
    args = ap.parse_args(argv)
    return {"export": export, "import": import_, "agree": agree, "summary": summary,
            "pick": pick}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
