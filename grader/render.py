"""Rendering: exercise prompts (Jinja2 over Markdown with $LaTeX$) to Markdown and to HTML pages.

Prompts are written by exercise authors, but Markdown passed through here may also be
student text quoted in a report, so the HTML path trusts nothing: raw HTML is escaped,
links are made inert, images are not fetched, and the MathML that `latex2mathml`
produces is rebuilt from a whitelist of elements and attributes before it reaches a page.
Nothing here imports numpy or sympy; their scalars are recognised through the `numbers`
ABCs they register with, or through `.item()`.
"""

from __future__ import annotations

import difflib
import functools
import html
import math
import numbers
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, TypeGuard

import jinja2
import jinja2.nodes
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup

from grader import __version__
from grader.errors import SpecError

__all__ = [
    "check_template",
    "frac",
    "latex_to_mathml",
    "markdown_to_html",
    "markdown_to_tex_html",
    "math_errors",
    "num",
    "odds",
    "page",
    "pct",
    "render_template",
    "sci",
    "template_env",
    "tfrac",
]

# --------------------------------------------------------------------------- numbers

Real = int | Fraction | float | Decimal

# Enough precision that quantizing any float (up to ~1e308) to a few decimals is exact.
_CTX = Context(prec=800, rounding=ROUND_HALF_UP, Emax=10_000, Emin=-10_000)
# Float arithmetic leaves noise in the last ~3 of 17 significant digits; 12 hides it.
_NOISE_DIGITS = 12
_FRACTION_MAX_DENOMINATOR = 1000
_FRACTION_REL_TOL = 1e-12


def _real(x: object, filter_name: str) -> Real:
    """`x` as a Python int, Fraction, float or Decimal; numpy/sympy scalars included."""
    # int() and float() also turn subclasses into the builtin type: the repr() of
    # numpy.float64(0.5) is "np.float64(0.5)", not a number.
    if isinstance(x, bool | int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    if isinstance(x, Fraction | Decimal):
        return x
    # numpy and sympy register their scalar types with these ABCs.
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    if isinstance(x, numbers.Real):
        # str() of a float32 or a sympy Float is its shortest faithful decimal; going
        # through float() would turn numpy.float32(0.1) into 0.10000000149011612.
        try:
            return Decimal(str(x))
        except InvalidOperation:
            return float(x)
    item = getattr(x, "item", None)  # a 0-d numpy array
    if callable(item):
        value = item()
        if value is not x and isinstance(value, int | float | bool):
            return _real(value, filter_name)
    raise TypeError(f"the {filter_name} filter expects a number, got {type(x).__name__} {x!r:.40}")


def _is_finite(v: Real) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, Decimal):
        return v.is_finite()
    return True


def _nonfinite_text(v: Real) -> str:
    if v != v:
        return "NaN"
    return "∞" if v > 0 else "-∞"


def _dec(v: Real) -> Decimal:
    """The exact (for floats: the shortest round-tripping) decimal value of `v`."""
    if isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    return _CTX.divide(Decimal(v.numerator), Decimal(v.denominator))


def _plain(d: Decimal) -> str:
    """Positional notation, no exponent, no trailing zeros, no negative zero."""
    text = format(_CTX.plus(d).normalize(_CTX), "f")
    return "0" if text in ("-0", "0") else text


def _round_decimals(d: Decimal, digits: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-digits), context=_CTX)


def _round_significant(d: Decimal, digits: int) -> Decimal:
    if d == 0:
        return Decimal(0)
    return d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), context=_CTX)


def _mantissa_exponent(d: Decimal, digits: int) -> tuple[str, int]:
    r = _round_significant(d, digits)
    exponent = r.adjusted()  # after rounding: 9.999e-5 -> 1.00e-4
    return _plain(r.scaleb(-exponent, context=_CTX)), exponent


def _fraction_of(v: Real) -> Fraction | None:
    """`v` as an exact Fraction: ints and Fractions always, floats when they are a
    simple fraction (denominator at most 1000, to float precision)."""
    if isinstance(v, int | Fraction):
        return Fraction(v)
    if not _is_finite(v):
        return None
    exact = Fraction(v)
    simple = exact.limit_denominator(_FRACTION_MAX_DENOMINATOR)
    if abs(simple - exact) <= _FRACTION_REL_TOL * max(Fraction(1), abs(exact)):
        return simple
    return None


