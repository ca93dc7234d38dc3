"""A regular (non-editable) install works: the wheel built from this checkout, installed in a fresh
virtualenv with its pinned dependencies (wheels only), cleans the seeds to their golden answers from
an unrelated directory, imports as `winnow` with its rules inside, and installs no `service`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _run(argv: list, cwd: Path, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, **kwargs)
    assert proc.returncode == 0, f"{argv}: {proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh virtualenv's bin/, an unrelated working directory)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # pip builds in the tree it is given: a copy, not the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("service", "rules"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source], cwd=tmp)
    (wheel,) = dist.glob("winnow-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert tops == {"winnow", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}, tops
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    bin_dir = venv / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--only-binary=:all:", wheel], cwd=tmp)
    elsewhere = tmp / "elsewhere"  # no rules/, no service/ here: only what the wheel installed
    elsewhere.mkdir()
    return bin_dir, elsewhere


def _golden(case: Path) -> dict:
    return json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SEEDS, ids=[p.stem for p in SEEDS])
def test_wheel_winnow_clean_gives_the_golden_answer(installed: tuple[Path, Path], case: Path) -> None:
    bin_dir, elsewhere = installed
    answer = json.loads(_run([bin_dir / "winnow", "clean", "--json", case], cwd=elsewhere).stdout)
    golden = _golden(case)
    assert answer["text"] == golden["text"] and answer["paywalled"] == golden["paywalled"]
    keys = ("start", "end", "label", "tagger", "rule")
    assert [{k: s[k] for k in keys} for s in answer["spans"]] == [{k: s[k] for k in keys} for s in golden["spans"]]


def test_wheel_winnow_clean_reads_stdin(installed: tuple[Path, Path]) -> None:
    bin_dir, elsewhere = installed
    case = SEEDS[0]
    out = _run([bin_dir / "winnow", "clean", "-"], cwd=elsewhere, input=case.read_text(encoding="utf-8")).stdout
    assert out == _golden(case)["text"] + "\n"


def test_wheel_imports_winnow_with_its_rules_and_no_service(installed: tuple[Path, Path]) -> None:
    bin_dir, elsewhere = installed
    case = SEEDS[0]
    code = (
        "import importlib.util, json, sys, winnow, winnow.config\n"
        "result = winnow.Cleaner().clean(text=open(sys.argv[1], encoding='utf-8').read())\n"
        "print(json.dumps({'text': result.text, 'paywalled': result.paywalled, 'labels': list(winnow.LABELS),\n"
        "  'package': winnow.__file__, 'rules': str(winnow.config.DEFAULT_RULES_DIR),\n"
        "  'service': importlib.util.find_spec('service') is not None}))\n"
    )
    got = json.loads(_run([bin_dir / "python", "-c", code, case], cwd=elsewhere).stdout)
    golden = _golden(case)
    assert got["text"] == golden["text"] and got["paywalled"] == golden["paywalled"]
    assert "content" in got["labels"] and got["service"] is False
    package = Path(got["package"]).parent
    assert package.parent.name == "site-packages" and Path(got["rules"]) == package / "rules_data"
    assert _files(Path(got["rules"])) == _files(ROOT / "rules")  # all of rules/: packs, lists, thresholds, model


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)
