"""The HTML reports in a real browser: headless Chromium driven over the DevTools protocol.

No browser package is needed: Chromium speaks the protocol over a pipe
(--remote-debugging-pipe: commands in on fd 3, replies out on fd 4, each message JSON
ended by a NUL byte). Each report is written to a file from real grading results, opened,
and checked for console errors, requests leaving the file, and MathML and charts that
really take up space on screen; a full-page PNG of each goes to test-artifacts/.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.reports.class_report import render_class_report
from grader.reports.html import render_html
from grader.result import Result

from .conftest import ROOT, unavailable

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio",
         "--hide-scrollbars", "--remote-debugging-pipe"]
TIMEOUT = 20.0
WIDTH = 1000              # CSS pixels of the viewport
LOCAL_SCHEMES = ("file:", "data:", "about:")


class Browser:
    """A headless Chromium and one page, driven over the DevTools pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_child, self._write = os.pipe()      # our commands → browser's fd 3
        self._read, from_child = os.pipe()     # browser's fd 4 → our replies
        log = profile / "chromium.log"
        actions = [(os.POSIX_SPAWN_DUP2, to_child, 3), (os.POSIX_SPAWN_DUP2, from_child, 4),
                   (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        self.pid = os.posix_spawn(executable, [executable, *FLAGS, f"--user-data-dir={profile}",
                                               "about:blank"], os.environ, file_actions=actions)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.resize(WIDTH, 800)

    def resize(self, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        data: dict[str, Any] = json.loads(message)
        return data

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": path.as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(f"evaluate failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions, and errors the browser logged itself
        (a Content-Security-Policy violation shows up there)."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(" ".join(str(a.get("value", a.get("description")))
                                      for a in params["args"]))
            elif event.get("method") == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> None:
        """The whole page as a PNG (the viewport grown to the page's height, then reset)."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.resize(WIDTH, min(height, 16000))
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        self.resize(WIDTH, 800)

    def close(self) -> None:
        try:
            self.session = ""
            self.send("Browser.close")
        except (OSError, RuntimeError, TimeoutError, ConnectionError):
            pass                              # it may close the pipe before answering
        finally:
            for fd in (self._read, self._write):
                os.close(fd)
            deadline = time.monotonic() + 5
            while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    break
                time.sleep(0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"chromium not found at {CHROMIUM} (apt-get install -y chromium, or set "
                    "CHROMIUM to its path)")
    profile = Path(tempfile.mkdtemp(prefix="grader-chromium-"))
    instance = Browser(CHROMIUM, profile)
    try:
        yield instance
    finally:
        instance.close()
        shutil.rmtree(profile, ignore_errors=True)


# Every <math> and every chart <svg>, with its on-screen size.
SIZES = """JSON.stringify(
  [...document.querySelectorAll('math, svg')].map(e => {
    const r = e.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), cls: e.getAttribute('class') || '',
            width: r.width, height: r.height, text: (e.textContent || '').slice(0, 60)};
  }))"""


def check_page(browser: Browser, path: Path, screenshot: str) -> list[dict[str, Any]]:
    browser.open(path)
    assert browser.errors() == []
    leaving = [u for u in browser.requests() if not u.startswith(LOCAL_SCHEMES)]
    assert leaving == []
    sizes: list[dict[str, Any]] = json.loads(browser.evaluate(SIZES))
    flat = [s for s in sizes if not (s["width"] > 0 and s["height"] > 0)]
    assert flat == [], "elements without an on-screen size"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / screenshot)
    return sizes


def test_the_checks_themselves_see_errors_and_requests(browser: Browser,
                                                       tmp_path: Path) -> None:
    """A page with a console error and an outside request: the checks must catch both,
    or their silence about the reports would mean nothing."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><title>bad</title><img src='http://127.0.0.1:9/x.png'>"
                   "<script>console.error('boom')</script>", encoding="utf-8")
    browser.open(bad)
    assert any("boom" in e for e in browser.errors())
    assert "http://127.0.0.1:9/x.png" in browser.requests()
    # Under the reports' own Content-Security-Policy an outside URL is refused, and the
    # refusal is an error the checks see as well.
    policy = render_html(Result("hw", "s", ())).split("<title>")[0]
    assert "Content-Security-Policy" in policy
    blocked = tmp_path / "blocked.html"
    blocked.write_text(policy + "<title>x</title></head><body>"
                       "<img src='http://127.0.0.1:9/y.png'></body></html>", encoding="utf-8")
    browser.open(blocked)
    assert any("Content Security Policy" in e for e in browser.errors())
    assert "http://127.0.0.1:9/y.png" in browser.requests()


def test_student_report_in_chromium(browser: Browser, demo_results: dict[str, Result],
                                    tmp_path: Path) -> None:
    result = demo_results["bayes"]
    path = tmp_path / "bayes.html"
    path.write_text(render_html(result), encoding="utf-8")
    sizes = check_page(browser, path, "student-report-bayes.png")
    maths = [s for s in sizes if s["tag"] == "math"]
    bars = [s for s in sizes if s["tag"] == "svg" and "bar" in s["cls"]]
    assert len(maths) >= 10                       # the feedback's formulas, as MathML
    assert len(bars) == 1 + len(result.exercises)  # the total, and one per exercise
    # The hostile hand-in too: its answers must show as text and break nothing.
    hostile = tmp_path / "mallory.html"
    hostile.write_text(render_html(demo_results["mallory"]), encoding="utf-8")
    check_page(browser, hostile, "student-report-mallory.png")
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    width = browser.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH                          # long answers wrap instead of widening the page


