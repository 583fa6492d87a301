"""Run a plan of calls against one hostile solution in the sandbox; print the results as
JSON. Used by tests/test_boundary.py to attack the boundary as root and as an
unprivileged user (run under setpriv with a Python that user can read).

    python boundary_driver.py SOLUTION ISOLATION PLAN_JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from grader import sandbox
from grader.sandbox import Limits, Sandbox


def main() -> None:
    solution, isolation, plan = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    limits = Limits(call_timeout=10.0, import_timeout=10.0, session_seconds=60.0)
    report: dict[str, object] = {"uid": os.getuid(), "calls": []}
    with Sandbox(solution, limits, isolation=isolation) as box:  # type: ignore[arg-type]
        report["jailed"] = box.jailed
        report["import_error"] = box.import_error and box.import_error.message
        report["child"] = box.pid
        report["zygote"] = sandbox.zygote_pid(isolation)  # type: ignore[arg-type]
        for function, kwargs in plan:
            result = box.call(function, kwargs)
            report["calls"].append([function, result.status, result.value,  # type: ignore[union-attr]
                                    result.message])
    sandbox.shutdown_zygote()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
