"""`grader new-exercise` and `grader schema`: an author's starting point, valid as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from grader.bank import Bank
from grader.cli import cli


def test_new_exercise_writes_a_spec_and_solution_that_validate(tmp_path: Path) -> None:
    bank = tmp_path / "my-bank"
    made = CliRunner().invoke(cli, ["new-exercise", "gan/discriminator", "--bank", str(bank)],
                              catch_exceptions=False)
    assert made.exit_code == 0, made.output
    spec = bank / "exercises" / "gan" / "discriminator.yaml"
    assert spec.is_file() and (bank / "solutions" / "gan" / "discriminator.py").is_file()
    # one part of every kind, and comments that explain the keys
    loaded = Bank(bank).spec("gan/discriminator")
    assert loaded.topic == "gan"
    assert sorted(p.kind for p in loaded.parts) == ["choice", "function", "numeric", "symbolic"]
    text = spec.read_text()
    assert text.count("#") > 15 and "grader validate gan/discriminator" in text

    checked = CliRunner().invoke(cli, ["validate", "--bank", str(bank), "--seeds", "40"],
                                 catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert "ok    gan/discriminator  (40 seeds)" in checked.output

    # the editor's schema: named relatively in the first line, found beside the bank,
    # the same as `grader schema` prints, and the spec follows it
    first = text.splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match is not None
    schema_file = (spec.parent / match.group(1)).resolve()
    assert schema_file == (bank / "exercise.schema.json").resolve()
    printed = CliRunner().invoke(cli, ["schema"], catch_exceptions=False).output
    assert schema_file.read_text() == printed
    jsonschema.Draft202012Validator(json.loads(printed)).validate(yaml.safe_load(text))
    assert str(tmp_path) not in text


def test_new_exercise_never_overwrites_and_checks_the_id(tmp_path: Path) -> None:
    args = ["new-exercise", "gan/one", "--bank", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    (tmp_path / "exercises" / "gan" / "one.yaml").write_text("mine\n")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "already exists" in again.output
    assert (tmp_path / "exercises" / "gan" / "one.yaml").read_text() == "mine\n"
    bad = CliRunner().invoke(cli, ["new-exercise", "No Topic", "--bank", str(tmp_path)])
    assert bad.exit_code == 1 and "topic/name" in bad.output and "Traceback" not in bad.output


def test_schema_of_assignments_too() -> None:
    printed = CliRunner().invoke(cli, ["schema", "assignment"], catch_exceptions=False).output
    assert "exercises" in json.loads(printed)["properties"]
