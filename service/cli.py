"""`winnow serve | clean | train`: the service under gunicorn, the engine on a file, the model rebuilt."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .config import Settings


def _serve(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    for name in ("host", "port", "workers", "threads"):
        value = getattr(args, name)
        if value is not None:
            env[f"WINNOW_{name.upper()}"] = str(value)
    conf = Path(__file__).with_name("gunicorn_conf.py")
    argv = [sys.executable, "-m", "gunicorn", "-c", str(conf), "winnow:create_app()"]
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def _clean(args: argparse.Namespace) -> int:
    from .answer import CleanRequest, build_answer
    from .document import KEPT_LABELS_DEFAULT
    from .engine import Engine
    from .files import clean_command

    if args.format != "text":  # a crawl file (service/files.py), or text found by detection (None)
        if args.jobs < 1:
            print("winnow clean: --jobs must be at least 1", file=sys.stderr)
            return 2
        status = clean_command(args.file, args.format, field=args.field, html=args.html, jobs=args.jobs,
                               spans=args.spans, full=args.json, extracted=args.extracted, progress=args.progress,
                               out=sys.stdout, err=sys.stderr)
        if status is not None:
            return status

    try:
        raw = sys.stdin.buffer.read() if args.file in (None, "-") else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"winnow clean: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    source = raw.decode("utf-8", errors="replace")
    engine = Engine.from_settings(Settings.from_env())
    req = CleanRequest(None if args.html else source, source if args.html else None,
                       KEPT_LABELS_DEFAULT, "codepoint", args.json, args.extracted)
    answer, _ = build_answer(engine, req)
    if args.json:
        json.dump(answer, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(answer["text"] + "\n")
    return 0


def _train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .engine import Engine
    from .model.features import StopWordHashes
    from .model.train import train
    from .model.train_categories import HAND_WEIGHT
    from .rules import load_word_lists

    try:
        from sklearn import __version__  # noqa: F401  (training only: `pip install -e '.[train]'`)
    except ImportError:
        print("winnow train: needs scikit-learn; install the extra: pip install -e '.[train]'", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    out = Path(args.out) if args.out else (settings.model_file or Path(settings.rules_dir) / Settings.model_path)
    settings = replace(settings, model_path=Path("off"))  # rules only: the model is what we build
    missing = [c for c in args.corpus if not Path(c).is_file()]
    if missing:
        print(f"winnow train: no such corpus: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.hand_labels and not Path(args.hand_labels).is_dir():
        print(f"winnow train: no such folder of hand labels: {args.hand_labels}", file=sys.stderr)
        return 2
    engine = Engine.from_settings(settings)
    stop = StopWordHashes(load_word_lists(Path(settings.rules_dir) / "stopwords"))
    hand_weight = HAND_WEIGHT if args.hand_weight is None else args.hand_weight
    train(engine, stop, [Path(c) for c in args.corpus], out, seed=args.seed, limit=args.limit,
          hand_labels=Path(args.hand_labels) if args.hand_labels else None, hand_weight=hand_weight)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="winnow", description="Separate article prose from page chaff.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--threads", type=int)
    serve.set_defaults(func=_serve)
    clean = sub.add_parser(
        "clean", help="clean a page, or a JSONL, WARC or WET file, and print the clean text",
        description="A text (or --html) page prints its clean text. A JSONL, WARC or WET file (gzip or not) prints "
                    "one JSON line per record, in input order: id, url, text (and spans with --spans). A malformed "
                    "record is reported on stderr with its position and skipped. Exit status: 0 every record "
                    "cleaned, 1 some were skipped, 2 nothing was done (bad usage, unreadable file).")
    clean.add_argument("file", nargs="?", help="a file, or - for stdin (the default)")
    clean.add_argument("--format", choices=["jsonl", "warc", "wet", "text"],
                       help="the input's format; default: from its extension (.jsonl, .ndjson, .warc, .wet, "
                            "each maybe .gz), else its first bytes; plain text when nothing else fits")
    clean.add_argument("--field", help="JSONL: the field to clean (default: text); --html if it is HTML")
    clean.add_argument("--spans", action="store_true", help="files: add each record's spans (and input_text)")
    clean.add_argument("--jobs", type=int, default=1, help="files: worker processes (default 1)")
    clean.add_argument("--progress", action="store_true", default=None,
                       help="files: show progress on stderr (the default when stderr is a terminal)")
    clean.add_argument("--json", action="store_true", help="print the full answer as JSON, with spans")
    clean.add_argument("--html", action="store_true", help="the input is HTML")
    kind = clean.add_mutually_exclusive_group()  # neither: as the input's kind says (options.extracted)
    kind.add_argument("--extracted", action="store_const", const=True, dest="extracted",
                      help="the text is a page's main content already: only the rules remove")
    kind.add_argument("--judged", action="store_const", const=False, dest="extracted",
                      help="judge every line by its page with the segment model (the default)")
    clean.set_defaults(func=_clean)
    trainer = sub.add_parser("train", help="rebuild the segment model from corpora with gold text (split train)")
    trainer.add_argument("corpus", nargs="+", help="JSONL(.gz) corpora: records with split, views and gold")
    trainer.add_argument("--out", help="where to write the model (.npz); default: the one the service loads")
    trainer.add_argument("--seed", type=int, default=0)
    trainer.add_argument("--limit", type=int, help="use only the first N train pages of each corpus")
    trainer.add_argument("--hand-labels", help="a folder of hand-labelled train pages the category stage learns "
                         "from too (bench/labels/train, written by bench/label_lines.py --train)")
    trainer.add_argument("--hand-weight", type=float,
                         help="how many silver-labelled views one hand-labelled view weighs "
                              "(default: the shipped model's, model/train_categories.py HAND_WEIGHT)")
    trainer.set_defaults(func=_train)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
