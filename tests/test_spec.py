"""Spec loading: the real bank loads, and every kind of broken spec is a located one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.bank import Bank
from grader.cli import cli
from grader.errors import SpecError
from grader.spec import load_spec

from .conftest import minimal_spec


def test_every_bundled_exercise_loads(bank: Bank) -> None:
    assert len(bank.ids) >= 5
    for exercise_id in bank.ids:
        spec = bank.spec(exercise_id)
        assert spec.id == exercise_id
        assert spec.parts and spec.points > 0


def test_minimal_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_spec())
    spec = load_spec(path, "bayes/tiny")
    assert [p.name for p in spec.params] == ["p"]
    part = spec.part("half")
    assert part.kind == "numeric" and part.points == 1.0
    # DESIGN: 3 significant figures by default; the tolerance only widens that interval
    assert part.sig_figs == 3 and (part.tolerance.rel, part.tolerance.abs) == (0.0, 1e-12)


def _replace(old: str, new: str) -> str:
    text = minimal_spec()
    assert old in text, old
    return text.replace(old, new, 1)


BROKEN = [
    # (description, spec text, expected key in the message, expected fragment, line)
    ("unknown top-level key", minimal_spec() + "hint: try harder\n", "hint",
     "unknown key 'hint'", 12),
    ("missing key", _replace("title: A tiny exercise\n", ""), None, "missing key 'title'", None),
    ("wrong kind", _replace("kind: numeric", "kind: numerical"), "parts[0].kind",
     "'numerical' is not one of", 9),
    ("bad distribution", _replace("{uniform: [0.1, 0.9], digits: 2}", "{unifrom: [0.1, 0.9]}"),
     "params.p", "bad distribution", 5),
    ("uniform bounds reversed", _replace("[0.1, 0.9]", "[0.9, 0.1]"), "params.p.uniform",
     "low < high", 5),
    ("id does not match the path", _replace("id: bayes/tiny", "id: bayes/other"), "id",
     "does not match", 1),
    ("topic is not the folder", _replace("topic: bayes", "topic: mle"), "topic",
     "differs from the id's folder", 3),
    ("jinja syntax error", _replace("Let $p = {{ p }}$.", "Let {{ p $."), "prompt", "", 6),
    ("unknown name in answer", _replace("answer: p / 2", "answer: q / 2"), "parts[0].answer",
     "unknown name 'q'", 11),
    ("forbidden construct in answer", _replace("answer: p / 2", "answer: __import__('os')"),
     "parts[0].answer", "", 11),
    ("key that does not belong to the kind", _replace("answer: p / 2",
     "answer: p / 2\n    options: [a, b]"), "parts[0].options",
     "does not belong in a numeric part", None),
    ("duplicate part id", minimal_spec() + "  - id: half\n    kind: numeric\n    points: 1\n"
     "    answer: p\n", "parts[1].id", "used twice", None),
    ("not a mapping", "- just\n- a list\n", None, "must be a mapping", None),
    ("not YAML", "id: [unclosed\n", None, "not valid YAML", None),
    ("choice answer not an option", _replace("kind: numeric\n    points: 1\n    answer: p / 2",
     "kind: choice\n    points: 1\n    options: [yes, no]\n    answer: maybe"),
     "parts[0].answer", "not one of the options", None),
]


@pytest.mark.parametrize(("text", "key", "fragment", "line"),
                         [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_spec_is_a_located_error(tmp_path: Path, text: str, key: str | None,
                                        fragment: str, line: int | None) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path, "bayes/tiny")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert fragment in message
    if key is not None:
        assert info.value.key == key
    if line is not None:
        assert info.value.line == line, message


def test_a_topic_is_any_folder_name_the_author_chooses(make_bank) -> None:
    # No fixed list: a new folder such as distances/ or gan/ is a topic as it stands.
    root = make_bank({"distances/tiny": minimal_spec("distances/tiny"),
                      "gan/tiny": minimal_spec("gan/tiny")})
    bank = Bank(root)
    assert [bank.spec(i).topic for i in bank.ids] == ["distances", "gan"]
    result = CliRunner().invoke(cli, ["list", "--bank", str(root)])
    assert result.exit_code == 0, result.output
    assert "distances/tiny  distances" in result.output


def test_a_topic_that_cannot_name_a_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_spec().replace("topic: bayes", "topic: Bayes Rule"))
    with pytest.raises(SpecError, match="topic"):
        load_spec(path, "bayes/tiny")


def test_constraint_never_met_is_a_clear_error(make_bank) -> None:
    root = make_bank({"bayes/tiny": minimal_spec() + 'constraints: ["p > 2"]\n'})
    result = CliRunner().invoke(cli, ["preview", "bayes/tiny", "--bank", str(root)])
    assert result.exit_code == 1
    assert "never met in 1000 draws" in result.output
    assert "p > 2" in result.output
    assert "Traceback" not in result.output


def test_cli_reports_broken_spec_in_one_line(make_bank) -> None:
    root = make_bank({"bayes/tiny": _replace("kind: numeric", "kind: numerical")})
    result = CliRunner().invoke(cli, ["validate", "--bank", str(root)])
    assert result.exit_code == 1
    assert "tiny.yaml:9: parts[0].kind: 'numerical' is not one of" in result.output
    assert "Traceback" not in result.output


def test_published_schema_is_valid_and_matches_the_bank(bank: Bank) -> None:
    import json

    import jsonschema
    import yaml

    schema = json.loads((Path(__file__).parent.parent / "grader" / "schemas"
                         / "exercise.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for exercise_id in bank.ids:
        data = yaml.safe_load(bank.spec_path(exercise_id).read_text())
        jsonschema.validate(data, schema)


def test_fast_and_pure_yaml_loaders_agree(bank: Bank) -> None:
    import yaml

    from grader import yamlfile

    for exercise_id in bank.ids:
        path = bank.spec_path(exercise_id)
        fast = yamlfile.load(path, SpecError).data
        pure = yaml.load(path.read_text(), Loader=yamlfile.SpecLoader)
        assert fast == pure, exercise_id
        assert fast == yaml.safe_load(path.read_text()) or "yes" in path.read_text()


def test_template_reserved_words_cannot_be_names(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_spec() + "derived:\n  none: 1 - p\n")
    with pytest.raises(SpecError, match="'none' is a reserved word") as info:
        load_spec(path, "bayes/tiny")
    assert info.value.key == "derived.none"


def test_an_option_that_reads_like_an_option_number_is_refused(tmp_path: Path) -> None:
    """Options ["2", "4", "sqrt(2)"]: does "2" mean the option "2" or the second one?"""
    path = tmp_path / "tiny.yaml"
    path.write_text(minimal_spec() + '  - id: pick\n    kind: choice\n    points: 1\n'
                    '    options: ["2", "4", "sqrt(2)"]\n    answer: "4"\n')
    with pytest.raises(SpecError, match="option '2' reads like an option's number or letter"):
        load_spec(path, "bayes/tiny")