def _text_number(d: Decimal) -> str:
    """A noise-free number for prose: plain between 1e-6 and 1e15, else m × 10^e."""
    d = _round_significant(d, _NOISE_DIGITS)
    if d == 0:
        return "0"
    if Decimal("1e-6") <= abs(d) < Decimal("1e15"):
        return _plain(d)
    mantissa, exponent = _mantissa_exponent(d, _NOISE_DIGITS)
    return f"{mantissa} × 10^{exponent}"


def num(x: object, digits: int | None = None) -> str:
    """A number for prose: `{{ n | num }}`, `{{ mean | num(2) }}`.

    Ints print as ints; floats without float noise and without trailing zeros
    (0.30000000000000004 → "0.3", 2.50 → "2.5"); values from 1e-6 up to 1e15 in plain
    notation ("0.00012"), others as "1.2 × 10^-7". With `digits`, the value is rounded
    half-up to at most that many decimals (trailing zeros dropped: num(0.5, 2) → "0.5").
    Accepts int, float, Fraction, Decimal and numpy/sympy scalars.
    """
    v = _real(x, "num")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Fraction) and v.denominator == 1:
        return str(v.numerator)
    if not _is_finite(v):
        return _nonfinite_text(v)
    if digits is not None:
        return _plain(_round_decimals(_dec(v), int(digits)))
    return _text_number(_dec(v))


def pct(x: object, digits: int | None = None) -> str:
    """A probability as a percentage: 0.0123 → "1.23%".

    Without `digits`, the fewest decimals that show the value to 3 significant figures,
    trailing zeros dropped (0.05 → "5%", 0.001 → "0.1%", 0.0125 → "1.25%", 1/3 →
    "33.3%"); a value that is not exactly 0 or 1 never prints as "0%" or "100%" (0.99999
    → "99.999%"), because a reader takes those as certainty. With `digits`, rounded
    half-up to at most that many decimals. Accepts the same types as `num`.
    """
    v = _real(x, "pct")
    if not _is_finite(v):
        return _nonfinite_text(v) + "%"
    d = _CTX.multiply(_dec(v), Decimal(100))
    if digits is not None:
        return _plain(_round_decimals(d, int(digits))) + "%"
    if d == 0:
        return "0%"
    decimals = max(0, 2 - d.adjusted())
    r = _round_decimals(d, decimals)
    while r in (0, 100, -100) and r != d and decimals < 15:
        decimals += 1
        r = _round_decimals(d, decimals)
    return _plain(r) + "%"


def frac(x: object) -> str:
    """A number as a fraction for prose: Fraction(3, 8) → "3/8", 0.375 → "3/8".

    Fractions print exactly; a float prints as a fraction when it is one with a
    denominator of at most 1000 (to float precision), otherwise as `num` would.
    """
    v = _real(x, "frac")
    f = _fraction_of(v)
    if f is None:
        return num(v)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def _latex_number(v: Real) -> str:
    if not _is_finite(v):
        return r"\mathrm{NaN}" if v != v else (r"\infty" if v > 0 else r"-\infty")
    text = num(v)
    return sci(v, _NOISE_DIGITS) if "×" in text else text


def tfrac(x: object) -> str:
    r"""`frac` for use inside $..$: Fraction(3, 8) → "\frac{3}{8}", -0.5 → "-\frac{1}{2}".

    Integers print bare; values that are not simple fractions print as a number, in
    LaTeX scientific notation when tiny or huge.
    """
    v = _real(x, "tfrac")
    f = _fraction_of(v)
    if f is None:
        return _latex_number(v)
    if f.denominator == 1:
        return str(f.numerator)
    sign = "-" if f < 0 else ""
    return f"{sign}\\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"


def sci(x: object, digits: int = 3) -> str:
    r"""Scientific notation for use inside $..$: 0.000123 → "1.23 \times 10^{-4}".

    `digits` significant figures, rounded half-up, trailing zeros dropped; a value
    whose exponent is 0 prints without "\times 10^{0}"; zero prints as "0".
    """
    v = _real(x, "sci")
    if not _is_finite(v):
        return _latex_number(v)
    d = _dec(v)
    if d == 0:
        return "0"
    mantissa, exponent = _mantissa_exponent(d, max(1, int(digits)))
    return mantissa if exponent == 0 else f"{mantissa} \\times 10^{{{exponent}}}"


