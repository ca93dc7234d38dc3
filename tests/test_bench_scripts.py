"""bench/compare_engines.py runs end to end: two worker subprocesses warmed on a corpus, one round, a ratio
printed."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
         "--corpus", str(corpus), "--split", "dev", "--view", "text", "--rounds", "1", "--warm", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "ratio this / baseline:" in run.stdout
    assert run.stdout.count("    3 docs") == 2  # one line per checkout
    assert "warming them on 6 texts" in run.stderr  # every view of the warm corpus, then the timed pages


def _tiny_corpus(tmp_path) -> str:
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(3):
            text = "\n".join(["Home", "News", f"Page {n}", PROSE, "Share on Facebook", "Advertisement"] * 3)
            f.write(json.dumps({"id": f"p{n}", "url": f"https://example.com/{n}", "split": "dev", "gold": PROSE,
                                "views": {"text": text}}) + "\n")
    return str(corpus)


def test_library_bench_in_process_and_with_two_jobs(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "library.py"), _tiny_corpus(tmp_path),
                          "--jobs", "1,2", "--repeat", "4", "--chunksize", "2"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("jobs=")]
    assert len(lines) == 2, run.stdout
    assert all("    12 pages" in line and line.endswith("mismatches 0") for line in lines), run.stdout


def test_dask_local_bench_on_a_local_cluster(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "dask_local.py"), _tiny_corpus(tmp_path),
                          "--workers", "2", "--repeat", "4", "--partitions", "4"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "12 pages in" in run.stdout and "mismatches 0 (of 12)" in run.stdout
    built = re.search(r"cleaners built per worker \[(\d+), (\d+)\]", run.stdout)  # at most once per worker
    assert built and {int(n) for n in built.groups()} <= {0, 1} and "1" in built.groups(), run.stdout


def test_rule_stage_bench_compares_the_shipped_finders_with_roomier_ones(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "rule_stage.py"), "--corpus", _tiny_corpus(tmp_path),
                          "--rounds", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "3 texts (every view, split all)" in run.stdout
    ratio = re.search(r"ratio shipped / roomy: (\d+\.\d+)", run.stdout)
    assert ratio and float(ratio.group(1)) > 0, run.stdout


def test_category_cv_bench_names_the_held_out_hand_labelled_chaff(tmp_path):
    """Four train pages whose markup names 30 menu links and 30 share links each; each page's text
    view is labelled by hand. Two folds of two pages, two hand weights: every hand-labelled chaff
    line of the held-out pages is named once per weight."""
    import hashlib

    corpus = tmp_path / "tiny.jsonl.gz"
    labels = tmp_path / "labels" / "tiny"
    labels.mkdir(parents=True)
    menu = [f"Section {k}" for k in range(30)]
    share = [f"Share on network {k}" for k in range(30)]
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(4):
            html = ("<html><body><nav>" + "".join(f"<a href='/s{k}'>{m}</a><br>" for k, m in enumerate(menu))
                    + f"</nav><article><p>{PROSE}</p><p>{PROSE} {n}</p></article><div class='share-bar'>"
                    + "".join(f"<a href='/x{k}'>{s}</a><br>" for k, s in enumerate(share)) + "</div></body></html>")
            text = "\n".join(menu + [PROSE, f"{PROSE} {n}"] + share)
            f.write(json.dumps({"id": f"p{n}", "split": "train", "html": html, "gold": f"{PROSE}\n\n{PROSE} {n}",
                                "views": {"text": text}}) + "\n")
            spans, at = [], 0
            for k, line in enumerate(text.split("\n")):
                label = "navigation" if k < 30 else "content" if k < 32 else "social"
                spans.append([at, at + len(line), label])
                at += len(line) + 1
            (labels / f"p{n}.json").write_text(json.dumps(
                {"corpus": "tiny", "id": f"p{n}", "view": "text", "page_type": "article", "labeller": "t",
                 "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "spans": spans}), encoding="utf-8")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "category_cv.py"), str(corpus),
                          "--hand-labels", str(tmp_path / "labels"), "--folds", "2", "--hand-weight", "0", "10",
                          "--c", "1", "--balance", "0", "--smoothing", "0.3", "--min-probability", "0.3", "1.01",
                          "--boilerplate-margin", "1", "3"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "4 pages labelled by hand, 2 folds" in run.stderr
    found = re.findall(r"hand weight\s+(\d+), C\s+1, balance\s+0, smoothing\s+0.3, min probability\s+([\d.]+), "
                       r"boilerplate margin\s+([\d.]+): (\d+) chaff segments, accuracy (\d\.\d+), macro-F1 \d\.\d+, "
                       r"named boilerplate (\d\.\d+)", run.stdout)
    assert [(w, mp, bm, n) for w, mp, bm, n, _, _ in found] == [
        (w, mp, bm, "240") for w in ("0", "10") for mp in ("0.3", "1.01") for bm in ("1", "3")], run.stdout
    # these pages have no boilerplate class to prefer a category over: the margin changes nothing
    assert [r[4:] for r in found if r[2] == "1"] == [r[4:] for r in found if r[2] == "3"]
    rows = [(w, mp, n, a, b) for w, mp, bm, n, a, b in found if bm == "1"]
    assert all(0.0 <= float(a) <= 1.0 for _, _, _, a, _ in rows)
    # no class is ever as likely as 1.01: every line is named boilerplate
    assert [float(b) for _, mp, _, _, b in rows if mp == "1.01"] == [1.0, 1.0]


def test_label_lines_pick_ranks_unlabelled_train_pages_by_the_chaff_their_markup_names(tmp_path):
    """bench/label_lines.py pick: train pages only, ranked within their type by the lines their markup
    names with the labels the category stage names worst (here comments), a page in another
    language worth 1.5 times as much, and as many of each type as asked."""
    corpus = tmp_path / "tiny.jsonl.gz"
    menu = "<nav>" + "".join(f"<a href='/s{k}'>Section {k}</a><br>" for k in range(10)) + "</nav>"
    comments = "<div class='comments'>" + "".join(f"<p>Reader {k} wrote a reply here</p>" for k in range(8)) + "</div>"

    def page(page_id, split, kind, body, lang="en"):
        html = f"<html lang='{lang}'><body>{menu}<article><p>{PROSE}</p></article>{body}</body></html>"
        lines = [f"Section {k}" for k in range(10)] + [PROSE] + re.findall(r"<p>([^<]+)</p>", body)
        return {"id": page_id, "split": split, "page_type": kind, "html": html, "gold": PROSE,
                "views": {"text": "\n".join(lines)}}

    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for rec in (page("plain", "train", "article", ""), page("talk", "train", "article", comments),
                    page("rede", "train", "article", comments, lang="de"), page("held", "dev", "article", comments),
                    page("thread", "train", "forum", comments), page("thread2", "train", "forum", "")):
            f.write(json.dumps(rec) + "\n")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "label_lines.py"), "pick", "--corpus", str(corpus),
                          "--per-type", "article=3", "--default", "1", "--min-lines", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    assert [(kind, page_id) for kind, _, page_id, _, _ in rows] == [
        ("article", "rede"), ("article", "talk"), ("article", "plain"), ("forum", "thread")]
    worth = {page_id: float(w) for _, _, page_id, _, w in rows}
    assert worth["plain"] == 0.0 and worth["talk"] > 0.0
    assert worth["rede"] == pytest.approx(1.5 * worth["talk"], abs=0.01)
    assert all(corpus_name == "tiny" for _, corpus_name, _, _, _ in rows)


def test_rule_hits_bench_counts_fires_and_fires_on_gold_lines(tmp_path):
    """Each of the 3 pages' text view fires "Advertisement" 3 times, never on the gold; the
    markdown view's image residue is stripped first, as in the engine."""
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(3):
            text = "\n".join(["Home", "![](a.png)Advertisement", PROSE, "Share on Facebook", "Advertisement"] * 3)
            f.write(json.dumps({"id": f"p{n}", "split": "train", "gold": PROSE + "\nShare on Facebook",
                                "views": {"text": text}}) + "\n")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "rule_hits.py"), "--corpus", str(corpus),
                          "--views", "text"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()[1:]}
    ad = [rule for rule, (fires, _, _) in rows.items() if rule.startswith("ad.") and int(fires) == 18]
    assert ad and rows[ad[0]][1] == "0", run.stdout  # 2 lines x 3 repeats x 3 pages, none in gold
    shares = [rule for rule, (fires, in_gold, _) in rows.items() if int(in_gold) == 9]
    assert shares and shares[0].startswith("social."), run.stdout  # "Share on Facebook" is a gold line here


