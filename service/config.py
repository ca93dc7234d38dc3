"""Settings: one frozen object, built once and passed down (never read from globals deep inside)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _builtin_rules_dir() -> Path:
    """The rules that ship inside the package (the data package ``winnow.rules_data``: rules/ of the
    checkout in an editable install, ``winnow/rules_data/`` of the wheel), found with importlib.resources.

    A checkout imported by its folder name (``service``, as bench/compare_engines.py imports each
    checkout it compares) has no such package: its rules are the checkout's rules/ folder."""
    try:
        found = resources.files(f"{__package__}.rules_data")
    except ModuleNotFoundError:
        return PACKAGE_DIR.parent / "rules"
    # the engine reads its rules as files: from a zip import (not a pip install) the path below does
    # not exist and loading fails naming it, unless WINNOW_RULES_DIR points at a copy of the rules
    return found if isinstance(found, Path) else Path(str(found))


DEFAULT_RULES_DIR = _builtin_rules_dir()


@dataclass(frozen=True)
class Settings:
    rules_dir: Path = DEFAULT_RULES_DIR
    model_path: Path = Path("model/segment_v1.npz")  # relative: inside rules_dir; "off": rules and heuristics only
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    max_body_bytes: int = 8 * 1024 * 1024
    max_text_chars: int = 5_000_000
    max_spans: int = 100_000  # more spans than this: 422, asking for options.spans=false (never truncated)
    # more non-blank lines and table cells than this: 422. The engine's time and memory grow with them
    # (100,000 one-character lines: ~1.5 s and +300 MB); the largest page of the corpora has 3,348
    max_segments: int = 100_000
    # an HTML page's elements, comments and processing instructions (the nodes the rendering walks,
    # counted in C right after the parse): more than this, 422 before any walk. The largest page of
    # the corpora has 15,795; the walk costs up to ~10 us a node
    max_html_nodes: int = 200_000
    request_budget_s: float = 10.0  # wall time one /v1/clean may take before a 503; 0: no budget
    # POST /v1/clean/batch (service/batch.py): the whole body is read (and refused, 413, over these
    # limits) before the first answer line is sent; each line then has its own limits and budget
    max_batch_lines: int = 1000  # lines of one batch, blank ones included
    max_batch_bytes: int = 32 * 1024 * 1024  # one batch's body
    max_batch_line_bytes: int = 8 * 1024 * 1024  # one line of it (over: that line's answer is a 413 problem)
    batch_line_budget_s: float = 10.0  # wall time of one line, as request_budget_s for /v1/clean; 0: none
    log_level: str = "info"
    metrics: bool = True
    # where each server makes its private directory of Prometheus multiprocess files (removed at
    # exit); None: $XDG_RUNTIME_DIR/winnow-metrics or <temp dir>/winnow-metrics-<uid>. An operator's
    # PROMETHEUS_MULTIPROC_DIR wins (service/metrics_dir.py)
    metrics_dir: Path | None = None

    def __post_init__(self) -> None:
        """Refuse nonsense limits at boot rather than answering oddly at request time."""
        for name in ("max_body_bytes", "max_text_chars", "max_spans", "max_segments", "max_html_nodes",
                     "max_batch_lines",
                     "max_batch_bytes", "max_batch_line_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"WINNOW_{name.upper()} must be positive")
        if not 0 <= self.request_budget_s < float("inf"):  # also refuses NaN
            raise ValueError("WINNOW_REQUEST_BUDGET_S must be a number of seconds, 0 for no budget")
        if not 0 <= self.batch_line_budget_s < float("inf"):
            raise ValueError("WINNOW_BATCH_LINE_BUDGET_S must be a number of seconds, 0 for no budget")

    @property
    def model_file(self) -> Path | None:
        """The segment model's artifact, or None when the model is switched off."""
        if str(self.model_path) == "off":
            return None
        return self.model_path if self.model_path.is_absolute() else Path(self.rules_dir) / self.model_path

    @classmethod
    def from_env(cls, prefix: str = "WINNOW_", environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from ``WINNOW_<FIELD>`` variables; explicit overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(prefix + f.name.upper())
            if raw is None or raw == "":
                continue
            default = getattr(cls, f.name)
            if isinstance(default, bool):  # before int: bool is an int
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            elif isinstance(default, Path) or f.name == "metrics_dir":
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
