"""Exported QTI items scored by a real QTI player: @citolab/qti-components in headless
Chromium.

The player reads QTI 3, so each exported QTI 2.1 item goes through Citolab's own
converter (@citolab/qti-convert, in Node) first; then the page mounts the item, enters a
response, runs the item's own responseProcessing and reads SCORE and the feedback
outcomes. Every response (the right answer rounded as a student writes it, each listed
mistake) must earn what the grader's own checkers give it. Both npm packages are pinned
and installed once into a cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from grader import views
from grader.assignment import load_assignment
from grader.checkers import check_answer
from grader.checkers.numeric import mistake_value, round_sig
from grader.export import export, from_assignment
from grader.export.qti import identifier, item_id, response_id
from grader.export.questions import build
from grader.variants import as_float, make_variant

from . import test_browser
from .conftest import ROOT, unavailable
from .test_browser import Browser

browser = test_browser.browser  # the same Chromium fixture as the report tests

PACKAGES = {"@citolab/qti-components": "7.27.4", "@citolab/qti-convert": "0.3.52"}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "probgrader-tests" / (
    "qti-player-" + "-".join(PACKAGES.values()))
BUNDLE = "node_modules/@citolab/qti-components/cdn/index.global.js"
CONVERT = """\
import { convertQti2toQti3 } from '@citolab/qti-convert/qti-convert-node';
import { readFileSync } from 'fs';
const out = {};
for (const path of process.argv.slice(2)) {
  out[path] = await convertQti2toQti3(readFileSync(path, 'utf8'));
}
process.stdout.write(JSON.stringify(out));
"""
# Mount a fresh copy of the item, enter the responses, score it with its own processing.
SCORE = """(async () => {
  const host = document.getElementById('host');
  host.innerHTML = QtiComponents.qtiTransformItem().parse(window.ITEMS[%(item)s]).html();
  await customElements.whenDefined('qti-assessment-item');
  const item = host.querySelector('qti-assessment-item');
  await item.updateComplete;
  await new Promise(resolve => setTimeout(resolve, 50));
  for (const [id, value] of Object.entries(%(responses)s)) item.updateResponseVariable(id, value);
  item.processResponse();
  return JSON.stringify(item.variables.filter(v => v.value !== null)
                          .map(v => [v.identifier, v.value]));
})()"""


@pytest.fixture(scope="module")
def player() -> Path:
    """The folder holding the player and the converter, installed once from npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed for the QTI player (apt-get install -y npm)")
    if not (CACHE / BUNDLE).is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text(json.dumps(
            {"name": "qti-player", "private": True, "type": "module",
             "dependencies": PACKAGES}), encoding="utf-8")
        run = subprocess.run([str(npm), "install", "--no-audit", "--no-fund", "--silent"],
                             cwd=CACHE, capture_output=True, text=True, timeout=600,
                             check=False)
        if run.returncode != 0:
            unavailable(f"npm install of the QTI player failed: {run.stderr[-500:]}")
    (CACHE / "convert.mjs").write_text(CONVERT, encoding="utf-8")
    return CACHE


def test_real_player_scores_the_right_answer_and_listed_mistakes(
        player: Path, browser: Browser, tmp_path: Path) -> None:
    assignment = load_assignment(ROOT / "grader" / "demo" / "assignment.yaml")
    specs = from_assignment(assignment)
    out = tmp_path / "bank.zip"
    export(specs, "qti", out, variants=2, seed="player", name=assignment.name)
    items = tmp_path / "items"
    with zipfile.ZipFile(out) as package:
        package.extractall(tmp_path)
    converted = json.loads(subprocess.run(
        ["node", str(player / "convert.mjs"), *sorted(str(p) for p in items.glob("*.xml"))],
        cwd=player, capture_output=True, text=True, timeout=300, check=True).stdout)
    page = tmp_path / "page.html"
    texts = {Path(path).stem: xml for path, xml in converted.items()}
    page.write_text(f"""<!doctype html><html><body><div id="host"></div>
<script src="{(player / BUNDLE).as_uri()}"></script>
<script>window.ITEMS = {json.dumps(texts)};</script></body></html>""", encoding="utf-8")
    browser.open(page)

    def score(ident: str, responses: dict[str, str]) -> dict[str, object]:
        reply = browser.send("Runtime.evaluate", {
            "expression": SCORE % {"item": json.dumps(ident), "responses": json.dumps(responses)},
            "awaitPromise": True, "returnByValue": True})
        assert "exceptionDetails" not in reply, reply
        return dict(json.loads(reply["result"]["value"]))

    bank = build(specs, 2, "player")
    full = mistakes = 0
    for spec, questions in bank.exercises:
        scale = assignment.scale(spec.id)
        for question in questions:
            ident = item_id(question)
            variant = make_variant(spec, question.seed)
            for quiz_part in question.parts:
                part = spec.part(quiz_part.id)
                cases: list[tuple[str, str]] = []    # (what the player gets, what we grade)
                if part.kind == "numeric":
                    expected = as_float(views.expected_value(variant, part))
                    right = repr(round_sig(expected, part.sig_figs))
                    cases.append((right, right))
                    for mistake in part.mistakes:
                        if mistake.answer is not None:
                            wrong = repr(mistake_value(variant, mistake))
                            cases.append((wrong, wrong))
                else:
                    for index, option in enumerate(views.options(variant, part)):
                        cases.append((f"C_{identifier(part.id)}_{index}", option))
                for response, graded in cases:
                    outcome = check_answer(variant, part, graded)
                    got = score(ident, {response_id(quiz_part): response})
                    points = outcome.credit * part.points * scale
                    # The player keeps a float outcome to 3 decimals (the demo's
                    # 10-point rescaled exercise gives 1.8181... points; it shows 1.818).
                    assert float(str(got["SCORE"])) == pytest.approx(points, abs=5e-4), (
                        ident, part.id, response, got)
                    assert float(str(got["MAXSCORE"])) == pytest.approx(question.points,
                                                                        abs=5e-4)
                    assert got.get("SHOW_SOLUTION") == "SOLUTION"
                    feedback = f"FEEDBACK_{identifier(part.id)}"
                    if outcome.note is not None:
                        assert str(got[feedback]).startswith(f"FB_{identifier(part.id)}_")
                        mistakes += 1
                    elif outcome.credit == 1.0:
                        assert feedback not in got
                        full += 1
    assert browser.errors() == []
    # the demo has right answers and credited mistakes in every exercise exported
    assert full >= 10 and mistakes >= 10
    print(f"real QTI player: {full} right answers and {mistakes} listed mistakes scored "
          "as the grader scores them")