def odds(x: object) -> str:
    """A probability as odds in favour: 0.05 → "1:19", 0.75 → "3:1", 0.5 → "1:1".

    When the probability is a simple fraction (as for `frac`) the odds are that exact
    ratio ("1:0" for certainty); otherwise p/(1-p) as a number to 3 significant
    figures (0.0123 → "0.0125"). A value outside [0, 1] is an error.
    """
    v = _real(x, "odds")
    if not _is_finite(v) or not 0 <= v <= 1:
        raise ValueError(f"the odds filter expects a probability in [0, 1], got {x!r}")
    f = _fraction_of(v)
    if f is not None and f.denominator <= _FRACTION_MAX_DENOMINATOR:
        return f"{f.numerator}:{f.denominator - f.numerator}"
    d = _dec(v)
    return _text_number(_round_significant(_CTX.divide(d, 1 - d), 3))


# --------------------------------------------------------------------------- templates


def _filters() -> dict[str, Any]:
    return {"pct": pct, "num": num, "frac": frac, "tfrac": tfrac, "sci": sci, "odds": odds}


@functools.cache
def template_env() -> jinja2.Environment:
    """The Environment for exercise prompts and solutions (cached, shared).

    StrictUndefined, so a misspelt parameter is an error rather than an empty string;
    no autoescaping, because the output is Markdown (HTML safety is the job of
    `markdown_to_html`); block tags swallow their own line so that `{% if %}` lines
    do not break paragraphs or lists; sandboxed, so a template from a shared bank
    cannot reach Python internals. Filters: pct, num, frac, tfrac, sci, odds, plus
    Jinja's built-ins (round, ...).
    """
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_filters())
    return env


def _located(message: str, file: str | None, key: str | None, line: int | None) -> SpecError:
    if line is None:
        return SpecError(message, file=file, key=key)
    error = SpecError(f"line {line} of the template: {message}", file=file, key=key)
    # Jinja only knows the line inside the template, i.e. inside the YAML value; the
    # spec loader knows where the value starts and turns `line` into a line of the file.
    # Set after construction so that the message does not print it as "file:line".
    error.line = line
    return error


@functools.lru_cache(maxsize=1024)
def _compile(text: str) -> jinja2.Template:
    env = template_env()
    tree = env.parse(text)
    # Jinja defers unknown filters and tests inside {% if %} blocks to render time;
    # authors should hear about them from `check_template` already.
    for node in tree.find_all((jinja2.nodes.Filter, jinja2.nodes.Test)):
        known = env.filters if isinstance(node, jinja2.nodes.Filter) else env.tests
        if node.name not in known:
            kind = "filter" if isinstance(node, jinja2.nodes.Filter) else "test"
            raise jinja2.TemplateAssertionError(
                f"no {kind} named {node.name!r}{_suggest(node.name, known)}", node.lineno
            )
    return env.from_string(tree)


