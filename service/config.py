"""Settings: one frozen object, built once and passed down (never read from globals deep inside)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_RULES_DIR = PACKAGE_DIR.parent / "rules"


@dataclass(frozen=True)
class Settings:
    rules_dir: Path = DEFAULT_RULES_DIR
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    max_body_bytes: int = 8 * 1024 * 1024
    max_text_chars: int = 5_000_000
    log_level: str = "info"
    metrics: bool = True
    metrics_dir: Path = Path("/tmp/winnow-metrics")  # Prometheus multiprocess files; wiped at server start

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
            elif isinstance(default, Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
