#!/usr/bin/env python3
"""How often each rule fires on a corpus, and how often on lines of the gold article text.

    python bench/rule_hits.py --corpus ../shared/corpus/scrapinghub.jsonl.gz --split train
        [--views text,markdown,wet] [--rules rules] [--show-gold 5] [--only PREFIX]

A rule fires on a segment (service.segment.split_segments) as the phrase tagger applies it:
hits from RuleSet.line_hits, max_chars honoured (a long segment is cut to its sentence for
scope-anywhere rules, as service/taggers/phrases.py does). A fired piece is "in gold" when,
whitespace-normalised and case-folded (Markdown link targets dropped), it is a whole line of
the gold text, or, from --substring-min characters on, a substring of the normalised gold
(a short piece such as "Share" is a substring of almost any article, so it must be a line).
A rule with in_gold > 0 removes article text: narrow it. Use split "train" only.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import load  # noqa: E402
from winnow.document import Document  # noqa: E402
from winnow.rules import load_rules  # noqa: E402
from winnow.segment import split_segments  # noqa: E402
from winnow.taggers.phrases import PhraseTagger  # noqa: E402
from winnow.taggers.residue import ResidueTagger  # noqa: E402

_LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
_MARKUP = re.compile(r"!?\[|\]")
_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


def normalise(text: str) -> str:
    """Whitespace-normalised, case-folded text with Markdown link and image syntax removed."""
    text = _MARKUP.sub("", _LINK_TARGET.sub("", text))
    return _SPACE.sub(" ", text).strip().casefold()


def bare(text: str) -> str:
    """A normalised line without the bullets and punctuation at its edges."""
    return _EDGE.sub("", normalise(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--split", default="train", choices=["train", "dev", "all"])
    ap.add_argument("--views", default="text,markdown,wet")
    ap.add_argument("--rules", default=str(Path(__file__).resolve().parent.parent / "rules"))
    ap.add_argument("--substring-min", type=int, default=40,
                    help="pieces this long count as in gold when they are a substring of it")
    ap.add_argument("--show-gold", type=int, default=0, metavar="N", help="print N gold pieces per rule")
    ap.add_argument("--show-fires", type=int, default=0, metavar="N", help="print N fired pieces per rule")
    ap.add_argument("--only", default="", help="report rules whose id starts with this")
    args = ap.parse_args(argv)

    ruleset = load_rules(Path(args.rules))
    tagger = PhraseTagger(ruleset)
    residue = ResidueTagger(ruleset)  # the phrase rules match the visible text, as in the engine
    records = load(args.corpus, args.split)
    views = args.views.split(",")
    print(f"{len(records)} records of split {args.split}, {len(ruleset.rules)} rules", file=sys.stderr)
    fires: Counter[str] = Counter()
    in_gold: Counter[str] = Counter()
    gold_pieces: dict[str, Counter[str]] = {}
    fired_pieces: dict[str, Counter[str]] = {}
    for n, rec in enumerate(records, 1):
        gold = normalise(rec["gold"])
        gold_lines = {bare(line) for line in rec["gold"].splitlines()}
        for view in views:
            text = rec["views"][view]
            doc = Document(text, split_segments(text))
            doc.proposals[residue.role] = residue.tag(doc)
            for span in tagger.tag(doc):
                piece = text[span.start:span.end]
                fires[span.rule] += 1
                fired_pieces.setdefault(span.rule, Counter())[piece[:100]] += 1
                norm = normalise(piece)
                if not norm or not bare(piece):
                    continue
                if bare(piece) in gold_lines or (len(norm) >= args.substring_min and norm in gold):
                    in_gold[span.rule] += 1
                    gold_pieces.setdefault(span.rule, Counter())[piece[:160]] += 1
        if n % 25 == 0 or n == len(records):
            print(f"  {n}/{len(records)} records", file=sys.stderr)

    ids = [r.id for r in ruleset.rules if not r.inline and r.id.startswith(args.only)]
    print(f"{'rule':44s} {'fires':>6s} {'in_gold':>7s} {'precision':>9s}")
    for rule_id in sorted(ids, key=lambda r: (-in_gold[r], -fires[r], r)):
        f, g = fires[rule_id], in_gold[rule_id]
        precision = f"{1 - g / f:.3f}" if f else "-"
        print(f"{rule_id:44s} {f:6d} {g:7d} {precision:>9s}")
        for piece, count in gold_pieces.get(rule_id, Counter()).most_common(args.show_gold):
            print(f"    gold x{count}: {piece!r}")
        for piece, count in fired_pieces.get(rule_id, Counter()).most_common(args.show_fires):
            print(f"    fire x{count}: {piece!r}")
    total_f, total_g = sum(fires[r] for r in ids), sum(in_gold[r] for r in ids)
    if total_f:
        print(f"{'TOTAL':44s} {total_f:6d} {total_g:7d} {1 - total_g / total_f:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