def _suggest(name: str, known: Sequence[str] | Mapping[str, object]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _get_template(text: str, file: str | None, key: str | None) -> jinja2.Template:
    try:
        return _compile(text)
    except jinja2.TemplateSyntaxError as exc:
        raise _located(f"template syntax error: {exc.message}", file, key, exc.lineno) from None


def check_template(text: str, *, file: str | None = None, key: str | None = None) -> None:
    """Raise SpecError if `text` is not a valid prompt template (syntax, unknown filters).

    The message names `file` and `key` and, when Jinja reports one, the line inside
    the template; the SpecError's `line` is that line inside the template (the YAML
    value), for the caller to offset by where the value starts in the file.
    """
    _get_template(text, file, key)


def _template_line(exc: BaseException) -> int | None:
    """The template line where a render-time error happened (Jinja rewrites frames)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


def render_template(
    text: str,
    context: Mapping[str, object],
    *,
    file: str | None = None,
    key: str | None = None,
) -> str:
    """Render a prompt template over a variant's parameters; the result is Markdown.

    SpecError on a syntax error, on an undefined name ("undefined name 'prevalance' in
    the template (did you mean 'prevalence'?)"), and on a filter given a bad value.
    """
    template = _get_template(text, file, key)
    try:
        return template.render(context)
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        match = _UNDEFINED_NAME.match(exc.message or "")
        if match:
            name = match.group(1)
            message = f"undefined name {name!r} in the template{_suggest(name, context)}"
        else:
            message = f"undefined value in the template: {exc.message}"
        raise _located(message, file, key, line) from None
    except jinja2.TemplateError as exc:
        raise _located(f"template error: {exc.message}", file, key, _template_line(exc)) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        # Raised by a filter or an expression in the template, e.g. `"a" | pct`.
        raise _located(
            f"error while rendering the template: {exc}", file, key, _template_line(exc)
        ) from None


# --------------------------------------------------------------------------- math

_MAX_TEX_LENGTH = 4000

# MathML Core plus the presentation elements latex2mathml emits; nothing that acts
# (maction) or links.
_MATHML_TAGS = frozenset(
    {
        "math",
        "mrow",
        "mi",
        "mo",
        "mn",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "mfenced",
        "menclose",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mmultiscripts",
        "mprescripts",
        "none",
        "semantics",
    }
)
_MATHML_ATTRIBUTES = frozenset(
    {
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "form",
        "accent",
        "accentunder",
        "movablelimits",
        "minsize",
        "maxsize",
        "linethickness",
        "width",
        "height",
        "depth",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "framespacing",
        "displaystyle",
        "scriptlevel",
        "lspace",
        "rspace",
        "notation",
        "symmetric",
        "largeop",
        "separator",
        "separators",
        "linebreak",
        "mathcolor",
        "mathbackground",
        "mathsize",
        "align",
        "columnspan",
        "rowspan",
        "equalrows",
        "equalcolumns",
        "open",
        "close",
        "voffset",
    }
)
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*\"[^\"]*\")*)\s*(/?)>"
)
_ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*\"([^\"]*)\"")
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")
# In \text{...} latex2mathml leaves TeX's escaped specials as they were typed.
_TEXT_ESCAPE = re.compile(r"\\([&%$#_{}])")
# Commands latex2mathml does not know, rewritten into ones it does.
_TEX_REWRITES = (
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{split}"),
    (re.compile(r"\\(arg)(?![A-Za-z])"), r"\\operatorname{\1}"),
)


class _UnsafeMathML(Exception):
    """The converter produced something outside the whitelist."""


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c for c in self.children if isinstance(c, str))


def _parse_mathml(markup: str) -> _Element:
    """Converter output as a tree of whitelisted elements and attributes.

    latex2mathml copies \\text{...} and \\href{...} into its output unescaped, so its
    output is as untrusted as the TeX it came from: any element outside the whitelist,
    or unbalanced tags, reject the whole formula; other attributes are dropped.
    """
    root = _Element("#root")
    stack = [root]
    pos = 0

    def add_text(raw: str) -> None:
        if not raw:
            return
        value = html.unescape(raw)
        if stack[-1].tag == "mtext":
            value = _TEXT_ESCAPE.sub(r"\1", value)
        if _UNKNOWN_COMMAND.search(value):
            raise _UnsafeMathML(f"unknown command in {value!r}")
        stack[-1].children.append(value)

    for match in _TAG.finditer(markup):
        add_text(markup[pos : match.start()])
        pos = match.end()
        closing, name, attributes, self_closing = match.groups()
        if name not in _MATHML_TAGS:
            raise _UnsafeMathML(f"element {name!r}")
        if closing:
            if stack[-1].tag != name:
                raise _UnsafeMathML(f"unbalanced </{name}>")
            stack.pop()
            continue
        element = _Element(
            name,
            {
                attr: html.unescape(value)
                for attr, value in _ATTRIBUTE.findall(attributes)
                if attr in _MATHML_ATTRIBUTES
            },
        )
        stack[-1].children.append(element)
        if not self_closing:
            stack.append(element)
    add_text(markup[pos:])
    if len(stack) != 1:
        raise _UnsafeMathML(f"unclosed <{stack[-1].tag}>")
    if len(root.children) != 1 or not isinstance(root.children[0], _Element):
        raise _UnsafeMathML("not a single <math> element")
    return root.children[0]


# Typography that latex2mathml leaves to TeX's spacing rules, which MathML lacks.
_ACCENTS = {"^": "\u02c6", "~": "\u02dc"}  # ASCII ^ renders as a big caret over θ
_OPERATOR_IDENTIFIERS = {"~": "∼", "∼": "∼", "±": "±", "∓": "∓", "⊥": "⊥", "∖": "∖", "⧵": "∖"}
_SIGNS = frozenset("+−-±∓")
_CLOSERS = frozenset(")]}|‖⟩!′")
_OPENERS = frozenset("([{|‖⟨")
_BARS = frozenset("|‖")
# fmt: off
_FUNCTION_NAMES = frozenset({
    "log", "ln", "lg", "exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh",
    "tanh", "arcsin", "arccos", "arctan", "det", "dim", "ker", "deg", "gcd", "hom",
})
# fmt: on
_SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
_ROW_LIKE = frozenset(
    {"math", "mrow", "mstyle", "mtd", "msqrt", "mpadded", "mphantom", "menclose", "merror"}
)


def _is_mo(node: _Element | str | None, texts: frozenset[str] | None = None) -> TypeGuard[_Element]:
    return (
        isinstance(node, _Element) and node.tag == "mo" and (texts is None or node.text() in texts)
    )


def _is_function_name(node: _Element | str) -> bool:
    if isinstance(node, _Element) and node.tag in _SCRIPTED and node.children:
        node = node.children[0]
    return isinstance(node, _Element) and node.tag == "mi" and node.text() in _FUNCTION_NAMES


def _polish(element: _Element) -> None:
    """TeX's spacing and accents, where browsers would otherwise get them wrong."""
    for child in element.children:
        if isinstance(child, _Element):
            _polish(child)
    if element.tag == "mi" and element.text() in _OPERATOR_IDENTIFIERS:
        # \sim, \pm, \perp come out as identifiers and lose their operator spacing.
        element.tag = "mo"
        element.children = [_OPERATOR_IDENTIFIERS[element.text()]]
    if _is_mo(element, _BARS):
        # TeX sets | and \| as ordinary symbols; MathML would space them as relations.
        element.attrs.setdefault("lspace", "0")
        element.attrs.setdefault("rspace", "0")
    if element.tag in ("mover", "munder") and len(element.children) == 2:
        accent = element.children[1]
        if _is_mo(accent) and accent.text() in _ACCENTS:
            accent.children = [_ACCENTS[accent.text()]]
    if element.tag not in _ROW_LIKE:
        return
    children: list[_Element | str] = []
    nodes = element.children
    for i, node in enumerate(nodes):
        before = nodes[i - 1] if i else None
        after = nodes[i + 1] if i + 1 < len(nodes) else None
        # A sign after an opening bracket or an operator (P(+ | D), x = -1) is unary
        # in TeX: no space around it.
        if _is_mo(node, _SIGNS) and (
            before is None or (_is_mo(before) and not _is_mo(before, _CLOSERS))
        ):
            node.attrs.setdefault("lspace", "0")
            node.attrs.setdefault("rspace", "0")
        if _is_function_name(node):
            # \log p: TeX's thin space between an operator name and its argument.
            if before is not None and not _is_mo(before) and not _is_space(before):
                children.append(_thin_space())
            children.append(node)
            if after is not None and not _is_mo(after, _OPENERS) and not _is_space(after):
                children.append(_thin_space())
            continue
        children.append(node)
    element.children = children


def _is_space(node: _Element | str | None) -> bool:
    return isinstance(node, _Element) and node.tag == "mspace"


def _thin_space() -> _Element:
    return _Element("mspace", {"width": "0.1667em"})


def _serialize(element: _Element) -> str:
    attrs = "".join(
        f' {name}="{html.escape(value, quote=True)}"' for name, value in element.attrs.items()
    )
    inner = "".join(
        _serialize(c) if isinstance(c, _Element) else html.escape(c, quote=False)
        for c in element.children
    )
    # Explicit end tags even for <mspace>: HTML parsers ignore "/>" on most elements.
    return f"<{element.tag}{attrs}>{inner}</{element.tag}>"


def _sanitize_mathml(markup: str) -> str:
    """Converter output rebuilt from the whitelist, with TeX's spacing restored."""
    tree = _parse_mathml(markup)
    _polish(tree)
    return _serialize(tree)


_FALLBACK_PREFIX = '<code class="math-fallback">'


def _convert(tex: str, display: bool) -> str | None:
    """Sanitized MathML for `tex`, or None if the converter cannot handle it."""
    if len(tex) > _MAX_TEX_LENGTH or not tex.strip():
        return None
    from latex2mathml.converter import convert  # its import cost only once math is met

    source = tex
    for pattern, replacement in _TEX_REWRITES:
        source = pattern.sub(replacement, source)
    try:
        return _sanitize_mathml(convert(source, display="block" if display else "inline"))
    except Exception:  # any converter failure means "show the TeX"
        return None


@functools.lru_cache(maxsize=4096)
def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    """MathML for a LaTeX formula (without its $ delimiters), ready to put in HTML.

    Uses latex2mathml; the result is rebuilt from a whitelist (no links, no foreign
    elements, text escaped), gets TeX's spacing for unary signs, bars and operator
    names, and carries no xmlns (HTML parsers put <math> in the MathML namespace
    themselves, and the page then names no URL at all). If the converter fails, or
    leaves a command it does not know (a typo such as \\frca), the TeX is shown as
    <code class="math-fallback">...</code> instead. Results are cached, and so is the
    formula's shape with its numbers left out (see `_by_shape`).
    """
    converted = _by_shape(tex, display)
    if converted is None:
        converted = _convert(tex, display)
    if converted is None:
        return f"{_FALLBACK_PREFIX}{html.escape(tex)}</code>"
    return converted


# A decimal number standing on its own: not part of a longer number or a name, not the
# bare argument of ^, _ or a command (x^2, \\frac12: TeX reads one digit there), which
# stay in the shape as they are.
_NUMBER = re.compile(r"(?<![\d.A-Za-z^_])(?<![\^_] )\d+(?:\.\d+)?(?!\d|\.\d)")
_SLOT = "9{:07d}"  # slot i of a shape: a number no formula in the bank writes
_SLOT_MN = re.compile(r"<mn>9(\d{7})</mn>")


def _by_shape(tex: str, display: bool) -> str | None:
    """MathML for `tex` from the cached conversion of its shape, or None.

    Variants of an exercise differ in their numbers only, and converting is ~1 ms a
    formula: so each number becomes a numbered slot, the shape is converted once, and
    each slot's <mn> gets the number back. The result is used only if every slot came
    out as exactly one <mn> of its own (else the caller converts `tex` itself); the
    tests check this gives the very same MathML as converting directly, across the bank.
    """
    return _fill_slots(tex, _NUMBER, lambda shape: _shape_mathml(shape, display),
                       _SLOT_MN)


_SLOT_TEXT = re.compile(r"(?<!\d)9(\d{7})(?!\d)")


def _fill_slots(text: str, numbers_re: re.Pattern[str], render: Callable[[str], str | None],
                slots_re: re.Pattern[str] = _SLOT_TEXT,
                keep: Callable[[re.Match[str]], bool] | None = None) -> str | None:
    """`render(text)` from `render` of its shape (each number matched by `numbers_re`,
    unless `keep` says so, replaced by a numbered slot), with the numbers put back where
    `slots_re` finds their slots; None if the text has no number to take out, or if a
    slot went missing, came out twice or ended up inside a tag (an attribute's value)."""
    numbers: list[str] = []

    def slot(match: re.Match[str]) -> str:
        if keep is not None and keep(match):
            return match.group()
        numbers.append(match.group())
        return _SLOT.format(len(numbers) - 1)

    shape = numbers_re.sub(slot, text)
    if not numbers:
        return None
    template = render(shape)
    if template is None:
        return None
    filled: list[int] = []

    def fill(match: re.Match[str]) -> str:
        index = int(match.group(1))
        filled.append(index)
        if index >= len(numbers):
            return match.group()
        whole = match.group()
        return whole.replace(_SLOT.format(index), numbers[index])

    def in_text(position: int) -> bool:  # not inside a tag, where it would be markup
        return template.rfind("<", 0, position) <= template.rfind(">", 0, position)

    result = slots_re.sub(fill, template)
    if sorted(filled) != list(range(len(numbers))):
        return None
    if not all(in_text(m.start()) for m in slots_re.finditer(template)):
        return None
    return result


@functools.lru_cache(maxsize=1024)
def _shape_mathml(shape: str, display: bool) -> str | None:
    return _convert(shape, display)


# --------------------------------------------------------------------------- markdown


def _math_inline_rule(state: StateInline, silent: bool) -> bool:
    """`$..$` (pandoc's rule) and `$$..$$` inside a paragraph.

    Inline math opens with a $ followed by a non-space and closes with a $ preceded by
    a non-space and not followed by a digit, so "$5 and $10" stays text. Unlike pandoc
    we also give up at the first $ that cannot close ("$5 and $10 and $x$" would
    otherwise become one formula) and at a backtick, so code spans keep their dollars.
    """
    src, start, end = state.src, state.pos, state.posMax
    if src[start] != "$":
        return False
    display = src.startswith("$$", start)
    opener = 2 if display else 1
    pos = start + opener
    if pos >= end:
        return False
    if not display and src[pos].isspace():
        return False
    while pos < end:
        char = src[pos]
        if char == "\\":
            pos += 2  # \$ and \\ inside TeX
            continue
        if char == "`":
            return False  # a code span wins: "$10, `$x$`" is not a formula
        if char != "$":
            pos += 1
            continue
        if display:
            if not src.startswith("$$", pos):
                return False
        elif src[pos - 1].isspace() or (pos + 1 < end and src[pos + 1].isdigit()):
            return False
        content = src[start + opener : pos]
        if not content.strip():
            return False
        if not silent:
            token = state.push("math_display" if display else "math_inline", "math", 0)
            token.content = content.strip() if display else content
            token.markup = "$$" if display else "$"
        state.pos = pos + opener
        return True
    return False


def _math_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A display formula whose opening $$ starts a line; it may span lines.

    As a block, its lines are not read as Markdown: "- \\log p" on a line of its own
    stays part of the formula instead of becoming a list item.
    """
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line_end = state.eMarks[start_line]
    if not state.src.startswith("$$", begin):
        return False
    first = state.src[begin + 2 : line_end]
    if first.strip() and first.rstrip().endswith("$$"):
        content, last_line = first.rstrip()[:-2], start_line  # $$ x $$ on one line
    elif "$$" in first:
        return False  # text after the closing $$: a paragraph, for the inline rule
    else:
        lines = [first]
        last_line = start_line
        closed = False
        while last_line + 1 < end_line:
            last_line += 1
            lbegin = state.bMarks[last_line] + state.tShift[last_line]
            lend = state.eMarks[last_line]
            if lbegin >= lend or state.sCount[last_line] < state.blkIndent:
                # A blank line, or the end of the enclosing list item or quote: an
                # unclosed $$ must not swallow the rest of the document.
                break
            line = state.src[lbegin:lend]
            if line.rstrip().endswith("$$"):
                lines.append(line.rstrip()[:-2])
                closed = True
                break
            if "$$" in line:
                return False
            lines.append(line)
        if not closed:
            return False
        content = "\n".join(lines)
    if not content.strip():
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.content = content.strip()
    token.markup = "$$"
    token.map = [start_line, last_line + 1]
    token.block = True
    state.line = last_line + 1
    return True


def _render_math_inline(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return latex_to_mathml(tokens[idx].content, display=False)


def _render_math_display(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return latex_to_mathml(tokens[idx].content, display=True)


def _render_math_block(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return f'<div class="math-display">{latex_to_mathml(tokens[idx].content, display=True)}</div>\n'


def _render_link_open(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict[str, Any]
) -> str:
    # Links are shown, not followed: a page must not point outside itself, and a
    # hostile report should not carry a clickable phishing link.
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    env.setdefault("link_stack", []).append(None if token.markup == "autolink" else href)
    return '<span class="link">'


def _render_link_close(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict[str, Any]
) -> str:
    stack: list[str | None] = env.get("link_stack") or [None]
    href = stack.pop()
    shown = f' (<code class="url">{html.escape(href)}</code>)' if href else ""
    return "</span>" + shown


def _render_image(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    # Fetching an image would break "no network" and leak that the page was opened.
    alt = "".join(child.content for child in tokens[idx].children or [])
    return f'<span class="image-omitted">[image: {html.escape(alt)}]</span>'


def _render_tex_inline(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return html.escape(f"\\({tokens[idx].content}\\)", quote=False)


def _render_tex_display(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return html.escape(f"\\[{tokens[idx].content}\\]", quote=False)


def _render_tex_block(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: object
) -> str:
    return f"<p>{_render_tex_display(self, tokens, idx, options, env)}</p>\n"


@functools.cache
def _markdown(tex: bool = False) -> MarkdownIt:
    """The Markdown renderer; `tex` keeps formulas as TeX between \\( \\) and \\[ \\]
    (what an LMS's MathJax or TeX filter typesets) rather than MathML."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.inline.ruler.before("escape", "math_inline", _math_inline_rule)
    md.block.ruler.before(
        "fence", "math_block", _math_block_rule, {"alt": ["paragraph", "blockquote", "list"]}
    )
    md.add_render_rule("math_inline", _render_tex_inline if tex else _render_math_inline)
    md.add_render_rule("math_display", _render_tex_display if tex else _render_math_display)
    md.add_render_rule("math_block", _render_tex_block if tex else _render_math_block)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    md.add_render_rule("image", _render_image)
    return md


@functools.lru_cache(maxsize=4096)
def markdown_to_html(md: str) -> str:
    """An HTML fragment for Markdown (CommonMark + tables) with $..$ / $$..$$ math.

    Raw HTML in the input is escaped, never passed through; links render as their
    text and target, inert; images are not loaded; math becomes MathML
    (`latex_to_mathml`). `\\$` is a literal dollar, and dollars in code spans and code
    blocks stay literal. Results are cached, and so is the text's shape with its
    numbers left out (as for formulas: see `_by_shape`).
    """
    shaped = _fill_slots(md, _MD_NUMBER, _markdown_shape, keep=_list_marker)
    return shaped if shaped is not None else _markdown_shape(md)


# As _NUMBER, and not part of a character reference (&#35;); an ordered list's marker
# stays too (see _list_marker).
_MD_NUMBER = re.compile(r"(?<![\d.A-Za-z^_#])(?<![\^_] )\d+(?:\.\d+)?(?!\d|\.\d)")
# What may stand before an ordered list's marker on its line: indentation, quote marks,
# bullets and the markers of the lists it is nested in ("- 1. x", "> 2) x", "1. 2. x").
_LINE_PREFIX = re.compile(r"(?:[ \t>]|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))*")


def _list_marker(match: re.Match[str]) -> bool:
    """Whether the number is an ordered list's marker ("2." or "2)" then a space or the
    line's end, after only what _LINE_PREFIX allows): the HTML then depends on its
    value (<ol start="2">, none for 1, and only a 1 may interrupt a paragraph)."""
    text, end = match.string, match.end()
    if text[end:end + 1] not in (".", ")") or text[end + 1:end + 2] not in ("", " ", "\t", "\n"):
        return False
    line_start = text.rfind("\n", 0, match.start()) + 1
    prefix = _LINE_PREFIX.match(text, line_start, match.start())
    return prefix is not None and prefix.end() == match.start()


@functools.lru_cache(maxsize=1024)
def _markdown_shape(md: str) -> str:
    return str(_markdown().render(md, {}))


def _markdown_inline(md: str) -> str:
    """Like `markdown_to_html` for one line, without the enclosing <p>."""
    return str(_markdown().renderInline(md, {}))


def markdown_to_tex_html(md: str, *, inline: bool = False) -> str:
    """An HTML fragment for Markdown as `markdown_to_html` makes it, but with formulas as
    TeX between \\( \\) and \\[ \\]: quiz banks (Moodle, QTI) go to an LMS whose
    filter typesets them, and whose HTML cleaning may drop MathML. `inline`: one line,
    without the enclosing <p>."""
    renderer = _markdown(tex=True)
    return str(renderer.renderInline(md, {}) if inline else renderer.render(md, {}))


def _math_tokens(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type in ("math_inline", "math_display", "math_block"):
            yield token
        if token.children:
            yield from _math_tokens(token.children)


def math_errors(md: str) -> list[str]:
    """The formulas in a Markdown text that would not convert to MathML (shown as TeX).

    For `grader validate`: an author's typo in LaTeX should fail validation rather than
    show up as code on every student's page.
    """
    return [
        token.content
        for token in _math_tokens(_markdown().parse(md))
        if latex_to_mathml(token.content, display=token.type != "math_inline").startswith(
            _FALLBACK_PREFIX
        )
    ]


# --------------------------------------------------------------------------- pages

_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_MARKUP_CHARS = re.compile(r"[$`*_\\\[<&]")


def _slug(value: object) -> str:
    """A string usable in an id attribute and a #fragment."""
    return _SLUG.sub("-", str(value)).strip("-") or "x"


def _points(value: object) -> str:
    n = num(value, 2)
    return f"{n} point" + ("" if n == "1" else "s")


@functools.cache
def _page_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(_filters())
    env.filters["markdown"] = lambda text: Markup(markdown_to_html(str(text)))
    env.filters["markdown_inline"] = lambda text: Markup(_markdown_inline(str(text)))
    env.filters["slug"] = _slug
    env.filters["points"] = _points
    env.tests["markup"] = lambda text: bool(_MARKUP_CHARS.search(str(text)))
    env.globals["version"] = __version__
    return env


@functools.cache
def _css() -> Markup:
    env = _page_env()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, "page.css")
    return Markup(source)


def warm_up(*templates: str) -> None:
    """Import the math converter and compile `templates` now: a process that forks
    workers does it once for all of them."""
    import latex2mathml.converter  # noqa: F401

    env = _page_env()
    _css()
    for template in templates:
        env.get_template(template)


def page(template: str, **context: object) -> str:
    """Render one of grader/templates/*.html.j2 into a self-contained HTML document.

    The page environment autoescapes (unlike `template_env`), has a `markdown` filter
    (trusted output of `markdown_to_html`) and inlines page.css; each template's top
    comment documents the context it expects.
    """
    return _page_env().get_template(template).render(css=_css(), **context)
