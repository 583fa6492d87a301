"""How long the sandbox takes, warm (forked from the zygote) and cold (fresh interpreter).

    PYTHONPATH=. python benchmarks/bench_sandbox.py [--rounds 10] [--sessions 100] [--workers 2]

Prints, for each mode, medians over the rounds in milliseconds: start-up to ready (the
`with` block entered: child started, solution imported), one small call, a whole session
of 40 calls, closing; 100 small calls in one session, one `call` each against one
`call_many` (how `check_function` sends a part's cases); then sessions per second over
`--sessions` sequential sessions (a session: start, 40 calls, close), and over `--workers`
processes side by side, as `grader grade-all -j N` runs them. The zygote's own start (paid
once per grading process, on its first sandbox) is printed separately.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from grader import sandbox
from grader.sandbox import Limits, Sandbox

SOLUTION = '''
import numpy as np

def bernoulli_mle(data):
    return float(np.mean(data))

def log_likelihood(p, data):
    data = np.asarray(data)
    return float(np.sum(data * np.log(p) + (1 - data) * np.log(1 - p)))
'''


def _cases() -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    return [{"data": rng.integers(0, 2, size=int(rng.integers(1, 50)))} for _ in range(40)]


def _session(path: Path, warm: bool, cases: list[dict[str, Any]],
             timings: dict[str, list[float]] | None = None) -> None:
    t0 = time.perf_counter()
    box = Sandbox(path, Limits(), warm=warm)
    with box:
        t1 = time.perf_counter()
        assert box.warm == warm, "asked for a warm sandbox, got a cold one"
        for case in cases[:20]:
            t = time.perf_counter()
            result = box.call("bernoulli_mle", case)
            if timings is not None:
                timings["call"].append(time.perf_counter() - t)
            assert result.status == "ok", result
        for case in cases[20:]:
            assert box.call("log_likelihood", {"p": 0.3, **case}).status == "ok"
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    if timings is not None:
        timings["startup"].append(t1 - t0)
        timings["session"].append(t3 - t0)
        timings["close"].append(t3 - t2)


def _hundred_calls(path: Path, warm: bool, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds for 100 small calls in one session: a loop of `call`, and one `call_many`."""
    rng = np.random.default_rng(1)
    cases = [{"data": rng.integers(0, 2, size=20)} for _ in range(100)]
    loop: list[float] = []
    batch: list[float] = []
    with Sandbox(path, Limits(), warm=warm) as box:
        assert box.call("bernoulli_mle", cases[0]).status == "ok"
        for _ in range(rounds):
            t = time.perf_counter()
            one_by_one = [box.call("bernoulli_mle", case) for case in cases]
            loop.append(time.perf_counter() - t)
            t = time.perf_counter()
            together = box.call_many("bernoulli_mle", cases)
            batch.append(time.perf_counter() - t)
            assert together == one_by_one and len(together) == 100
    return loop, batch


def _rate(path: Path, warm: bool, sessions: int) -> float:
    cases = _cases()
    start = time.perf_counter()
    for _ in range(sessions):
        _session(path, warm, cases)
    return sessions / (time.perf_counter() - start)


def _worker(path: str, warm: bool, sessions: int, barrier: Any, queue: Any) -> None:
    cases = _cases()
    _session(Path(path), warm, cases)  # this process's own zygote starts here
    barrier.wait()
    for _ in range(sessions):
        _session(Path(path), warm, cases)
    queue.put(sessions)


def _parallel_rate(path: Path, warm: bool, sessions: int, workers: int) -> float:
    """Sessions per second of `workers` forked processes sharing `sessions` between them,
    wall clock from the moment all of them are ready."""
    context = multiprocessing.get_context("fork")
    queue, barrier = context.Queue(), context.Barrier(workers + 1)
    each = max(1, sessions // workers)
    procs = [context.Process(target=_worker, args=(str(path), warm, each, barrier, queue))
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    start = time.perf_counter()
    done = sum(int(queue.get()) for _ in procs)
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cases = _cases()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.2f} ms"

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "solution.py"
        path.write_text(SOLUTION)

        sandbox.shutdown_zygote()
        t = time.perf_counter()
        _session(path, True, cases[:1])
        print(f"zygote start + first warm session (once per process): "
              f"{(time.perf_counter() - t) * 1000:8.2f} ms")

        rates: dict[str, tuple[float, float]] = {}
        for mode in ("warm", "cold"):
            warm = mode == "warm"
            timings: dict[str, list[float]] = {"startup": [], "call": [], "session": [],
                                               "close": []}
            for _ in range(args.rounds):
                _session(path, warm, cases, timings)
            print(f"\n{mode}:")
            print(f"  start-up to ready (median of {args.rounds}):     {ms(timings['startup'])}")
            print(f"  one small call (median of {len(timings['call'])}):        "
                  f"{ms(timings['call'])}")
            print(f"  whole session, 40 calls (median of {args.rounds}): {ms(timings['session'])}")
            print(f"  closing (median of {args.rounds}):               {ms(timings['close'])}")
            loop, batch = _hundred_calls(path, warm, args.rounds)
            print(f"  100 small calls, a loop of call (median of {args.rounds}): {ms(loop)}")
            print(f"  100 small calls, one call_many (median of {args.rounds}):  {ms(batch)} "
                  f"({statistics.median(loop) / statistics.median(batch):.1f}x faster)")
            sequential = _rate(path, warm, args.sessions)
            parallel = _parallel_rate(path, warm, args.sessions, args.workers)
            rates[mode] = (sequential, parallel)
            print(f"  {args.sessions} sequential sessions:            {sequential:8.1f} sessions/s")
            print(f"  {args.workers} processes side by side:           {parallel:8.1f} sessions/s")
        print(f"\nwarm / cold: {rates['warm'][0] / rates['cold'][0]:.1f}x sequential, "
              f"{rates['warm'][1] / rates['cold'][1]:.1f}x with {args.workers} processes")


if __name__ == "__main__":
    main()
