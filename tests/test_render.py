"""Tests for grader.render: number filters, prompt templates, Markdown + math to HTML, pages."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.bank import Bank
from grader.errors import SpecError
from grader.render import (
    _NUMBER,
    _by_shape,
    _convert,
    _markdown,
    check_template,
    frac,
    latex_to_mathml,
    markdown_to_html,
    math_errors,
    num,
    odds,
    page,
    pct,
    render_template,
    sci,
    template_env,
    tfrac,
)
from grader.variants import make_variant, variant_seed

# ----------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0123, "1.23%"),
        (0.05, "5%"),
        (0.001, "0.1%"),
        (0.0125, "1.25%"),
        (0.5, "50%"),
        (1, "100%"),
        (0, "0%"),
        (0.0, "0%"),
        (1 / 3, "33.3%"),
        (0.1 + 0.2, "30%"),  # float noise
        (0.12345, "12.3%"),
        (0.00012345, "0.0123%"),
        (0.999, "99.9%"),
        (0.99999, "99.999%"),  # never "100%" for something short of certain
        (0.0000001, "0.00001%"),
        (Fraction(1, 8), "12.5%"),
        (Fraction(1, 3), "33.3%"),
        (np.float64(0.0125), "1.25%"),
        (np.float32(0.1), "10%"),
        (np.int64(1), "100%"),
        (np.array(0.25), "25%"),
        (True, "100%"),
    ],
)
def test_pct(value: object, expected: str) -> None:
    assert pct(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(0.0123, 1, "1.2%"), (0.05, 1, "5%"), (0.0125, 1, "1.3%"), (0.123456, 2, "12.35%")],
)
def test_pct_digits_rounds_half_up_without_trailing_zeros(
    value: float, digits: int, expected: str
) -> None:
    assert pct(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, "3"),
        (-7, "-7"),
        (0, "0"),
        (1, "1"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (2.50, "2.5"),
        (0.1 + 0.2, "0.3"),
        (0.30000000000000004, "0.3"),
        (1 - 0.9, "0.1"),
        (0.00012, "0.00012"),
        (0.000001, "0.000001"),
        (1.2e-7, "1.2 × 10^-7"),
        (-3.5e-9, "-3.5 × 10^-9"),
        (123456.0, "123456"),
        (1e20, "1 × 10^20"),
        (Fraction(3, 8), "0.375"),
        (Fraction(6, 3), "2"),
        (np.float64(0.1) * 3, "0.3"),
        (np.float32(0.1), "0.1"),
        (np.int64(42), "42"),
        (float("inf"), "∞"),
    ],
)
def test_num(value: object, expected: str) -> None:
    assert num(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(0.087570, 3, "0.088"), (2.5, 0, "3"), (0.5, 2, "0.5"), (7, 2, "7"), (1e-9, 2, "0")],
)
def test_num_digits(value: object, digits: int, expected: str) -> None:
    assert num(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "expected", "latex"),
    [
        (Fraction(3, 8), "3/8", r"\frac{3}{8}"),
        (Fraction(-1, 2), "-1/2", r"-\frac{1}{2}"),
        (Fraction(87, 991), "87/991", r"\frac{87}{991}"),
        (Fraction(4, 2), "2", "2"),
        (0.375, "3/8", r"\frac{3}{8}"),
        (0.1 + 0.2, "3/10", r"\frac{3}{10}"),
        (1 / 3, "1/3", r"\frac{1}{3}"),
        (0.001, "1/1000", r"\frac{1}{1000}"),
        (0.0123, "0.0123", "0.0123"),  # 123/10000: denominator above 1000
        (0.3333, "0.3333", "0.3333"),
        (np.float64(0.25), "1/4", r"\frac{1}{4}"),
        (np.int64(5), "5", "5"),
        (0, "0", "0"),
        (1, "1", "1"),
        (1.2e-7, "1.2 × 10^-7", r"1.2 \times 10^{-7}"),
    ],
)
def test_frac_and_tfrac(value: object, expected: str, latex: str) -> None:
    assert frac(value) == expected
    assert tfrac(value) == latex


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.000123, 3, r"1.23 \times 10^{-4}"),
        (0.00012345, 3, r"1.23 \times 10^{-4}"),
        (0.00012355, 3, r"1.24 \times 10^{-4}"),
        (9.9996e-5, 3, r"1 \times 10^{-4}"),  # rounding carries into the exponent
        (123456, 2, r"1.2 \times 10^{5}"),
        (1.5, 3, "1.5"),
        (0, 3, "0"),
        (Fraction(1, 8000), 3, r"1.25 \times 10^{-4}"),
        (np.float64(2.5e-10), 3, r"2.5 \times 10^{-10}"),
        (-0.02, 3, r"-2 \times 10^{-2}"),
    ],
)
def test_sci(value: object, digits: int, expected: str) -> None:
    assert sci(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.05, "1:19"),
        (0.25, "1:3"),
        (0.75, "3:1"),
        (0.5, "1:1"),
        (0.4, "2:3"),
        (Fraction(1, 3), "1:2"),
        (np.float64(0.2), "1:4"),
        (0, "0:1"),
        (1, "1:0"),
        (0.0123, "0.0125"),  # 0.0123/0.9877, not a simple ratio
    ],
)
def test_odds(value: object, expected: str) -> None:
    assert odds(value) == expected


def test_odds_rejects_a_non_probability() -> None:
    with pytest.raises(ValueError, match="probability"):
        odds(1.5)


@pytest.mark.parametrize("fn", [pct, num, frac, tfrac, sci, odds])
def test_filters_reject_non_numbers(fn: object) -> None:
    assert callable(fn)
    with pytest.raises(TypeError, match="expects a number"):
        fn("0.5")


# ----------------------------------------------------------------------------- templates


def test_template_env_is_cached_strict_and_unescaped() -> None:
    env = template_env()
    assert env is template_env()
    assert isinstance(env, jinja2.Environment)
    assert env.undefined is jinja2.StrictUndefined
    assert env.keep_trailing_newline
    assert env.from_string("{{ x }}\n").render(x="<b>A & B</b>") == "<b>A & B</b>\n"
    for name in ("pct", "num", "frac", "tfrac", "sci", "odds", "round"):
        assert name in env.filters


def test_render_template_with_filters() -> None:
    text = (
        "A disease affects {{ prevalence | pct }} of people; odds {{ prevalence | odds }}.\n"
        "{% if show %}\n"
        "$P(D) = {{ prevalence | tfrac }}$, about {{ 0.3333333 | round(2) }}.\n"
        "{% endif %}\n"
    )
    out = render_template(text, {"prevalence": 0.05, "show": True})
    assert out == (
        "A disease affects 5% of people; odds 1:19.\n$P(D) = \\frac{1}{20}$, about 0.33.\n"
    )


def test_render_template_undefined_name() -> None:
    with pytest.raises(SpecError) as info:
        render_template(
            "line one\nA disease affects {{ prevalance | pct }}.",
            {"prevalence": 0.01},
            file="exercises/bayes/medical-test.yaml",
            key="prompt",
        )
    message = str(info.value)
    assert "undefined name 'prevalance' in the template" in message
    assert "did you mean 'prevalence'" in message
    assert "exercises/bayes/medical-test.yaml" in message
    assert "prompt" in message
    assert "line 2 of the template" in message
    assert info.value.key == "prompt"


def test_render_template_filter_error_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="expects a number"):
        render_template("{{ name | pct }}", {"name": "Alice"}, file="f.yaml", key="prompt")


def test_render_template_is_sandboxed() -> None:
    with pytest.raises(SpecError, match="unsafe"):
        render_template("{{ ''.__class__.__mro__ }}", {}, file="f.yaml", key="prompt")


def test_check_template_syntax_error_names_file_key_and_line() -> None:
    with pytest.raises(SpecError) as info:
        check_template(
            "fine\n{% if x %}\n{{ x }\n", file="exercises/mle/bernoulli.yaml", key="parts[0].prompt"
        )
    message = str(info.value)
    assert "exercises/mle/bernoulli.yaml" in message
    assert "parts[0].prompt" in message
    assert "line 3 of the template" in message
    assert info.value.file == "exercises/mle/bernoulli.yaml"
    # `line` counts inside the value (the spec loader offsets it); the message does not
    # pretend that it is a line of the file
    assert info.value.line == 3
    assert "bernoulli.yaml:3" not in message


def test_check_template_unknown_filter_with_suggestion() -> None:
    with pytest.raises(SpecError) as info:
        check_template("ok\n{{ x | pcnt }}", file="a.yaml", key="prompt")
    assert info.value.line == 2
    assert "no filter named 'pcnt'" in str(info.value)
    assert "did you mean 'pct'" in str(info.value)


def test_check_template_finds_unknown_filters_in_untaken_branches() -> None:
    # Jinja itself would only notice when the branch runs, for some student only.
    with pytest.raises(SpecError, match="no filter named 'precent'"):
        check_template("{% if rare %}{{ x | precent }}{% endif %}", file="a.yaml", key="prompt")


def test_check_template_accepts_valid_template() -> None:
    check_template("{{ p | pct }} and {% for x in xs %}{{ x | num(2) }}{% endfor %}")


# ----------------------------------------------------------------------------- math


@pytest.mark.parametrize(
    ("tex", "fragment"),
    [
        (r"\frac{a}{b}", "<mfrac>"),
        (r"P(A \mid B)", "∣"),
        (r"\sum_{i=1}^n x_i", "<msubsup>"),  # inline: limits at the side
        (r"\log p(x)", "<mi>log</mi>"),
        (r"\hat{\theta}", "θ"),
        (r"\mathbb{E}[X]", "𝔼"),
        (r"x_i^2", "<msubsup>"),
        (r"x_{n}", "<msub>"),
        (r"e^{-\lambda}", "<msup>"),
        (r"\sqrt{2\pi\sigma^2}", "<msqrt>"),
        (r"D_{\mathrm{KL}}(p \,\|\, q)", "‖"),
        (r"\binom{n}{k} p^k (1-p)^{n-k}", "<mfrac"),
        (r"\arg\max_\theta L(\theta)", "arg"),
        (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "<mtable"),
        (r"x \sim p", "∼"),
    ],
)
def test_latex_to_mathml_converts_without_fallback(tex: str, fragment: str) -> None:
    out = latex_to_mathml(tex)
    assert out.startswith('<math display="inline">')
    assert out.endswith("</math>")
    assert "math-fallback" not in out
    assert fragment in out


def test_latex_to_mathml_display_and_no_namespace_url() -> None:
    out = latex_to_mathml(r"\sum_{i=1}^n x_i", display=True)
    assert out.startswith('<math display="block">')
    assert "<munderover>" in out
    assert "http" not in out


def test_latex_to_mathml_falls_back_on_converter_failure() -> None:
    assert latex_to_mathml(r"\frac{<1}{") == '<code class="math-fallback">\\frac{&lt;1}{</code>'
    # A command the converter does not know would otherwise show up as "\frca".
    assert "math-fallback" in latex_to_mathml(r"\frca{1}{2}")


def test_latex_to_mathml_is_cached() -> None:
    latex_to_mathml.cache_clear()
    latex_to_mathml(r"\alpha + \beta")
    latex_to_mathml(r"\alpha + \beta")
    assert latex_to_mathml.cache_info().hits == 1


@pytest.mark.parametrize(
    ("tex", "by_shape"),
    [
        ("0.30 + 12", True),
        (r"P(A)=0.3\times 0.7", True),
        (r"10^{-3} \approx 0.001", True),       # braced exponents are numbers like others
        ("x^2 + 3x", True),                        # x^2 stays in the shape, 3 is a slot
        (r"\frac12 + 0.5", True),                  # \frac12 stays in the shape
        ("1{,}000", True),
        (r"x^ 2 + 9000001", True),                 # a number that looks like a slot
        ("95 + 0.2", True),
        ("= 0.09964.", True),                     # a number ending a sentence
        (".5", False),                             # latex2mathml reads it as a name
        (r"\text{round 3}", False),                # a number inside text is not an <mn>
        (r"\alpha + \beta", False),                # nothing to take out
    ],
)
def test_latex_by_shape_gives_what_direct_conversion_gives(tex: str, by_shape: bool) -> None:
    """Numbers become slots of a cached shape; the MathML is the same as converting."""
    assert (_by_shape(tex, False) is not None) is by_shape
    for display in (False, True):
        assert latex_to_mathml(tex, display=display) == _convert(tex, display)


def test_latex_by_shape_matches_direct_conversion_across_the_bank(bank: Bank) -> None:
    """Every formula of 12 variants of every exercise (prompts, solutions, feedback) comes
    out of the shape cache exactly as the converter makes it; and the cache is used."""
    from grader.render import _markdown, _math_tokens
    from grader.validate import variant_texts

    formulas: set[tuple[str, bool]] = set()
    for exercise_id in bank.ids:
        spec = bank.spec(exercise_id)
        for n in range(12):
            variant = make_variant(spec, variant_seed("shape", f"s{n}", exercise_id))
            for text in variant_texts(variant):
                for token in _math_tokens(_markdown().parse(text)):
                    formulas.add((token.content, token.type != "math_inline"))
    shaped = 0
    for tex, display in sorted(formulas):
        converted = _by_shape(tex, display)
        if converted is not None:
            shaped += 1
            assert converted == _convert(tex, display), tex
    with_numbers = sum(1 for tex, _ in formulas if re.search(r"\d", tex))
    assert with_numbers > 500
    assert shaped > 0.9 * with_numbers
    # variants share shapes: far fewer conversions than formulas (2,608 -> 714 today)
    shapes = {_NUMBER.sub("#", tex) for tex, _ in formulas}
    assert len(shapes) < 0.3 * len(formulas)


@pytest.mark.parametrize(
    ("md", "by_shape"),
    [
        ("P = 0.3 and $x = 0.25$.", True),
        ("$$\nP = 0.1 + 0.2.\n$$", True),
        ("| a | 3 |\n|---|---|\n| 4 | 5 |", True),
        ("`x = 3` and *3*", True),
        ("costs $5 and $10", True),                # dollars before digits stay text
        ("Text 1. not a list\n\n1.5 is not one either", True),
        ("&#35; 12", True),                        # the reference keeps its digits
        ("1. first\n2. second", False),            # list markers stay: <ol> vs <ol start>
        ("> 3) quoted", False),
        ("- 1. nested in a bullet", False),
        ("1. 2. nested in an item", False),
        ("text\n1. interrupts the paragraph", False),  # only a 1 may
        ("x 1.\n\n3.5 apples", True),             # neither is a list's marker
        ("no digits at all", False),
    ],
)
def test_markdown_by_shape_gives_what_direct_rendering_gives(md: str, by_shape: bool) -> None:
    from grader.render import _MD_NUMBER, _fill_slots, _list_marker, _markdown_shape

    shaped = _fill_slots(md, _MD_NUMBER, _markdown_shape, keep=_list_marker)
    assert (shaped is not None) is by_shape
    assert markdown_to_html(md) == str(_markdown().render(md, {}))


_NUMBERS = st.one_of(st.integers(0, 200).map(str),
                    st.floats(0, 100, allow_nan=False).map(lambda x: f"{x:.3g}"))
_PIECES = st.one_of(
    st.sampled_from(["- ", "* ", "> ", "\n", "\n\n", "  ", ". ", ") ", "$", "$$", "`", "*",
                     "_", "x", "P(A)", "\\frac{", "}{", "}", "^", "|", "|---|", "#", "&#", ";",
                     "[", "]", "(", ")", "http://a/", "<", ">", "\\text{", "=", " "]),
    _NUMBERS, _NUMBERS)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_markdown_by_shape_equals_direct_rendering_for_any_text(md: str) -> None:
    markdown_to_html.cache_clear()
    assert markdown_to_html(md) == str(_markdown().render(md, {}))


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=20).map("".join), st.booleans())
def test_latex_by_shape_equals_direct_conversion_for_any_formula(tex: str,
                                                                  display: bool) -> None:
    shaped = _by_shape(tex, display)
    assert shaped is None or shaped == _convert(tex, display)


def test_a_slot_inside_a_tag_means_no_shape() -> None:
    """A number that lands in an attribute is markup, not text: render directly."""
    from grader.render import _MD_NUMBER, _fill_slots

    def render(shape: str) -> str:
        return f'<ol start="{shape.split()[1]}"><li>{shape}</li></ol>'

    assert _fill_slots("n 5", _MD_NUMBER, render) is None
    assert _fill_slots("n 5", _MD_NUMBER, lambda shape: f"<p>{shape}</p>") == "<p>n 5</p>"


def test_markdown_by_shape_matches_direct_rendering_across_the_bank(bank: Bank) -> None:
    """Every text of 8 variants of every exercise renders from its shape exactly as
    markdown-it renders it, and most texts do come from a shape."""
    from grader.render import _MD_NUMBER, _fill_slots, _list_marker, _markdown_shape
    from grader.validate import variant_texts

    texts: set[str] = set()
    for exercise_id in bank.ids:
        spec = bank.spec(exercise_id)
        for n in range(8):
            variant = make_variant(spec, variant_seed("shape", f"s{n}", exercise_id))
            texts.update(variant_texts(variant))
    shaped = 0
    for text in sorted(texts):
        converted = _fill_slots(text, _MD_NUMBER, _markdown_shape, keep=_list_marker)
        if converted is not None:
            shaped += 1
            assert converted == str(_markdown().render(text, {})), text
    assert len(texts) > 500 and shaped > 0.8 * len(texts)


def test_latex_to_mathml_does_not_pass_html_through() -> None:
    # latex2mathml copies \text{...} verbatim into its output.
    out = latex_to_mathml(r"\text{<script>alert(1)</script>}")
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    out = latex_to_mathml(r"\href{javascript:alert(1)}{x}")
    assert "href" not in out
    assert "javascript" not in out


def test_latex_to_mathml_spacing_fixes() -> None:
    # unary sign after "(" and after a relation: no space around it, as in TeX
    assert '<mo lspace="0" rspace="0">+</mo><mo>∣</mo>' in latex_to_mathml(r"P(+ \mid D)")
    assert '<mo>∣</mo><mo lspace="0" rspace="0">+</mo>' in latex_to_mathml(r"P(D \mid +)")
    # a binary plus after a closing bracket keeps its spacing
    assert "<mo>+</mo>" in latex_to_mathml(r"(a) + b")
    # thin space after an operator name before its argument, none before "("
    assert "<mi>log</mi><mspace" in latex_to_mathml(r"\log p")
    assert "<mi>exp</mi><mo" in latex_to_mathml(r"\exp(x)")
    # the ASCII caret latex2mathml uses for \hat renders as a big caret
    assert "\u02c6" in latex_to_mathml(r"\hat{\theta}")


def test_math_errors_lists_formulas_that_fall_back() -> None:
    assert math_errors("fine $x$ and $$\\frac{1}{2}$$") == []
    assert math_errors("bad $\\frca{1}{2}$ and ok $y$\n\n$$\n\\frac{\n$$\n") == [
        "\\frca{1}{2}",
        "\\frac{",
    ]


# ----------------------------------------------------------------------------- markdown


def test_markdown_inline_and_display_math() -> None:
    out = markdown_to_html("Let $P(A \\mid B)$ be the posterior:\n\n$$\\frac{a}{b}$$\n\nDone.")
    assert out.startswith('<p>Let <math display="inline">')
    assert "</math> be the posterior:</p>" in out
    assert '<div class="math-display"><math display="block">' in out
    assert "<mfrac>" in out
    assert "<p>Done.</p>" in out
    assert "$" not in out


def test_markdown_display_math_inside_a_paragraph() -> None:
    out = markdown_to_html("before $$x^2$$ after")
    assert out.startswith('<p>before <math display="block">')
    assert out.rstrip().endswith("</math> after</p>")


def test_markdown_multiline_display_block_is_not_read_as_markdown() -> None:
    out = markdown_to_html("$$\n- \\log p\n+ 1\n$$\n")
    assert "<ul>" not in out
    assert "<li>" not in out
    assert out.count("<math") == 1
    assert "<mi>log</mi>" in out


def test_markdown_escapes_raw_html() -> None:
    out = markdown_to_html("Hi <script>alert(1)</script> and <img src=x onerror=alert(1)>\n")
    assert "<script" not in out
    assert "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    block = markdown_to_html("<script>\nalert(1)\n</script>\n")
    assert "<script" not in block


def test_markdown_links_and_images_are_inert() -> None:
    out = markdown_to_html("[docs](https://pytorch.org/x) ![pixel](https://tracker.example/p.png)")
    assert "href" not in out
    assert "src" not in out
    assert '<span class="link">docs</span>' in out
    assert "https://pytorch.org/x" in out  # shown as text, so nothing is lost
    assert "[image: pixel]" in out
    unsafe = markdown_to_html("[x](javascript:alert(1))")
    assert "<a" not in unsafe
    assert "href" not in unsafe


def test_markdown_code_keeps_dollars() -> None:
    out = markdown_to_html("Use `$x$` or\n\n```\ncost = $5 + $x$\n```\n\n    $y$ indented\n")
    assert "<math" not in out
    assert "<code>$x$</code>" in out
    assert "cost = $5 + $x$" in out
    assert "$y$ indented" in out


def test_markdown_prices_stay_text() -> None:
    for text in ("The test costs $5 and a retest $10.", "between $5-$10", "$5 and $10, `$x$`"):
        out = markdown_to_html(text)
        assert "<math" not in out, text
        assert "$5" in out


def test_markdown_pandoc_dollar_rules() -> None:
    assert "<math" not in markdown_to_html("$ x $")  # space after the opening $
    assert "<math" not in markdown_to_html("$x $")  # space before the closing $
    assert "<math" not in markdown_to_html("$x$5")  # closing $ followed by a digit
    assert markdown_to_html("\\$x\\$").strip() == "<p>$x$</p>"  # escaped dollars
    assert markdown_to_html("$a$, $b$").count("<math") == 2


def test_markdown_tables_with_math() -> None:
    out = markdown_to_html("| event | probability |\n|---|---|\n| $A$ | 0.5 |\n")
    assert "<table>" in out
    assert "<td><math" in out


# ----------------------------------------------------------------------------- pages


_VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}


class _Checker(HTMLParser):
    """Records tags, checks that they nest, and collects URL-bearing attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.headings: list[int] = []
        self.attribute_values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attribute_values.extend(value or "" for _, value in attrs)
        for name, value in attrs:
            if name in ("src", "href", "action", "xlink:href", "srcset") and value:
                self.urls.append(value)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _check_document(html_text: str) -> _Checker:
    assert html_text.lower().startswith("<!doctype html>")
    checker = _Checker()
    checker.feed(html_text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert "script" not in checker.tags
    assert "link" not in checker.tags  # the CSS is inline
    assert all(url.startswith("#") for url in checker.urls), checker.urls
    assert not any("http" in value for value in checker.attribute_values)
    for landmark in ("header", "main", "footer", "title", "style"):
        assert landmark in checker.tags
    levels = checker.headings
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    return checker


def _assignment_context(title: str = "Homework 1") -> dict[str, object]:
    return {
        "title": title,
        "assignment": "hw1",
        "student": "alice",
        "exercises": [
            {
                "id": "bayes/medical-test",
                "title": "A positive test",
                "points": 12.0,
                "prompt": render_template(
                    "Prevalence {{ p | pct }}: find $P(D \\mid +)$.\n\n$$\\frac{a}{b}$$\n",
                    {"p": 0.0123},
                ),
                "parts": [
                    {
                        "id": "posterior",
                        "kind": "numeric",
                        "points": 4.0,
                        "prompt": "What is $P(D \\mid +)$? See [docs](https://example.org).",
                        "options": None,
                        "signature": None,
                        "function": None,
                        "symbols": None,
                    },
                    {
                        "id": "formula",
                        "kind": "symbolic",
                        "points": 3,
                        "prompt": "In terms of $p$.",
                        "options": None,
                        "signature": None,
                        "function": None,
                        "symbols": [{"name": "p", "meaning": "prevalence"}],
                    },
                    {
                        "id": "independent",
                        "kind": "choice",
                        "points": 1,
                        "prompt": "Independent?",
                        "options": ["yes", "no"],
                    },
                    {
                        "id": "code",
                        "kind": "function",
                        "points": 4,
                        "prompt": "Implement it.",
                        "options": None,
                        "signature": "posterior_prob(prevalence: float) -> float",
                        "function": "posterior_prob",
                        "symbols": None,
                    },
                ],
            }
        ],
    }


def test_assignment_page() -> None:
    out = page("assignment.html.j2", **_assignment_context())
    checker = _check_document(out)
    assert '<html lang="en">' in out
    assert '<meta charset="utf-8">' in out
    assert 'name="viewport"' in out
    assert "@media print" in out
    assert "prefers-color-scheme: dark" in out
    assert checker.tags.count("article") == 1
    assert checker.tags.count("section") == 4
    assert '<math display="inline">' in out
    assert '<math display="block">' in out
    assert "1.23%" in out
    assert "alice" in out
    assert "12 points" in out
    assert (
        "<code>answers.yaml</code>: <code>bayes/medical-test</code> → <code>posterior</code>" in out
    )
    assert "<code>solution.py</code>: <code>def posterior_prob(...)</code>" in out
    assert "def posterior_prob(prevalence: float) -&gt; float:" in out
    assert "<li>yes</li>" in out
    # the link in a part's prompt is shown, not linked
    assert '<span class="link">docs</span> (<code class="url">https://example.org</code>)' in out
    assert "<code>p</code></td><td>prevalence" in out


def test_assignment_page_escapes_hostile_text() -> None:
    context = _assignment_context(title='<script>alert("t")</script>')
    exercises = context["exercises"]
    assert isinstance(exercises, list)
    exercises[0]["title"] = "<img src=x onerror=alert(1)>"
    exercises[0]["prompt"] += "\n<script>alert(2)</script>\n"
    out = page("assignment.html.j2", **context)
    _check_document(out)
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "<img" not in out


def test_answer_key_page() -> None:
    out = page(
        "answer_key.html.j2",
        title="Homework 1",
        assignment="hw1",
        students=[
            {
                "student": student,
                "exercises": [
                    {
                        "id": "bayes/medical-test",
                        "title": "A positive test",
                        "points": 12,
                        "params": {"prevalence": "0.0123", "fpr": "0.05"},
                        "parts": [
                            {"id": "posterior", "kind": "numeric", "points": 4, "answer": "0.19"}
                        ],
                        "solution": "By Bayes: $\\frac{sp}{sp + f(1-p)}$.",
                    }
                ],
            }
            for student in ("alice", "bob <b>")
        ],
    )
    checker = _check_document(out)
    # no URL anywhere, not even MathML's xmlns
    assert "http:" not in out
    assert "https:" not in out
    assert checker.tags.count("article") == 2
    assert out.index("prevalence") < out.index("fpr")  # the spec's order, not sorted
    assert "<code>0.19</code>" in out
    assert "<mfrac>" in out
    assert "bob &lt;b&gt;" in out
    assert 'href="#student-bob-b"' in out


def test_importing_render_does_not_import_numpy_or_sympy() -> None:
    code = (
        "import sys, grader.render as r; r.pct(0.5); r.markdown_to_html('$x$');"
        "bad = [m for m in ('numpy', 'sympy') if m in sys.modules];"
        "sys.exit(str(bad) if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
