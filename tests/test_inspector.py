"""The inspector page (GET /): served self-contained, and used as a person would in a real browser.

The browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright against a real
gunicorn on loopback; they are skipped, with the reason, when either is missing, unless
WINNOW_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure. Screenshots go to
WINNOW_ARTIFACTS_DIR (default tests/artifacts/); WINNOW_UPDATE_SCREENSHOT=1 also refreshes docs/inspector.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import start_server, stop_server

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser tests say so and skip
    expect = sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "service" / "static"
SEED = ROOT / "seeds" / "000_d69cd4827b63c906.txt"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_TEXT_CHARS = 20_000  # the live server's limit here: a longer paste gets a real 422 problem
URL_RE = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}|https?://", re.IGNORECASE)


# --- the page as served (Flask test client) ---------------------------------------------------

def test_inspector_page_and_its_files_are_served(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<title>Winnow inspector</title>" in html
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "script-src 'self'" in csp
    for path, mimetype in (("static/inspector.js", "text/javascript"), ("static/inspector.css", "text/css")):
        assert f'"{path}"' in html
        resp = client.get("/" + path)
        assert resp.status_code == 200, path
        assert resp.mimetype in (mimetype, "application/javascript"), path
        assert len(resp.get_data()) > 500
    assert client.get("/static/missing.js").mimetype == "application/problem+json"


@pytest.mark.parametrize("name", ["inspector.html", "inspector.js", "inspector.css"])
def test_inspector_files_name_no_other_host(name: str) -> None:
    """No CDN, font or analytics URL: the page must work with no network but this server."""
    text = (STATIC / name).read_text(encoding="utf-8")
    assert URL_RE.findall(text) == []
    assert "innerHTML" not in text and "outerHTML" not in text and "insertAdjacentHTML" not in text
    assert "document.write" not in text and "eval(" not in text


def test_inspector_files_are_in_the_wheel(tmp_path: Path) -> None:
    """A non-editable install (the Docker image) must ship the page too: the wheel pip builds from
    this checkout holds every static file, and setuptools has nothing to warn about them."""
    source = tmp_path / "source"  # pip builds in the tree it is given: not in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("service", "rules"):  # the packages `winnow` and `winnow.rules_data`
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v",
                           "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "absent from the `packages` configuration" not in proc.stdout + proc.stderr
    (wheel,) = tmp_path.glob("winnow-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for path in sorted(STATIC.iterdir()):
        assert f"winnow/static/{path.name}" in names


# --- in a real browser -------------------------------------------------------------------------

def _missing(reason: str) -> None:
    if os.environ.get("WINNOW_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (WINNOW_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    if sync_playwright is None:
        _missing("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def inspector_server(tmp_path_factory) -> Iterator[str]:
    proc, base = start_server(tmp_path_factory.mktemp("inspector") / "metrics", workers=1,
                              WINNOW_MAX_TEXT_CHARS=str(MAX_TEXT_CHARS))
    yield base
    stop_server(proc)


@pytest.fixture()
def page(browser, inspector_server: str):
    """A fresh page on the inspector that fails the test on any script error or off-server request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # the browser logs every 4xx it gets as an error: problem answers are expected, scripts errors are not
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not msg.text.startswith(
        "Failed to load resource: the server responded with a status of 4") else None)

    def only_this_server(route) -> None:
        if route.request.url.startswith(inspector_server + "/"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(inspector_server + "/")
    page.wait_for_load_state("load")
    yield page
    context.close()
    assert foreign == [], f"the page tried to reach other hosts: {foreign}"
    assert errors == [], f"script errors or CSP violations: {errors}"


def _artifacts() -> Path:
    path = Path(os.environ.get("WINNOW_ARTIFACTS_DIR", ROOT / "tests" / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean(page, text: str, kind: str = "text") -> None:
    page.get_by_role("radio", name="HTML" if kind == "html" else "text", exact=True).check()
    page.fill("#source", text)
    page.get_by_role("button", name="Clean", exact=True).click()
    expect(page.locator("#clean")).to_be_enabled()  # no string predicates: the page's CSP forbids eval


@pytest.mark.integration
def test_inspector_seed_highlights_paywall_and_shows_clean_text(page) -> None:
    started = time.perf_counter()
    text = SEED.read_text(encoding="utf-8")
    expected = json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8"))
    _clean(page, text)
    assert page.locator("#result").is_visible()
    assert page.locator("#problem").is_hidden()

    # every paywall span of the reviewed answer is a mark with the paywall label and its exact text
    paywall = [text[s["start"]:s["end"]] for s in expected["spans"] if s["label"] == "paywall"]
    assert paywall and "To continue reading, please subscribe:\n" in paywall
    marks = page.locator('#highlighted mark[data-label="paywall"]')
    assert marks.all_text_contents() == paywall
    assert page.locator("#highlighted").text_content() == text  # the whole input, once, in order
    colour = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("#paywalled").text_content() == "yes"
    assert "paywall" in page.locator("#summary").text_content()

    # hovering a span, or focusing it from the keyboard, shows why it was kept or removed
    detail = page.locator("#detail")
    page.locator('#highlighted mark[data-label="title"]').first.hover()
    assert detail.locator(".v-label").text_content().strip() == "title"
    assert detail.locator(".v-kept").text_content().startswith("yes")
    page.mouse.move(0, 0)
    subscribe = marks.filter(has_text="To continue reading, please subscribe:").first
    subscribe.focus()
    assert detail.locator(".v-label").text_content().strip() == "paywall"
    assert detail.locator(".v-rule").text_content().startswith("paywall.")
    assert detail.locator(".v-tagger").text_content().endswith("_v1")
    assert float(detail.locator(".v-score").text_content()) > 0
    assert detail.locator(".v-kept").text_content().startswith("no")
    page.locator("#source").evaluate("t => { t.scrollTop = 0; }")
    shot = _artifacts() / "inspector-seed000.png"
    page.screenshot(path=str(shot))
    if os.environ.get("WINNOW_UPDATE_SCREENSHOT") == "1":  # the README's picture, reviewed like a golden
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "inspector.png")

    # the label toggle hides the paywall highlight and its tab stops, then brings them back
    toggle = page.locator('#legend-items input[data-label="paywall"]')
    toggle.uncheck()
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert marks.first.get_attribute("tabindex") == "-1"
    assert page.locator('#highlighted mark[data-label="ad"]').evaluate(
        "m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    toggle.check()
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundColor") == colour

    # tabs are ARIA tabs driven by the keyboard: the clean text starts with the headline
    page.locator("#tab-input").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#tab-clean").get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-clean"
    assert page.locator("#panel-input").is_hidden()
    clean_text = page.locator("#clean-text").text_content()
    assert clean_text == expected["text"]
    assert clean_text.startswith(text.splitlines()[0] + "\n")

    page.keyboard.press("End")
    assert page.locator("#tab-json").get_attribute("aria-selected") == "true"
    answer = json.loads(page.locator("#json").text_content())
    assert answer["text"] == expected["text"] and answer["paywalled"] is True
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy JSON").click()
    expect(page.locator("#copy-status")).not_to_be_empty()
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == answer
    assert time.perf_counter() - started < 20


@pytest.mark.integration
def test_inspector_shows_the_api_problem(page) -> None:
    _clean(page, "")
    assert page.locator("#problem").is_visible()
    assert page.locator("#problem-title").text_content() == "Nothing to clean"

    # a paste over the server's limit: the API's RFC 9457 title and detail, word for word
    _clean(page, "word " * (MAX_TEXT_CHARS // 5 + 1))
    assert page.locator("#problem").is_visible()
    assert page.locator("#result").is_hidden()
    assert page.locator("#problem-title").text_content() == "Invalid request (422)"
    assert page.locator("#problem-detail").text_content() == \
        f"'text' has {MAX_TEXT_CHARS + 5} characters; the limit is {MAX_TEXT_CHARS}"

    # and it clears on the next good request
    _clean(page, SEED.read_text(encoding="utf-8"))
    assert page.locator("#problem").is_hidden() and page.locator("#result").is_visible()


@pytest.mark.integration
def test_inspector_html_highlights_rendered_text_never_markup(page) -> None:
    """HTML spans index the answer's input_text; page text is shown as text, never parsed."""
    prose = ("The council met on Tuesday and voted to approve the budget for next year, members said. "
             "They will meet again next month to discuss the schools and the roads. ") * 3
    html = (f"<html><body><article><h1>Budget &lt;img src=x onerror=alert(1)&gt; vote</h1>"
            f"<p>Advertisement</p><p>{prose}</p><p>{prose}</p></article>"
            f"<footer>© 2024 Example News. All rights reserved.</footer></body></html>")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # opened as a file: the kind follows the file's type
    page.set_input_files("#file", files=[{"name": "page.html", "mimeType": "text/html", "buffer": html.encode()}])
    expect(page.locator("#source")).to_have_value(html)
    assert page.get_by_role("radio", name="HTML", exact=True).is_checked()
    page.get_by_role("button", name="Clean", exact=True).click()
    expect(page.locator("#result")).to_be_visible()
    answer = json.loads(page.locator("#json").text_content())
    assert page.locator("#highlighted").text_content() == answer["input_text"]
    assert "<img src=x onerror=alert(1)>" in answer["input_text"]
    assert page.locator("#highlighted img").count() == 0
    assert "<footer>" not in page.locator("#highlighted").text_content()
    assert dialogs == []

    # dropped on the text box: a .txt file switches the kind back to text
    transfer = page.evaluate_handle(
        "() => { const t = new DataTransfer(); t.items.add(new File(['Advertisement\\nHello'], 'page.txt',"
        " {type: 'text/plain'})); return t; }")
    page.dispatch_event("#source", "drop", {"dataTransfer": transfer})
    expect(page.locator("#source")).to_have_value("Advertisement\nHello")
    assert page.get_by_role("radio", name="text", exact=True).is_checked()
