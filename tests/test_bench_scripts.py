"""bench/compare_engines.py runs end to end: two worker subprocesses, one round, a ratio printed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROSE = ("The council said on Tuesday that it would review the plan for the old bridge, and residents "
         "asked whether the work could start before the winter, when traffic is lower.")


def test_compare_engines_against_this_checkout(tmp_path):
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(3):
            text = "\n".join(["Home", "News", f"Page {n}", PROSE, "Share on Facebook", "Advertisement"] * 3)
            f.write(json.dumps({"id": f"p{n}", "split": "dev", "gold": PROSE, "views": {"text": text}}) + "\n")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compare_engines.py"), "--baseline", str(ROOT),
         "--corpus", str(corpus), "--split", "dev", "--view", "text", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "ratio this / baseline:" in run.stdout
    assert run.stdout.count("    3 docs") == 2  # one line per checkout
