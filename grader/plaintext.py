"""Markdown with $TeX$ as plain text for a terminal: what `grader practice` prints.

A terminal shows neither MathML nor HTML, so math keeps its TeX source, made easier to
read: symbols become their Unicode characters (`\\mid` → `|`, `\\theta` → `θ`),
`\\frac{a}{b}` becomes `a/b` (with parentheses where needed), sizing and spacing
commands go, and a command this does not know stays as written. Markdown emphasis and
code marks are dropped; paragraphs are re-wrapped to the terminal's width.
"""

from __future__ import annotations

import re
import textwrap

_SYMBOLS = {
    "mid": "|", "cdot": "·", "times": "×", "cap": "∩", "cup": "∪", "neg": "¬", "lnot": "¬",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈",
    "infty": "∞", "sim": "~", "propto": "∝", "ldots": "…", "dots": "…", "cdots": "⋯",
    "in": "∈", "notin": "∉", "to": "→", "mapsto": "↦", "rightarrow": "→", "pm": "±",
    "mp": "∓", "sum": "Σ", "prod": "Π", "int": "∫", "partial": "∂", "ell": "ℓ",
    "perp": "⊥", "setminus": "∖", "subset": "⊂", "forall": "∀", "exists": "∃",
    "equiv": "≡", "ll": "≪", "gg": "≫", "circ": "∘", "star": "⋆", "nabla": "∇",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ",
    "varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι",
    "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", ":": " ", "!": "", " ": " ",
    "\\": "\n", "|": "‖", "{": "{", "}": "}", "%": "%", "$": "$", "_": "_", "&": "&", "#": "#",
}
# Relations and binary operators, spaced as TeX spaces them (`x\mid z` reads `x | z`).
_SPACED = frozenset({"mid", "cdot", "times", "cap", "cup", "le", "leq", "ge", "geq", "ne",
                     "neq", "approx", "sim", "propto", "in", "notin", "to", "mapsto",
                     "rightarrow", "pm", "mp", "equiv", "subset", "setminus", "perp"})
# Function names that TeX sets upright: shown as the name itself.
_NAMES = frozenset({"log", "ln", "exp", "max", "min", "det", "arg", "sin", "cos", "tan",
                    "lim", "sup", "inf", "Pr", "var", "Var", "argmax", "argmin"})
# Sizing and style commands without an argument: nothing to show.
_DROPPED = frozenset({"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
                      "biggr", "left", "right", "textstyle", "displaystyle", "limits",
                      "nolimits"})
# Commands whose one argument is shown as it is.
_TEXT_ARGS = frozenset({"text", "mathrm", "operatorname", "mathbb", "mathcal", "mathbf",
                        "boldsymbol", "textbf", "textit", "mathit", "mathsf", "emph"})
_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307"}
_FRACTIONS = frozenset({"frac", "tfrac", "dfrac"})

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


