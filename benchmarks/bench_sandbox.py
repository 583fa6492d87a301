"""How long the sandbox takes: child start-up, one small call, a whole 40-call session.

    PYTHONPATH=. python benchmarks/bench_sandbox.py [--rounds 10]

Prints medians over the rounds, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from grader.sandbox import Limits, Sandbox

SOLUTION = '''
import numpy as np

def bernoulli_mle(data):
    return float(np.mean(data))

def log_likelihood(p, data):
    data = np.asarray(data)
    return float(np.sum(data * np.log(p) + (1 - data) * np.log(1 - p)))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    rng = np.random.default_rng(0)
    cases = [{"data": rng.integers(0, 2, size=int(rng.integers(1, 50)))} for _ in range(40)]
    startup, per_call, session = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "solution.py"
        path.write_text(SOLUTION)
        for _ in range(rounds):
            t0 = time.perf_counter()
            with Sandbox(path, Limits()) as box:
                t1 = time.perf_counter()
                startup.append(t1 - t0)
                for case in cases[:20]:
                    t = time.perf_counter()
                    result = box.call("bernoulli_mle", case)
                    per_call.append(time.perf_counter() - t)
                    assert result.status == "ok", result
                for case in cases[20:]:
                    assert box.call("log_likelihood", {"p": 0.3, **case}).status == "ok"
            session.append(time.perf_counter() - t0)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.2f} ms"

    print(f"start-up to ready (median of {rounds}):     {ms(startup)}")
    print(f"one small call (median of {len(per_call)}):        {ms(per_call)}")
    print(f"whole session, 40 calls (median of {rounds}): {ms(session)}")


if __name__ == "__main__":
    main()
