"""An answer shown back as the grader understood it (as STACK's validation does).

`s*p/(s*p+f*(1-p))` comes back as `s·p / (s·p + f·(1 - p))`, `a/b*c` as `a·c / b`,
`x^-1` as `x^(-1)` and `a^b^c` as `a^(b^c)`: every grouping the parser chose is written
out, so a student sees at once whether the formula they typed is the one they meant.
"""

from __future__ import annotations

from .expr import Call, Const, Expr, Neg, Node, Num, Power, Product, Sum, Var

# Binding strength, loosest first: a sub-formula that binds looser than its place needs
# gets parentheses.
_SUM, _PRODUCT, _NEG, _POWER, _ATOM = 1, 2, 3, 4, 5
_CONSTANTS = {"pi": "π", "oo": "∞", "inf": "∞"}


def readback(expression: Expr) -> str:
    """The formula of `expression` with every grouping made explicit."""
    return _text(expression.tree)


def _level(node: Node) -> int:
    if isinstance(node, Sum):
        return _SUM
    if isinstance(node, Product):
        return _PRODUCT
    if isinstance(node, Neg) or (isinstance(node, Num) and node.value < 0):
        return _NEG
    if isinstance(node, Power):
        return _POWER
    return _ATOM


def _wrapped(node: Node, above: int) -> str:
    """`node` as text, in parentheses when it binds looser than `above`."""
    text = _text(node)
    return f"({text})" if _level(node) < above else text


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{value:.12g}"


def _text(node: Node) -> str:
    if isinstance(node, Num):
        return _number(node.value)
    if isinstance(node, Const):
        return _CONSTANTS.get(node.name, node.name)
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Neg):
        return "-" + _wrapped(node.operand, _PRODUCT)
    if isinstance(node, Sum):
        text = _text(node.first)
        for minus, term in node.rest:
            # a - (b - c) and a + (-b) keep their parentheses
            text += (" - " if minus else " + ") + _wrapped(term, _PRODUCT if minus else _POWER
                                                          if _level(term) == _NEG else _SUM)
        return text
    if isinstance(node, Product):
        above = _POWER      # a factor that is a sum or a negation keeps its parentheses
        top = [_wrapped(node.first, above)]
        bottom: list[str] = []
        for divide, factor in node.rest:
            (bottom if divide else top).append(_wrapped(factor, above))
        text = "·".join(top)
        if not bottom:
            return text
        under = bottom[0] if len(bottom) == 1 else "(" + "·".join(bottom) + ")"
        return f"{text} / {under}"
    if isinstance(node, Power):
        # the base in parentheses unless it is a name, a number or a call; the exponent too
        return f"{_wrapped(node.base, _ATOM)}^{_wrapped(node.exponent, _ATOM)}"
    if isinstance(node, Call):
        return f"{node.func}(" + ", ".join(_text(a) for a in node.args) + ")"
    return "?"      # comparisons and logic are never answers
