"""Markdown and TeX as terminal text: readable, and never losing what it does not know."""

from __future__ import annotations

import pytest

from grader import views
from grader.bank import Bank
from grader.plaintext import markdown_to_text, tex_to_text
from grader.variants import make_variant


@pytest.mark.parametrize(("tex", "text"), [
    (r"P(D \mid +)", "P(D | +)"),
    (r"p(x\mid z)", "p(x | z)"),                        # TeX spaces a relation itself
    (r"\frac{P(+ \mid D)P(D)}{P(+)}", "(P(+ | D)P(D))/P(+)"),
    (r"\tfrac{k}{n}", "k/n"),
    (r"0.56\log\frac{0.56}{0.78} + \log2", "0.56 log 0.56/0.78 + log 2"),
    (r"\hat\theta = \bar{x}", "θ\u0302 = x\u0304"),
    (r"\sqrt{2\pi\sigma^2}", "√(2πσ^2)"),
    (r"e^{-\lambda t}", "e^{-λ t}"),                    # a group keeps its braces
    (r"x^{2}", "x^2"),
    (r"\sum_{i=1}^{n} x_i", "Σ_{i=1}^n x_i"),
    (r"D_{KL}(q \| p)", "D_{KL}(q ‖ p)"),
    (r"\binom{n}{k}", "C(n, k)"),
    (r"\mathbb{E}[X] \ge \big(\text{a} \big)", "E[X] ≥ (a )"),
    (r"\pi = 0.78", "π = 0.78"),
    (r"\unknown{x}{y}", r"\unknown{x}{y}"),           # unknown: its source, arguments too
    ("x\\", "x"),
])
def test_tex_reads_as_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_markdown_drops_marks_but_keeps_math_and_code_intact() -> None:
    md = ("Its *sensitivity* and **rate**; `x_i *\n2` and $x_i * y_j$ stay as written.\n"
          "See [the docs](https://example.org).\n\n"
          "$$\\frac{a}{b} = c$$\n\n"
          "- one item\n- two $\\theta$\n")
    assert markdown_to_text(md) == (
        "Its sensitivity and rate; x_i * 2 and x_i * y_j stay as written. See the docs\n"
        "(https://example.org).\n\n"
        "    a/b = c\n\n"
        "- one item\n- two θ")


def test_paragraphs_are_wrapped_to_the_width() -> None:
    md = " ".join(["word"] * 40) + "\nand $\\alpha$ " + " ".join(["more"] * 20)
    lines = markdown_to_text(md, width=40).splitlines()
    assert len(lines) > 3 and max(len(line) for line in lines) <= 40
    assert "α" in " ".join(lines)


def test_every_prompt_and_solution_of_the_bank_reads_without_dollars(bank: Bank) -> None:
    # dollars gone means every $...$ pair was found; nothing in the bank is money
    for exercise_id in bank.ids:
        variant = make_variant(bank.spec(exercise_id), 7)
        view = views.exercise(variant, key=True)
        texts = [view["prompt"], view["solution"], *(p["prompt"] for p in view["parts"])]
        for text in texts:
            shown = markdown_to_text(text)
            assert "$" not in shown, (exercise_id, shown)
            assert "\\frac" not in shown and "\\mid" not in shown, (exercise_id, shown)
            assert "`" not in shown and "**" not in shown, (exercise_id, shown)