class _Reader:
    """A cursor over TeX source; every method returns plain text."""

    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.at = 0

    def text(self, stop: str = "") -> str:
        out: list[str] = []
        while self.at < len(self.tex) and self.tex[self.at] != stop:
            out.append(self.item())
        self.at += 1 if stop else 0  # past the closing brace
        return "".join(out)

    def argument(self) -> str:
        """One argument: a group, a command or a single character (spaces skipped)."""
        while self.at < len(self.tex) and self.tex[self.at].isspace():
            self.at += 1
        if self.at >= len(self.tex):
            return ""
        if self.tex[self.at] == "{":
            self.at += 1
            return self.text("}")
        return self.item()

    def item(self) -> str:
        char = self.tex[self.at]
        if char == "{":
            self.at += 1
            return self.text("}")
        if char in "^_":
            self.at += 1
            arg = self.argument()
            return char + (arg if len(arg) == 1 else "{" + arg + "}")
        if char != "\\":
            self.at += 1
            return char
        match = _COMMAND.match(self.tex, self.at)
        assert match is not None  # a backslash is always followed by something or ends
        self.at = match.end()
        shown = self.command(match.group(1), match.group(0))
        before = self.tex[match.start() - 1:match.start()]
        if match.group(1) in _NAMES and (before.isalnum() or before == "}"):
            shown = " " + shown  # `0.56\log 2` reads `0.56 log 2`
        return shown

    def command(self, name: str, source: str) -> str:
        if name in _SPACED:
            return f" {_SYMBOLS[name]} "
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _NAMES:
            # `\log\frac{a}{b}` and `\log2`: TeX separates the name from what follows
            after = self.tex[self.at:self.at + 1]
            return name + " " if after.isalnum() or after == "\\" else name
        if name in _DROPPED:
            return ""
        if name in _TEXT_ARGS:
            return self.argument()
        if name in _FRACTIONS:
            top, bottom = self.argument(), self.argument()
            return f"{_grouped(top)}/{_grouped(bottom)}"
        if name == "binom":
            top, bottom = self.argument(), self.argument()
            return f"C({top}, {bottom})"
        if name == "sqrt":
            index = ""
            if self.tex.startswith("[", self.at):
                end = self.tex.find("]", self.at)
                if end > 0:
                    index, self.at = self.tex[self.at + 1:end], end + 1
            body = self.argument()
            root = {"": "√", "3": "∛", "4": "∜"}.get(index, f"{index}√")
            return root + _grouped(body)
        if name in _ACCENTS:
            body = self.argument()
            return body + _ACCENTS[name] if len(body) == 1 else f"{name}({body})"
        # unknown: its source is the most readable thing to show, with its arguments
        while self.tex.startswith("{", self.at):
            self.at += 1
            source += "{" + self.text("}") + "}"
        return source


def _grouped(text: str) -> str:
    """`text` as one operand of `/`: in parentheses unless it is a single term."""
    text = text.strip()
    if re.fullmatch(r"[\w.]+|\([^()]*\)|[\w.]+\([^()]*\)", text):
        return text
    return f"({text})"


def tex_to_text(tex: str) -> str:
    """One formula's TeX source as readable plain text."""
    if tex.endswith("\\"):
        tex += " "
    text = _Reader(tex).text()
    # the spaces around a relation and the source's own make one (a \quad keeps its own)
    return re.sub(r"(?<=\S) {2,3}(?=\S)", " ", text).strip()


_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
_CODE = re.compile(r"`((?:[^`\n]|\n(?![ \t]*\n))+)`")  # may span lines, not paragraphs
_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_EMPHASIS = re.compile(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])"
                       r"|(?<![\w_])_(?![\s_])(.+?)(?<![\s_])_(?![\w_])", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_BLOCK_START = re.compile(r"\s*(?:[*+-]|\d{1,9}[.)])\s|\s{4}|\s*\|")


def markdown_to_text(md: str, width: int = 88) -> str:
    """A prompt or solution (Markdown with $inline$ and $$display$$ TeX) as plain text
    wrapped to `width`; display math goes on its own indented line."""
    slots: list[str] = []

    def keep(text: str) -> str:
        # math and code are put aside while the Markdown marks are removed, so that
        # an `x_i` or a `*` inside them is not taken for emphasis
        slots.append(text)
        return f"\0{len(slots) - 1}\0"

    text = _DISPLAY.sub(lambda m: "\n\n" + keep("    " + tex_to_text(m.group(1))) + "\n\n", md)
    text = _INLINE.sub(lambda m: keep(tex_to_text(m.group(1))), text)
    text = _CODE.sub(lambda m: keep(m.group(1)), text)
    text = text.replace("\\$", "$")
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2)
                     else f"{m.group(1)} ({m.group(2)})", text)
    text = _HEADING.sub("", text)
    text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    paragraphs = [_wrap(block, slots, width) for block in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def _wrap(block: str, slots: list[str], width: int) -> str:
    keep_lines = any(_BLOCK_START.match(line) for line in block.splitlines())
    block = re.sub("\0(\\d+)\0", lambda m: slots[int(m.group(1))], block)
    lines = block.splitlines()
    if not lines:
        return ""
    if keep_lines or lines[0].startswith("    "):
        # lists, tables, code and display math keep their lines
        return "\n".join(line.rstrip() for line in lines)
    return "\n".join(textwrap.wrap(" ".join(line.strip() for line in lines), width,
                                   break_on_hyphens=False))