def test_html_speed_times_a_baseline_checkout_in_the_same_run(tmp_path):
    """bench/html_speed.py --baseline: another checkout's Winnow (here this one, imported a second time
    under another name) takes its turn beside this one, trafilatura and readability-lxml."""
    pytest.importorskip("trafilatura", reason="benchmark-only dependency: pip install trafilatura==2.3.1")
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n in range(2):
            html = (f"<html><head><title>Page {n}</title></head><body><nav><a href='/'>Home</a></nav>"
                    f"<article><p>{PROSE}</p><p>{PROSE}</p></article><footer>Share on Facebook</footer></body></html>")
            f.write(json.dumps({"id": f"p{n}", "split": "dev", "gold": PROSE, "html": html}) + "\n")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "html_speed.py"), "--corpus", str(corpus), "--rounds", "1",
         "--baseline", str(ROOT), "--save", str(tmp_path / "answers")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line.split() for line in run.stdout.splitlines()[2:]}
    assert set(rows) == {"winnow", "winnow-baseline", "trafilatura", "readability-lxml"}
    assert f"from {ROOT}" in run.stderr and "baseline: engine" in run.stderr
    same = [json.loads(line)["text"] for line in (tmp_path / "answers" / "winnow.jsonl").open()]
    assert same == [json.loads(line)["text"] for line in (tmp_path / "answers" / "winnow-baseline.jsonl").open()]
    assert all(PROSE in text and "Home" not in text for text in same)


