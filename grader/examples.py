"""Public example cases of function parts: inputs an instructor chooses to show, with the
reference's outputs, run by the student's `grader check`.

They are the only expected values a graded student folder holds, and the instructor
chose each one; none is built from the student's own parameters. In a spec:

    examples:                      # keyword arguments; a list is passed as a NumPy array
      - {data: [1, 0, 1, 1]}

`generate` computes each output with the reference and writes it to `.grader.yaml` in a
plain, tagged form (`{array: [...]}`, `{tuple: [...]}`), which `decode` reads back.
"""

from __future__ import annotations

import math
from typing import Any

from .bank import Bank
from .errors import BankError
from .spec import Part, Spec


def call_args(args: dict[str, Any]) -> dict[str, Any]:
    """An example's keyword arguments as the function receives them: lists as arrays."""
    import numpy as np

    return {name: np.asarray(value) if isinstance(value, list) else value
            for name, value in args.items()}


def encode(value: Any) -> Any:
    """A reference output as plain YAML data that keeps its type (array, tuple, number)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"array": value.tolist()}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(f"cannot write a {type(value).__name__} into an example")


def decode(value: Any) -> Any:
    """What `encode` wrote, as the value to compare with."""
    import numpy as np

    if isinstance(value, dict) and set(value) == {"array"}:
        return np.asarray(value["array"], dtype=float)
    if isinstance(value, dict) and set(value) == {"tuple"}:
        return tuple(decode(v) for v in value["tuple"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def public_examples(bank: Bank, spec: Spec, part: Part) -> list[dict[str, Any]]:
    """Each example of a function part with the reference's output: {args, output, shown}."""
    from .checkers.function import show

    if not part.examples:
        return []
    assert part.function is not None
    reference = getattr(bank.solution(spec.id), part.function)
    out = []
    for n, args in enumerate(part.examples, start=1):
        try:
            output = reference(**call_args(args))
            encoded = encode(output)
        except Exception as exc:
            raise BankError(f"example {n} of part '{part.id}' of {spec.id}: the reference "
                            f"raised {exc!r}", file=bank.solution_path(spec.id)) from None
        out.append({"args": args, "output": encoded, "shown": show(output)})
    return out


def call_text(function: str, args: dict[str, Any]) -> str:
    """`f(x=[1, 0, 1])`: an example's call as the student would write it."""
    def shown(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return f"{value:g}"
        return repr(value)

    return f"{function}(" + ", ".join(f"{k}={shown(v)}" for k, v in args.items()) + ")"