def test_class_report_in_chromium(browser: Browser, demo_results: dict[str, Result],
                                  tmp_path: Path) -> None:
    path = tmp_path / "class.html"
    path.write_text(render_class_report(list(demo_results.values()), title="Demo homework"),
                    encoding="utf-8")
    sizes = check_page(browser, path, "class-report.png")
    charts = [s for s in sizes if s["tag"] == "svg"]
    assert any("histogram" in s["cls"] for s in charts)
    bars = browser.evaluate("document.querySelectorAll('svg.histogram rect.bin').length")
    assert bars == 10
    heights = browser.evaluate(
        "[...document.querySelectorAll('svg.histogram rect.bin')]"
        ".map(r => r.getBoundingClientRect().height)")
    assert sum(1 for h in heights if h > 0) >= 2   # real bars where students scored


# ------------------------------------------------------------------ phones and paper

PHONE = 390            # CSS pixels: a common phone's width
PAPER = 680            # CSS pixels: A4's width inside 15 mm margins, at 96 px to the inch

# What a reader would strain at or have to pan for. Text smaller than 12 px, by its
# rendered size (SVG text scaled by its chart); MathML scripts (sub- and superscripts,
# fraction parts), which are smaller by typographic convention, and visually hidden text
# (1 px, for screen readers) are left out. Elements reaching past the right edge of the
# screen, unless a scroll container narrower than the screen holds them (a formula or a
# table that scrolls on its own, as wide code blocks always have).
LAYOUT = """JSON.stringify((() => {
  const small = [], past = [];
  const scripts = 'msub, msup, msubsup, munder, mover, munderover, mfrac, mroot, msqrt';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const script = el.closest(scripts);
    if (script && el.closest('math') && script !== el.closest('math')) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    if (size < 12) {
      small.push([Math.round(size * 10) / 10, el.tagName, node.textContent.trim().slice(0, 40)]);
    }
  }
  const width = document.documentElement.clientWidth;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    let holder = el.parentElement, held = false;
    while (holder && holder !== document.body) {
      const style = getComputedStyle(holder);
      if (['auto', 'scroll', 'hidden'].includes(style.overflowX) &&
          holder.getBoundingClientRect().right <= width + 0.5) { held = true; break; }
      holder = holder.parentElement;
    }
    if (!held) past.push([el.tagName, Math.round(box.right), (el.textContent || '').slice(0, 40)]);
  }
  return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, small, past};
})())"""


@pytest.fixture(scope="module")
def pages(demo_results: dict[str, Result], tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, Path]:
    """Every kind of page the grader writes, from the demo: the student reports (the
    mistakes and the hostile hand-in), the class report, a student's assignment and the
    answer key."""
    from grader.assignment import load_assignment, load_roster
    from grader.generate import generate

    folder = tmp_path_factory.mktemp("pages")
    found = {}
    for name, student in (("student-report", "bayes"), ("hostile-report", "mallory")):
        found[name] = folder / f"{name}.html"
        found[name].write_text(render_html(demo_results[student]), encoding="utf-8")
    found["class-report"] = folder / "class-report.html"
    found["class-report"].write_text(
        render_class_report(list(demo_results.values()), title="Demo homework"),
        encoding="utf-8")
    demo = ROOT / "grader" / "demo"
    generate(load_assignment(demo / "assignment.yaml"), load_roster(demo / "roster.csv"),
             folder / "students")
    found["assignment"] = folder / "students" / "bayes" / "assignment.html"
    found["answer-key"] = folder / "students" / "answer-key.html"
    return found


def layout(browser: Browser, path: Path, width: int, *, mobile: bool,
           media: str = "screen") -> dict[str, Any]:
    browser.send("Emulation.setEmulatedMedia", {"media": media})
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": mobile})
    try:
        browser.open(path)
        data: dict[str, Any] = json.loads(browser.evaluate(LAYOUT))
    finally:
        browser.send("Emulation.setEmulatedMedia", {"media": ""})
        browser.resize(WIDTH, 800)
    return data


@pytest.mark.parametrize("page", ["student-report", "hostile-report", "class-report",
                                  "assignment", "answer-key"])
def test_pages_fit_a_phone(browser: Browser, pages: dict[str, Path], page: str) -> None:
    """On a 390 px phone the page is laid out at the screen's width (not shrunk to fit a
    wider one), nothing makes the page scroll sideways, and text is at least 12 px."""
    found = layout(browser, pages[page], PHONE, mobile=True)
    assert (found["inner"], found["scroll"]) == (PHONE, PHONE)
    assert found["past"] == []
    assert found["small"] == []


@pytest.mark.parametrize("page", ["student-report", "class-report", "assignment"])
def test_pages_fit_paper(browser: Browser, pages: dict[str, Path], page: str) -> None:
    """Printed, nothing runs off the page (paper does not scroll) and text stays legible."""
    found = layout(browser, pages[page], PAPER, mobile=False, media="print")
    assert found["scroll"] <= PAPER
    assert found["small"] == []
    assert found["past"] == []


def test_the_layout_check_sees_a_page_too_wide_for_a_phone(browser: Browser,
                                                           tmp_path: Path) -> None:
    """A fixed-width table and 9 px text, as the class report had: both are caught."""
    bad = tmp_path / "wide.html"
    bad.write_text("<!doctype html><meta name=viewport content='width=device-width'>"
                   "<table style='width:756px'><tr><td>wide</td></tr></table>"
                   "<p style='font-size:9px'>tiny</p>", encoding="utf-8")
    found = layout(browser, bad, PHONE, mobile=True)
    assert found["scroll"] > PHONE or found["inner"] > PHONE
    assert [s[2] for s in found["small"]] == ["tiny"]