def test_html_speed_warms_up_on_other_splits_and_reports_the_first_round(tmp_path):
    """The warm-up pages come from the other splits and are not timed; the first round (pages not yet
    seen) is reported beside the median of the rounds."""
    pytest.importorskip("trafilatura", reason="benchmark-only dependency: pip install trafilatura==2.3.1")
    corpus = tmp_path / "tiny.jsonl.gz"
    with gzip.open(corpus, "wt", encoding="utf-8") as f:
        for n, split in enumerate(("train", "train", "dev")):
            html = f"<html><body><article><p>{PROSE}</p></article><p>Page {n}</p></body></html>"
            f.write(json.dumps({"id": f"p{n}", "split": split, "gold": PROSE, "html": html}) + "\n")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "html_speed.py"), "--corpus", str(corpus), "--rounds", "2",
         "--warmup", "1", "--save", str(tmp_path / "answers")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 pages, median of 2 rounds, and the first round alone (after 1 pages of warm-up)" in run.stdout
    assert "warm-up: 1/1 pages of other splits" in run.stderr
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()[2:]}
    assert set(rows) == {"winnow", "trafilatura", "readability-lxml"}
    assert all(len(values) == 4 and float(values[2]) > 0 for values in rows.values())
    assert rows["trafilatura"][1] == rows["trafilatura"][3] == "1.00"
    answered = [json.loads(line)["id"] for line in (tmp_path / "answers" / "winnow.jsonl").open()]
    assert answered == ["p2"]  # the warm-up pages are not among the answers
