from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from winnow import cli
from winnow.html import html_to_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED = SEEDS / "003_26a68be119fd5844.txt"
PROSE = ("The committee met on Tuesday to discuss the new budget, and its members said that they would vote "
         "on the proposal before the end of the month if the numbers were ready.")


def _winnow(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "winnow.cli", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


def test_cli_clean_prints_clean_text(engine) -> None:
    proc = _winnow("clean", str(SEED))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == engine.clean(SEED.read_text(encoding="utf-8")).text + "\n"


def test_cli_clean_json_from_stdin_is_the_http_answer(client) -> None:
    seed = (SEEDS / "000_d69cd4827b63c906.txt").read_text(encoding="utf-8")
    proc = _winnow("clean", "-", "--json", stdin=seed)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer == client.post("/v1/clean", json={"text": seed}).get_json()
    assert answer["spans"][0]["start"] == 0 and answer["spans"][-1]["end"] == len(seed)


def test_cli_clean_html_json_has_input_text(client, tmp_path: Path) -> None:
    page = ("<html><head><title>Budget vote</title></head><body><p>The committee met on Tuesday to "
            "discuss the new budget, and its members said they would vote before the end of the month."
            "</p></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    proc = _winnow("clean", str(path), "--html", "--json")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["input_text"] == html_to_text(page)
    assert answer == client.post("/v1/clean", json={"html": page}).get_json()


@pytest.mark.parametrize(("flag", "option"), [("--extracted", True), ("--judged", False)])
def test_cli_clean_extracted_flags_are_the_http_option(client, flag: str, option: bool) -> None:
    page = "\n".join(["Home", "Sport", "Weather", "Log in", "Subscribe"] + [PROSE] * 20 + ["Advertisement",
                     "Privacy Policy", "Terms of Use", "Contact Us", "Follow us", "Facebook", "Twitter"]
                     + [f"Council {n} votes on the plan for the old bridge" for n in range(6)])
    proc = _winnow("clean", "-", "--json", flag, stdin=page)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer == client.post("/v1/clean", json={"text": page, "options": {"extracted": option}}).get_json()
    judged = client.post("/v1/clean", json={"text": page}).get_json()
    assert (answer == judged) is (not option)  # text is judged unless told it is extracted


def test_cli_clean_extracted_and_judged_exclude_each_other() -> None:
    proc = _winnow("clean", "-", "--extracted", "--judged", stdin="text")
    assert proc.returncode == 2 and "not allowed with" in proc.stderr


def test_cli_clean_missing_file_is_a_clear_error() -> None:
    proc = _winnow("clean", "/nonexistent/page.txt")
    assert proc.returncode == 2
    assert "cannot read /nonexistent/page.txt" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_needs_a_subcommand() -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


def test_cli_serve_execs_gunicorn_with_the_config_and_env(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(cli.os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    monkeypatch.setenv("WINNOW_THREADS", "7")
    cli.main(["serve", "--host", "0.0.0.0", "--port", "9123", "--workers", "3"])
    (path, argv, env), = calls
    assert path == sys.executable
    conf = str(ROOT / "service" / "gunicorn_conf.py")
    assert argv == [sys.executable, "-m", "gunicorn", "-c", conf, "winnow:create_app()"]
    assert (env["WINNOW_HOST"], env["WINNOW_PORT"], env["WINNOW_WORKERS"]) == ("0.0.0.0", "9123", "3")
    assert env["WINNOW_THREADS"] == "7"  # not given as a flag: the environment's value stays


def test_cli_gunicorn_conf_reads_the_environment(monkeypatch) -> None:
    for name, value in {"HOST": "127.0.0.2", "PORT": "9124", "WORKERS": "3", "THREADS": "5",
                        "LOG_LEVEL": "warning", "METRICS": "0"}.items():
        monkeypatch.setenv(f"WINNOW_{name}", value)
    conf = runpy.run_path(str(ROOT / "service" / "gunicorn_conf.py"))
    assert conf["bind"] == "127.0.0.2:9124"
    assert (conf["workers"], conf["worker_class"], conf["threads"]) == (3, "gthread", 5)
    assert conf["graceful_timeout"] == 30 and conf["max_requests"] == 0 and conf["accesslog"] is None
    assert conf["loglevel"] == "warning" and conf["timeout"] > 0 and conf["keepalive"] > 0
