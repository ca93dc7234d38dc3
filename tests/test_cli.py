import json
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_cli_clean_prints_clean_text(engine) -> None:
    seed = SEEDS / "003_26a68be119fd5844.txt"
    out = subprocess.run([sys.executable, "-m", "service.cli", "clean", str(seed)],
                         capture_output=True, text=True, check=True).stdout
    assert out == engine.clean(seed.read_text(encoding="utf-8")).text + "\n"


def test_cli_clean_json_from_stdin_has_spans() -> None:
    seed = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "service.cli", "clean", "-", "--json"], input=seed,
                         capture_output=True, text=True, check=True).stdout
    answer = json.loads(out)
    assert answer["paywalled"] is True
    assert answer["spans"][-1]["end"] == len(seed)
