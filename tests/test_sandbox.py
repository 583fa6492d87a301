"""grader.sandbox: hostile solutions run, fail in the ways described, and stay contained.

Each hostile behaviour lives in a solution file under tests/hostile/. Tests assert both
the status and the absence of the side effect (marker files, processes, connections).

Sandboxes are warm by default (forked from the zygote); the hostile fixtures and the
import, clean-up and memory tests run in both modes, `warm` and `cold` (a fresh
interpreter), and assert that they got the mode they asked for.
"""

from __future__ import annotations

import contextlib
import dis
import json
import math
import os
import resource
import select
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import grader
from grader import _sandbox_child as child
from grader import sandbox
from grader.errors import BoundaryUnavailable
from grader.sandbox import CallResult, Limits, Sandbox

HOSTILE = Path(__file__).parent / "hostile"
FAST = Limits(call_timeout=0.5, import_timeout=2.0)
IS_ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not IS_ROOT, reason="needs root (namespaces, uid change)")
MODES = ["warm", "cold"]


def _children(pid: int | None) -> list[int]:
    """Processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _session_pid(box: Sandbox) -> int:
    """The process running the student's code. Jailed, it is the only child of the
    zygote's fork (which waits for it): PID 1 of the session's own namespace."""
    assert box.pid is not None
    if not box.jailed:
        return box.pid
    kids = _children(box.pid)
    assert len(kids) == 1, kids
    return kids[0]


def _status(pid: int) -> dict[str, str]:
    """/proc/PID/status as a dict."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, Z ...), or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@contextlib.contextmanager
def _open(solution: Path, limits: Limits, mode: str) -> Iterator[Sandbox]:
    """A sandbox in the mode asked for; asserts that it really got that mode."""
    with Sandbox(solution, limits, warm=mode == "warm") as box:
        assert box.import_error is not None or box.warm == (mode == "warm")
        yield box


@pytest.fixture(scope="module")
def correct() -> Iterator[Sandbox]:
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:
        yield box


@pytest.fixture(scope="module", params=MODES)
def escape(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with _open(HOSTILE / "escape.py", FAST, request.param) as box:
        yield box


@pytest.fixture(scope="module", params=MODES)
def forgery(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with _open(HOSTILE / "forgery.py", Limits(call_timeout=2.0), request.param) as box:
        yield box


@pytest.fixture(params=MODES)
def crash(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with _open(HOSTILE / "crash.py", FAST, request.param) as box:
        yield box


# -- a correct solution ----------------------------------------------------------------


def test_correct_solution_imports(correct: Sandbox) -> None:
    assert correct.import_error is None
    assert correct.pid is not None and _exists(correct.pid)


def test_float_result(correct: Sandbox) -> None:
    result = correct.call("add", {"x": 0.25, "y": 0.5})
    assert result == CallResult("ok", value=0.75)
    assert type(result.value) is float


def test_array_keeps_dtype_and_shape(correct: Sandbox) -> None:
    values = np.arange(6, dtype=np.float32).reshape(2, 3) / 3
    result = correct.call("scale", {"values": values, "factor": 2})
    assert result.status == "ok"
    assert type(result.value) is np.ndarray
    assert result.value.dtype == np.float32 and result.value.shape == (2, 3)
    np.testing.assert_array_equal(result.value, values * 2)


def test_tuple_with_int_array(correct: Sandbox) -> None:
    result = correct.call("summary", {"data": [1, 2, 3]})
    assert result.status == "ok"
    mean, n, array = result.value  # type: ignore[misc]
    assert (type(mean), mean, type(n), n) == (float, 2.0, int, 3)
    assert array.dtype == np.int32 and array.tolist() == [1, 2, 3]


def test_numpy_scalars_keep_their_type(correct: Sandbox) -> None:
    result = correct.call("numpy_scalars", {})
    assert result.status == "ok"
    assert [type(v) for v in result.value] == [np.float32, np.int64, np.bool_, np.uint8]  # type: ignore[attr-defined]
    assert list(result.value) == [0.5, 7, True, 255]  # type: ignore[call-overload]


def test_non_finite_floats(correct: Sandbox) -> None:
    result = correct.call("specials", {})
    assert result.status == "ok"
    inf, minus_inf, array = result.value  # type: ignore[misc]
    assert (inf, minus_inf) == (math.inf, -math.inf)
    assert array[0] == 1.0 and math.isnan(array[1]) and array[2] == -math.inf


def test_nested_dict_with_tag_like_key_stays_a_dict(correct: Sandbox) -> None:
    result = correct.call("nested", {})
    assert result.value == {"a": [1, 2.5, (3, None)], "b": True, "c": {"__float__": "nan"}}


def test_arguments_round_trip(correct: Sandbox) -> None:
    kwargs: dict[str, object] = {
        "f": 0.1, "i": -(2**70), "b": False, "s": "héllo", "n": None,
        "t": (1, (2.5, "x")), "l": [1, [2, [3]]], "d": {"k": [1.5]},
        "i64": np.int64(3), "f32": np.float32(0.25), "u64": np.uint64(2**64 - 1),
        "empty": np.zeros((0, 3)), "zero_d": np.array(2.5), "mask": np.array([True, False]),
        "nan": math.nan,
    }
    result = correct.call("echo", kwargs)
    assert result.status == "ok"
    back = result.value
    assert isinstance(back, dict) and back.keys() == kwargs.keys()
    for key, sent in kwargs.items():
        got = back[key]
        assert type(got) is type(sent), key
        if isinstance(sent, np.ndarray):
            assert got.dtype == sent.dtype and got.shape == sent.shape
            np.testing.assert_array_equal(got, sent)
        elif key == "nan":
            assert math.isnan(got)
        else:
            assert got == sent, key


def test_mutated_inputs_do_not_leak_into_the_next_call(correct: Sandbox) -> None:
    data, items, table = np.array([1.0, 2.0]), ["a"], {"k": 1}
    kwargs = {"data": data, "items": items, "table": table}
    first = correct.call("mutate", kwargs)
    second = correct.call("mutate", kwargs)
    assert first == second == CallResult("ok", value=(1.0, 1, 1))
    assert data.tolist() == [1.0, 2.0] and items == ["a"] and table == {"k": 1}


def test_nan_is_returned_as_is(correct: Sandbox) -> None:
    result = correct.call("nan", {})
    assert result.status == "ok" and math.isnan(result.value)  # type: ignore[arg-type]


def test_wrong_type_is_returned_for_the_checker(correct: Sandbox) -> None:
    assert correct.call("text", {}) == CallResult("ok", value="0.5")


def test_exception_names_the_students_line(correct: Sandbox) -> None:
    result = correct.call("fails", {"x": 1.0})
    line = _line_of(HOSTILE / "correct.py", "return x / y")
    assert result.status == "error"
    assert result.message == f"ZeroDivisionError: float division by zero (solution.py, line {line})"


def test_unknown_function_is_an_error(correct: Sandbox) -> None:
    result = correct.call("no_such_function", {})
    assert result.status == "error" and "no_such_function" in result.message


def test_writing_inside_the_working_folder_is_allowed(correct: Sandbox) -> None:
    assert correct.call("scratch", {}) == CallResult("ok", value="inside the working folder")


def test_call_outside_the_with_block_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        Sandbox(HOSTILE / "correct.py").call("add", {"x": 1, "y": 2})


# -- escapes ---------------------------------------------------------------------------

ESCAPES = [
    "fork", "run_subprocess", "system", "posix_spawn", "execv", "fork_exec_directly",
    "reimport_posixsubprocess", "ctypes_system", "write_outside", "write_os_open",
    "write_dotdot", "write_symlink", "write_pathlike", "write_after_patching",
    "write_dir_fd", "replace_hook", "replace_hook_defaults", "settrace", "subinterpreter",
]


@pytest.mark.parametrize("function", ESCAPES)
def test_escape_is_refused(escape: Sandbox, tmp_path: Path, function: str) -> None:
    marker = tmp_path / "marker"
    result = escape.call(function, {"marker": str(marker)})
    assert result.status == "error", result
    assert result.message.startswith("SandboxRefusal: "), result.message
    assert not marker.exists()
    assert _children(_session_pid(escape)) == []
    assert escape.call("uid", {}).status == "ok"  # the child is still fine


@pytest.mark.parametrize("function", ["remove_outside", "rmtree_outside"])
def test_removing_outside_is_refused(escape: Sandbox, tmp_path: Path, function: str) -> None:
    marker = tmp_path / "marker"
    marker.write_text("keep me")
    result = escape.call(function, {"marker": str(marker)})
    assert result.status == "error" and "outside the working folder" in result.message
    assert marker.read_text() == "keep me"


def test_threads_cannot_start(escape: Sandbox, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    result = escape.call("thread", {"marker": str(marker)})
    # seccomp refuses clone, and RLIMIT_NPROC=1 in the session's user namespace
    assert result.status == "error" and "can't start new thread" in result.message
    assert not marker.exists()


def test_own_audit_hook_is_silently_not_added(escape: Sandbox, tmp_path: Path) -> None:
    assert escape.call("add_hook", {"marker": str(tmp_path / "m")}) == CallResult("ok", value=0)


def test_no_network(escape: Sandbox) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        for function in ("connect", "connect_raw", "urlopen"):
            result = escape.call(function, {"port": port})
            assert result.status == "error" and "SandboxRefusal" in result.message, result
        readable, _, _ = select.select([listener], [], [], 1.0)
        assert readable == []  # no connection arrived


NAMESPACES = ["user", "mnt", "pid", "net", "ipc", "uts"]


def test_child_is_behind_the_boundary(escape: Sandbox) -> None:
    """Its own namespaces (none shared with us or the zygote), no capability anywhere,
    no_new_privs, a seccomp filter, and as root another uid on the host."""
    assert escape.jailed
    session = _session_pid(escape)
    assert isinstance(escape._child, sandbox._WarmChild)
    zygote = escape._child.zygote
    for ns in NAMESPACES:
        theirs = os.readlink(f"/proc/{session}/ns/{ns}")
        assert theirs != os.readlink(f"/proc/self/ns/{ns}"), ns
        assert theirs != os.readlink(f"/proc/{zygote.pid}/ns/{ns}"), ns
    status = _status(session)
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[caps], 16) == 0, (caps, status[caps])
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"
    assert status["NSpid"].split()[-1] == "1"  # PID 1 of its own namespace
    host_uid = int(status["Uid"].split()[0])
    assert host_uid != 0 if IS_ROOT else host_uid == os.getuid()


@root_only
def test_child_does_not_run_as_root(escape: Sandbox) -> None:
    assert int(_status(_session_pid(escape))["Uid"].split()[1]) not in (0, os.getuid())


def test_signalling_the_parent_is_refused(escape: Sandbox) -> None:
    result = escape.call("kill_parent", {})
    assert result.status == "error" and "os.kill" in result.message


def test_raising_limits_is_refused(escape: Sandbox) -> None:
    result = escape.call("raise_cpu_limit", {})
    assert result.status == "error" and "setrlimit" in result.message


@pytest.mark.parametrize(
    ("function", "path"),
    [
        ("read_file", str(Path(grader.__file__).parent / "errors.py")),  # the grader, its bank
        ("read_file", "/etc/passwd"),
        ("list_dir", "/root"),
        ("list_dir", "/tmp"),
        ("read_file", "/proc/self/environ"),
        ("list_dir", "/proc/self/fd"),
        ("read_file", "/usr/lib/../../etc/hostname"),
        ("read_file", "/usr/lib/../lib/../../etc/hostname"),
    ],
)
def test_reading_private_places_is_refused(escape: Sandbox, function: str, path: str) -> None:
    result = escape.call(function, {"path": path})
    # the hook refuses, or (the jail) there is no such path
    assert result.status == "error", result
    assert result.message.startswith(("SandboxRefusal: ", "FileNotFoundError: ")), result


@pytest.mark.skipif(not Path("/usr/lib/ssl/private").is_symlink(), reason="Debian's layout")
@pytest.mark.parametrize("path", ["/usr/lib/ssl/private", "/usr/lib/ssl/certs/../private"])
def test_links_out_of_readable_places_are_followed(escape: Sandbox, path: str) -> None:
    result = escape.call("list_dir", {"path": path})  # /usr/lib/ssl/private -> /etc/ssl/private
    assert result.status == "error" and "not readable here" in result.message, result


def test_environment_is_scrubbed(escape: Sandbox) -> None:
    result = escape.call("environment", {})
    assert result.status == "ok" and isinstance(result.value, dict)
    assert set(result.value) <= {
        "PATH", "LANG", "HOME", "TMPDIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
        "MKL_NUM_THREADS", "PYTHONHASHSEED", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
    }
    assert result.value["PATH"] == "/usr/bin:/bin"


# -- hangs, crashes, exhaustion --------------------------------------------------------


def test_infinite_loop_times_out_and_the_next_call_works(crash: Sandbox) -> None:
    old = crash.pid
    assert old is not None
    start = time.monotonic()
    result = crash.call("loop", {})
    assert result == CallResult("timeout", message="took longer than 0.5 s")
    assert time.monotonic() - start < 2
    assert not _exists(old)  # killed and reaped: not even a zombie
    assert crash.call("ok", {}) == CallResult("ok", value=1)
    assert crash.pid not in (None, old)


def test_per_call_timeout_overrides_the_limit(crash: Sandbox) -> None:
    result = crash.call("sleep", {}, timeout=0.2)
    assert result == CallResult("timeout", message="took longer than 0.2 s")


def test_memory_bomb_is_an_error_and_the_parent_is_fine(crash: Sandbox) -> None:
    before = _maxrss_mb()
    for function in ("memory_bomb", "numpy_bomb"):
        assert crash.call(function, {}) == CallResult("error", message="ran out of memory")
        assert crash.call("ok", {}).status == "ok"
    assert _maxrss_mb() - before < 50


@pytest.mark.parametrize("mode", MODES)
def test_growing_until_the_limit(mode: str) -> None:
    limits = Limits(call_timeout=5.0, memory_bytes=300 << 20)
    with _open(HOSTILE / "crash.py", limits, mode) as box:
        result = box.call("memory_growth", {})
        assert result.status in ("error", "crashed"), result
        assert box.call("ok", {}).status == "ok"


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("sys_exit", "the process exited (sys.exit(3))"),
        ("os_exit", "the process exited with code 4"),
        ("segfault", "the process crashed (SIGSEGV), possibly a too deep recursion"),
    ],
)
def test_death_in_a_call_is_crashed(crash: Sandbox, function: str, message: str) -> None:
    old = crash.pid
    assert crash.call(function, {}) == CallResult("crashed", message=message)
    assert old is not None and not _exists(old)
    assert crash.call("ok", {}) == CallResult("ok", value=1)


def test_deep_recursion_is_an_error(crash: Sandbox) -> None:
    result = crash.call("recurse", {})
    assert result.status == "error" and result.message.startswith("RecursionError")
    through_c = crash.call("recurse_through_c", {})
    assert through_c.status in ("error", "crashed")  # never a hang
    assert crash.call("ok", {}).status == "ok"


def test_100_mb_of_output_is_bounded(crash: Sandbox) -> None:
    before = _maxrss_mb()
    result = crash.call("big_output", {}, timeout=5)
    assert result.status == "ok" and result.value == 1
    assert result.output.startswith("x" * 1000)
    assert len(result.output) < FAST.output_bytes + 200
    assert "more bytes of output dropped" in result.output
    assert _maxrss_mb() - before < 50


def test_endless_printing_is_bounded(crash: Sandbox) -> None:
    result = crash.call("many_prints", {})
    assert result.status in ("ok", "timeout")
    assert len(result.output) < FAST.output_bytes + 200


def test_output_is_captured_per_call(crash: Sandbox) -> None:
    result = crash.call("stderr_and_stdout", {})
    assert result == CallResult("ok", value=1, output="to stdout\nto stderr\n")
    assert crash.call("ok", {}).output == ""


# -- forgeries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "type_name"),
    [
        ("eq_object", "AlwaysEqual"),
        ("float_subclass", "SneakyFloat"),
        ("int_subclass", "I"),
        ("list_of_eq_objects", "AlwaysEqual"),
        ("tuple_of_float_subclass", "SneakyFloat"),
        ("ndarray_subclass", "matrix"),
        ("hostile_metaclass", "Hostile"),
    ],
)
def test_impostor_values_are_refused(forgery: Sandbox, function: str, type_name: str) -> None:
    result = forgery.call(function, {})
    assert result == CallResult(
        "error",
        message=f"returned an object of type {type_name}; expected a number, array, list or tuple",
    )


@pytest.mark.parametrize(
    "function",
    ["object_array", "complex_array", "dict_with_int_keys", "self_reference", "too_large",
     "huge_int"],
)
def test_untransportable_values_are_errors(forgery: Sandbox, function: str) -> None:
    result = forgery.call(function, {})
    assert result.status == "error" and result.message.startswith("returned"), result


def test_printed_reply_is_ignored(forgery: Sandbox) -> None:
    result = forgery.call("forge_stdout", {})
    assert result.status == "ok" and result.value == 1
    assert '"value": 42' in result.output


def test_reply_written_to_every_fd_is_ignored(forgery: Sandbox) -> None:
    assert forgery.call("forge_fds", {}).value == 1
    assert forgery.call("forge_stdout", {}).value == 1


def test_forged_reply_with_the_nonce_is_still_checked(forgery: Sandbox) -> None:
    # Reading the nonce out of memory only lets a student send what they could return;
    # a malformed value is refused by the parent.
    bad = {"__ndarray__": [[1.0]], "dtype": "float64", "shape": [5]}
    result = forgery.call("forge_with_nonce", {"value": bad})
    assert result == CallResult("error", message="returned a value that could not be read")
    assert forgery.call("forge_stdout", {}).value == 1  # the stale real reply was skipped


def test_hostile_exception_message(forgery: Sandbox) -> None:
    result = forgery.call("hostile_exception", {})
    assert result.status == "error" and result.message.startswith("Weird: <unprintable>")


# -- call_many -------------------------------------------------------------------------

BATCH = """
import json, os, sys, time

SEEN = []


def step(i):
    print(f"case {i} after {SEEN}")
    SEEN.append(i)
    if i == 3:
        raise ValueError("three")
    return i


def loop_at(i, at):
    print(f"case {i}")
    while i == at:
        pass
    return i


def sleep(i, seconds):
    time.sleep(seconds)
    return i


def exit_at(i, at):
    print(f"case {i}")
    if i == at:
        os._exit(7)
    return i


def _channel():
    frame = sys._getframe(2)
    while "channel" not in frame.f_locals or "seq" not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals["channel"], frame.f_locals["seq"]


def forge(i):
    # replies for this case and the next ones, printed and written to every fd; and one
    # with the nonce, read out of the process, for the next case: an early reply
    channel, seq = _channel()
    for n in range(seq, seq + 5):
        line = json.dumps({"nonce": "0" * 32, "seq": n, "status": "ok", "value": 42})
        print(line)
        for fd in range(3, 1024):
            try:
                os.write(fd, ("\\n" + line + "\\n").encode())
            except OSError:
                pass
    channel.send(seq + 1, {"status": "ok", "value": 42})
    return i


def talk(i, size):
    sys.stdout.write("x" * size)
    os.write(2, f"case {i}".encode())  # no newline, straight to the fd
    return i


def forge_bad(i):
    channel, seq = _channel()
    channel.send(seq, {"status": "ok", "value": {"__ndarray__": [[1.0]], "dtype": "float64",
                                                 "shape": [5]}})
    return i
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "batch.py"
    path.write_text(BATCH)
    return path


def _same(a: object, b: object) -> bool:
    """Equal, of exactly the same types all the way down (arrays: dtype, shape, bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, CallResult) and isinstance(b, CallResult):
        return (a.status, a.message, a.output) == (b.status, b.message, b.output) and \
            _same(a.value, b.value)
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) or (a != a and b != b)  # NaN is NaN


def _loop_of_call(box: Sandbox, function: str, cases: list[dict[str, object]],
                  timeout: float | None = None) -> list[CallResult]:
    """What call_many must give: call() once per case, up to the first failure."""
    results = []
    for case in cases:
        results.append(box.call(function, case, timeout))
        if results[-1].status != "ok":
            break
    return results


BATCHES: dict[str, list[dict[str, object]]] = {
    "add": [{"x": 0.25 * i, "y": 0.5} for i in range(5)] + [{"x": 2**70, "y": 1}],
    "scale": [{"values": np.arange(6, dtype=dtype).reshape(2, 3) / 3, "factor": 2}
              for dtype in (np.float32, np.float64, np.float16)]
             + [{"values": np.arange(4, dtype=np.uint8), "factor": np.uint8(3)},
                {"values": np.zeros((0, 3)), "factor": 1}],
    "summary": [{"data": list(range(1, n))} for n in (2, 4, 9)],
    "specials": [{}, {}],
    "numpy_scalars": [{}],
    "nested": [{}, {}],
}


@pytest.mark.parametrize("function", list(BATCHES))
def test_call_many_gives_what_a_loop_of_call_gives(correct: Sandbox, function: str) -> None:
    cases = BATCHES[function]
    together = correct.call_many(function, cases)
    assert [r.status for r in together] == ["ok"] * len(cases)
    assert _same(together, _loop_of_call(correct, function, cases))


def test_call_many_keeps_dtype_shape_and_tuples(correct: Sandbox) -> None:
    values = np.arange(6, dtype=np.float32).reshape(2, 3) / 3
    first, second = correct.call_many("scale", [{"values": values, "factor": 2},
                                                {"values": values[:1], "factor": 3}])
    assert type(first.value) is np.ndarray and type(second.value) is np.ndarray
    assert (first.value.dtype, first.value.shape) == (np.float32, (2, 3))
    assert (second.value.dtype, second.value.shape) == (np.float32, (1, 3))
    np.testing.assert_array_equal(first.value, values * 2)
    (mean, n, array), = (r.value for r in correct.call_many("summary", [{"data": [1, 2, 3]}]))
    assert (type(mean), mean, type(n), n, array.dtype) == (float, 2.0, int, 3, np.int32)


def test_call_many_stops_at_the_first_failure(batch: Path) -> None:
    cases: list[dict[str, object]] = [{"i": i} for i in (1, 2, 3, 4)]
    with _open(batch, FAST, "warm") as box:
        results = box.call_many("step", cases)
        later = box.call("step", {"i": 5})
    line = _line_of(batch, 'raise ValueError("three")')
    assert results == [
        CallResult("ok", value=1, output="case 1 after []\n"),
        CallResult("ok", value=2, output="case 2 after [1]\n"),
        CallResult("error", message=f"ValueError: three (solution.py, line {line})",
                   output="case 3 after [1, 2]\n"),
    ]
    assert later.output == "case 5 after [1, 2, 3]\n"  # the 4th case never ran
    with _open(batch, FAST, "warm") as box:
        assert _same(results, _loop_of_call(box, "step", cases))


@pytest.mark.parametrize("mode", MODES)
def test_call_many_times_out_per_case_and_the_next_call_works(batch: Path, mode: str) -> None:
    with _open(batch, FAST, mode) as box:
        old = box.pid
        start = time.monotonic()
        results = box.call_many("loop_at", [{"i": i, "at": 2} for i in range(1, 7)],
                                timeout=0.3)
        elapsed = time.monotonic() - start
        assert results == [CallResult("ok", value=1, output="case 1\n"),
                           CallResult("timeout", message="took longer than 0.3 s",
                                      output="case 2\n")]
        assert 0.3 <= elapsed < 1.2  # the timeout of one case, not of 6 (1.8 s)
        assert old is not None and not _exists(old)
        assert box.call("loop_at", {"i": 3, "at": 2}) == CallResult("ok", value=3,
                                                                    output="case 3\n")
        assert box.pid not in (None, old)


def test_call_many_gives_each_case_the_whole_timeout(batch: Path) -> None:
    with _open(batch, FAST, "warm") as box:
        start = time.monotonic()
        results = box.call_many("sleep", [{"i": i, "seconds": 0.15} for i in range(3)],
                                timeout=0.3)
        assert [r.value for r in results] == [0, 1, 2]
        assert time.monotonic() - start >= 0.45  # more than the timeout, all in time


@pytest.mark.parametrize("mode", MODES)
def test_call_many_crash_ends_the_list_and_the_next_call_works(batch: Path, mode: str) -> None:
    with _open(batch, FAST, mode) as box:
        old = box.pid
        results = box.call_many("exit_at", [{"i": i, "at": 2} for i in (1, 2, 3)])
        assert results == [CallResult("ok", value=1, output="case 1\n"),
                           CallResult("crashed", message="the process exited with code 7",
                                      output="case 2\n")]
        assert old is not None and not _exists(old)
        assert box.call("exit_at", {"i": 3, "at": 2}).value == 3


def test_call_many_keeps_and_bounds_output_per_call(batch: Path) -> None:
    with _open(batch, FAST, "warm") as box:
        sizes = [0, 3 * FAST.output_bytes, 5, 0]  # one fills the pipe many times over
        results = box.call_many("talk", [{"i": i, "size": n} for i, n in enumerate(sizes)])
    assert [r.value for r in results] == [0, 1, 2, 3]
    assert results[0].output == "case 0"
    big = results[1].output
    assert big.startswith("x" * FAST.output_bytes) and "case 1" not in big
    assert big.endswith(f"[... {2 * FAST.output_bytes + 6} more bytes of output dropped]")
    assert results[2].output == "case 2xxxxx"  # stdout's buffer, flushed as the call ends
    assert results[3].output == "case 3"


def test_call_many_gives_each_case_fresh_inputs(correct: Sandbox) -> None:
    data, items, table = np.array([1.0, 2.0]), ["a"], {"k": 1}
    kwargs = {"data": data, "items": items, "table": table}
    assert correct.call_many("mutate", [kwargs] * 3) == [CallResult("ok", value=(1.0, 1, 1))] * 3
    assert data.tolist() == [1.0, 2.0] and items == ["a"] and table == {"k": 1}


def test_call_many_ignores_printed_forged_and_early_replies(batch: Path) -> None:
    with _open(batch, Limits(call_timeout=2.0), "warm") as box:
        results = box.call_many("forge", [{"i": i} for i in range(4)])
        assert [(r.status, r.value) for r in results] == [("ok", i) for i in range(4)]
        printed = [r.output.count('"value": 42') for r in results]
        assert printed[0] >= 5 and len(set(printed)) == 1  # each call's own, no more
        assert box.call("forge", {"i": 9}).value == 9


def test_call_many_checks_a_forged_reply_and_ends_the_batch_in_the_child(batch: Path) -> None:
    with _open(batch, FAST, "warm") as box:
        old = box.pid
        results = box.call_many("forge_bad", [{"i": i} for i in range(3)])
        assert [(r.status, r.message) for r in results] == [
            ("error", "returned a value that could not be read")]
        assert old is not None and not _exists(old)  # it would have gone on with the batch
        assert box.call("step", {"i": 1}).output == "case 1 after []\n"


def test_call_many_of_nothing(correct: Sandbox) -> None:
    pid = correct.pid
    assert correct.call_many("add", []) == []
    assert correct.pid == pid
    with Sandbox(HOSTILE / "import_raise.py", FAST) as box:
        assert box.call_many("add", []) == []
        assert box.import_error is not None
        assert box.call_many("add", [{}, {}]) == [box.import_error]
    with pytest.raises(RuntimeError):
        Sandbox(HOSTILE / "correct.py").call_many("add", [])


def test_call_many_refuses_an_unsendable_case_before_running_any(batch: Path) -> None:
    with _open(batch, FAST, "warm") as box:
        with pytest.raises(TypeError, match="argument 'i' cannot be sent"):
            box.call_many("step", [{"i": 1}, {"i": object()}])
        assert box.call("step", {"i": 2}).output == "case 2 after []\n"


@pytest.mark.parametrize("size", [1, 2, 7, 1000])
def test_output_is_cut_at_the_markers_wherever_the_reads_end(size: int) -> None:
    nonce = "ab" * 16
    stale = child.output_marker(nonce, 5)
    not_a_marker = b"\x00" + nonce.encode() + b"x"
    stream = (b"one\n" + child.output_marker(nonce, 7) + b"two" + stale + not_a_marker
              + child.output_marker(nonce, 8) + b"three")
    output = sandbox._Output(limit=1000)
    output.start(nonce)
    output.reset(expected=7)
    for i in range(0, len(stream), size):
        output.feed(stream[i:i + size])
    assert output.text(output.take(7)) == "one\n"
    assert output.text(output.take(8)) == "two" + not_a_marker.decode()  # the stale one dropped
    assert output.text(output.take(9)) == "three"  # no marker yet: what is there
    short = sandbox._Output(limit=2)
    short.start(nonce)
    short.reset(expected=7)
    short.feed(stream)
    assert short.text(short.take(7)) == "on\n[... 2 more bytes of output dropped]"


# -- import failures -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("name", "status", "message", "output"),
    [
        ("import_exit", "crashed", "the process exited (sys.exit(3))", ""),
        ("import_os_exit", "crashed", "the process exited with code 5", "about to leave\n"),
        ("import_syntax", "error", "SyntaxError: invalid syntax (solution.py, line 5)", ""),
        ("import_loop", "timeout", "importing solution.py took longer than 1.0 s", ""),
        ("import_raise", "error", "KeyError: 'key' (solution.py, line 4)", ""),
        ("import_forge", "error",
         "RuntimeError: import failed after a forged reply (solution.py, line 4)", None),
    ],
)
def test_import_failure(name: str, status: str, message: str, output: str | None,
                        mode: str) -> None:
    path = HOSTILE / (f"{name}.txt" if name == "import_syntax" else f"{name}.py")
    with Sandbox(path, Limits(call_timeout=0.5, import_timeout=1.0), warm=mode == "warm") as box:
        failure = box.import_error
        assert failure is not None
        assert (failure.status, failure.message) == (status, message)
        if output is not None:
            assert failure.output == output
        assert box.pid is None  # no child left running
        start = time.monotonic()
        assert box.call("anything", {}) is failure
        assert box.call("anything", {}) is failure  # no restart, again and again
        assert time.monotonic() - start < 0.05


def test_missing_solution_is_an_import_error(tmp_path: Path) -> None:
    with Sandbox(tmp_path / "solution.py") as box:
        assert box.import_error is not None and box.import_error.status == "error"


# -- process hygiene -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_exit_kills_the_child_and_leaves_nothing_on_the_host(mode: str) -> None:
    with _open(HOSTILE / "correct.py", FAST, mode) as box:
        pid, session = box.pid, _session_pid(box)
        assert box.call("cwd", {}).value == "/work"  # its own tmpfs, not a host folder
        assert pid is not None and _exists(pid) and _exists(session)
        assert box._tmp is None
    assert not _exists(pid) and not _exists(session)


def test_without_the_jail_the_folder_is_removed() -> None:
    with Sandbox(HOSTILE / "correct.py", FAST, isolation="off") as box:
        assert not box.jailed
        workdir = box.call("cwd", {}).value
        assert isinstance(workdir, str) and Path(workdir).is_dir()
    assert not Path(workdir).exists() and not Path(workdir).parent.exists()


@pytest.mark.parametrize("mode", MODES)
def test_exit_after_an_exception_still_cleans_up(mode: str) -> None:
    with pytest.raises(KeyError), _open(HOSTILE / "crash.py", FAST, mode) as box:
        pid = box.pid
        raise KeyError("the caller failed")
    assert pid is not None and not _exists(pid)


# -- the audit hook and the codec ------------------------------------------------------


@pytest.mark.parametrize("function", [child._audit, child._resolve])
def test_hook_reads_no_global_and_has_no_closure(function: object) -> None:
    code = function.__code__  # type: ignore[attr-defined]
    forbidden = {"LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLASSDEREF", "LOAD_CLOSURE"}
    assert not {i.opname for i in dis.get_instructions(code)} & forbidden
    assert function.__closure__ is None  # type: ignore[attr-defined]
    assert not [c for c in code.co_consts if hasattr(c, "co_code")]  # no nested functions


def _round_trip(value: object) -> object:
    return child.decode(child.loads(child.dumps(child.encode(value))))


def test_codec_round_trip() -> None:
    value = (1, -2.5, "s", None, True, [np.arange(3, dtype=np.uint16)], {"k": (math.inf,)})
    back = _round_trip(value)
    assert isinstance(back, tuple) and back[:5] == value[:5]
    assert back[5][0].dtype == np.uint16 and back[6] == {"k": (math.inf,)}  # type: ignore[index]


@pytest.mark.parametrize(
    "array",
    [np.arange(6.0).reshape(2, 3), np.array([True, False]), np.zeros((0, 3), np.int64),
     np.array(3.5), np.array([math.nan, math.inf, -0.0]), np.arange(4, dtype=">i4"),
     np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(5, dtype=np.uint8)[::2]],
)
def test_arrays_sent_as_bytes_come_back_exactly(array: np.ndarray) -> None:
    wire = child.loads(child.dumps(child.encode({"a": array}, binary=True)))
    assert set(wire["__dict__"]["a"]) == {"__ndbytes__", "dtype", "shape"}  # type: ignore[index]
    back = child.decode(wire)["a"]  # type: ignore[index]
    assert type(back) is np.ndarray and back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    assert back.tobytes() == array.astype(back.dtype).tobytes()  # bit for bit (-0.0, nan)
    assert back.flags.writeable and back.dtype.isnative


@pytest.mark.parametrize(
    "wire",
    [
        {"__ndbytes__": "AAAAAAAA8D8=", "dtype": "float64", "shape": [2]},    # too short
        {"__ndbytes__": "AAAAAAAA8D8=", "dtype": "float32", "shape": [1]},    # too long
        {"__ndbytes__": "AAAAAAAA8D8", "dtype": "float64", "shape": [1]},     # bad padding
        {"__ndbytes__": "AAAA AAA8D8=", "dtype": "float64", "shape": [1]},    # not base64
        {"__ndbytes__": "AAAAAAAA8D8=", "dtype": "object", "shape": [1]},
        {"__ndbytes__": "AAAAAAAA8D8=", "dtype": "float64", "shape": [-1]},
        {"__ndbytes__": "AAAAAAAA8D8=", "dtype": "float64", "shape": [1 << 40]},
        {"__ndbytes__": "Ag==", "dtype": "bool", "shape": [1]},               # a bool of 2
        {"__ndbytes__": ["AA=="], "dtype": "uint8", "shape": [1]},
        {"__ndbytes__": "AA==", "dtype": "uint8", "shape": [1], "x": 1},
    ],
)
def test_decode_refuses_malformed_array_bytes(wire: object) -> None:
    with pytest.raises(child.DecodeError):
        child.decode(wire)


@pytest.mark.parametrize(
    "value",
    [object(), 1j, b"bytes", {1, 2},
     np.array(["a"]), np.longdouble(1.0), bytearray(b"x"), range(3)],
)
def test_encode_refuses_other_types(value: object) -> None:
    with pytest.raises(child.EncodeError):
        child.encode(value)


@pytest.mark.parametrize(
    "wire",
    [
        {"__ndarray__": [1.0, 2.0], "dtype": "float64", "shape": [3]},
        {"__ndarray__": [1, 2], "dtype": "float64", "shape": [2]},
        {"__ndarray__": [True], "dtype": "int64", "shape": [1]},
        {"__ndarray__": [1], "dtype": "object", "shape": [1]},
        {"__ndarray__": [1], "dtype": "int8", "shape": [-1]},
        {"__ndarray__": [300], "dtype": "uint8", "shape": [1]},
        {"__ndarray__": [[1]], "dtype": "int64", "shape": [1]},
        {"__ndarray__": [True], "dtype": "float64", "shape": [1]},
        {"__ndarray__": [1.0], "dtype": "int64", "shape": [1]},
        {"__ndarray__": [1], "dtype": "bool", "shape": [1]},
        {"__ndarray__": [{"__float__": "nan"}], "dtype": "int64", "shape": [1]},
        {"__ndarray__": [{"__float__": "NaN"}], "dtype": "float64", "shape": [1]},
        {"__ndarray__": [[1.0], 2.0], "dtype": "float64", "shape": [2, 1]},
        {"__ndarray__": [1.0, [2.0]], "dtype": "float64", "shape": [2]},
        {"__ndarray__": 1.0, "dtype": "float64", "shape": [1]},
        {"__npscalar__": 1.5, "dtype": "int64"},
        {"__float__": "NaN"},
        {"__tuple__": "abc"},
        {"__dict__": [1]},
        {"unknown": 1},
        {"a": 1, "b": 2},
        math.nan,
    ],
)
def test_decode_refuses_malformed_structures(wire: object) -> None:
    with pytest.raises(child.DecodeError):
        child.decode(wire)


def test_bare_nan_literal_is_refused() -> None:
    with pytest.raises(child.DecodeError):
        child.loads(b'{"value": NaN}')
    assert json.loads(child.dumps({"x": child.encode(math.nan)})) == {"x": {"__float__": "nan"}}


def test_resolve_follows_links_like_the_kernel(tmp_path: Path) -> None:
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "secret").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real" / "deep")
    # lexically link/../secret is tmp_path/secret; the kernel goes through real/deep
    assert child._resolve(str(tmp_path / "link" / ".." / "x"), "/") == str(tmp_path / "real" / "x")
    assert child._resolve(b"link/../secret", str(tmp_path)) == str(tmp_path / "real" / "secret")
    assert child._resolve("a/./b/../c", "/w") == "/w/a/c"
    assert child._resolve(3, "/w") is None
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(child.SandboxRefusal):
        child._resolve(str(loop / "x"), "/")


# -- the zygote (warm start) -----------------------------------------------------------

PROBE = '''
import os, random, resource, signal, sys, threading

import numpy as np


def identity():
    frame, nonce = sys._getframe(), None
    while frame is not None:  # the nonce, read out of the process as a determined author can
        channel = frame.f_locals.get("channel")
        if channel is not None and hasattr(channel, "nonce"):
            nonce = channel.nonce
            break
        frame = frame.f_back
    return {"uid": os.getuid(), "cwd": os.getcwd(), "nonce": nonce, "ppid": os.getppid(),
            "random": random.random(), "np_legacy": float(np.random.random()),
            "np_default": float(np.random.default_rng().random())}


def setup():
    return {
        "modules": sorted(sys.modules),
        "path": list(sys.path), "flags": str(sys.flags), "argv": len(sys.argv),
        "env": sorted(os.environ),
        "signals": {s.name: repr(signal.getsignal(s)) for s in signal.Signals
                    if s not in (signal.SIGKILL, signal.SIGSTOP)},
        "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
        "limits": {n: list(resource.getrlimit(getattr(resource, n))) for n in dir(resource)
                   if n.startswith("RLIMIT_")},
        "threads": threading.active_count(),
        "leader": [os.getpgrp() == os.getpid(), os.getsid(0) == os.getpid()],
        "stdio": [[s.encoding, s.errors, s.line_buffering, s.fileno()]
                  for s in (sys.stdin, sys.stdout, sys.stderr)],
        "recursion": sys.getrecursionlimit(),
        "main": sorted(vars(sys.modules["__main__"])),
    }
'''


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    path = tmp_path / "probe.py"
    path.write_text(PROBE)
    return path


def _wait_until_dead(pid: int) -> None:
    """Until `pid` is a zombie or gone (a signal is delivered asynchronously)."""
    deadline = time.monotonic() + 5
    while _state(pid) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.005)


def _zygote() -> int:
    """This process's zygote pid, started if need be."""
    with Sandbox(HOSTILE / "correct.py", FAST, warm=True) as box:
        assert box.warm
    pid = sandbox.zygote_pid()
    assert pid is not None
    return pid


def test_warm_is_the_default_and_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sandbox.WARM_ENV, raising=False)
    with Sandbox(HOSTILE / "correct.py", FAST) as box:
        assert box.warm and box.call("add", {"x": 1, "y": 2}).value == 3
    with Sandbox(HOSTILE / "correct.py", FAST, warm=False) as box:
        assert not box.warm and box.call("add", {"x": 1, "y": 2}).value == 3
    monkeypatch.setenv(sandbox.WARM_ENV, "0")
    with Sandbox(HOSTILE / "correct.py", FAST) as box:
        assert not box.warm and box.call("add", {"x": 1, "y": 2}).value == 3
        own = box._own_zygote  # a zygote of the sandbox's own, a child of ours
        assert own is not None and box.pid is not None and _ppid(box.pid) == own.pid
        assert _ppid(own.pid) == os.getpid()
    assert _state(own.pid) is None  # closed with the sandbox


def _ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_warm_child_is_the_zygotes_and_set_up_like_a_fresh_one(probe: Path) -> None:
    got = {}
    for mode in MODES:
        with _open(probe, FAST, mode) as box:
            result = box.call("setup", {})
            assert result.status == "ok", result
            got[mode] = result.value
            assert box.pid is not None
            own = box._own_zygote
            expected_parent = sandbox.zygote_pid() if mode == "warm" else own and own.pid
            assert _ppid(box.pid) == expected_parent
    assert got["warm"] == got["cold"]  # modules, signals, limits, session, stdio, threads ...


def test_each_session_has_its_own_uid_nonce_folder_and_random_state(probe: Path) -> None:
    seen = []
    for _ in range(3):
        with _open(probe, FAST, "warm") as box:
            result = box.call("identity", {})
            assert result.status == "ok", result
            assert isinstance(result.value, dict)
            assert result.value["nonce"] == box._nonce
            seen.append(result.value)
    # (each has /work of its own: see test_each_session_has_a_fresh_tmpfs)
    keys = ["nonce", "random", "np_legacy", "np_default"]
    for key in keys:
        values = [s[key] for s in seen]
        assert len(set(values)) == len(values), (key, values)


def _pipe_inodes(fds: list[int]) -> set[str]:
    return {f"pipe:[{os.fstat(fd).st_ino}]" for fd in fds}


@pytest.mark.parametrize("mode", MODES)
def test_child_holds_no_fd_but_its_own(mode: str) -> None:
    with _open(HOSTILE / "correct.py", FAST, mode) as box:
        session = _session_pid(box)
        fds = {int(fd): os.readlink(f"/proc/{session}/fd/{fd}")
               for fd in os.listdir(f"/proc/{session}/fd")}
        assert fds.pop(0) == "/dev/null"
        output = fds.pop(1)
        assert fds.pop(2) == output  # stdout and stderr: one output pipe
        # the private pipes and a private copy of the output pipe (for the markers), moved high
        assert len(fds) == 3 and min(fds) >= 64
        ours = _pipe_inodes([box._req, box._rep, box._out])
        assert set(fds.values()) == ours and output in ours
        if mode == "warm":  # and the zygote kept none of this session's pipes
            zygote = sandbox.zygote_pid()
            held = {os.readlink(f"/proc/{zygote}/fd/{fd}")
                    for fd in os.listdir(f"/proc/{zygote}/fd")}
            assert not held & ours  # (it holds a pipe per live session, for its process's pid)


def test_no_zombies_after_50_sessions(tmp_path: Path) -> None:
    zygote = _zygote()
    before = set(_children(zygote))  # the module's fixtures' children
    quick = Limits(call_timeout=0.2, import_timeout=2.0)
    for i in range(50):
        with _open(HOSTILE / "crash.py", quick, "warm") as box:
            assert box.call("ok", {}).value == 1
            if i % 10 == 1:
                assert box.call("os_exit", {}).status == "crashed"
            if i % 10 == 2:
                assert box.call("sleep", {}).status == "timeout"
            if i % 10 == 3:
                assert box.call("sys_exit", {}).status == "crashed"
    assert sandbox.zygote_pid() == zygote  # the same zygote all along
    after = _children(zygote)
    assert set(after) == before
    assert [pid for pid in after if _state(pid) == "Z"] == []
    assert len(os.listdir(f"/proc/{zygote}/task")) == 1  # a single thread: safe to fork


def test_killing_the_zygote_mid_session_costs_nothing() -> None:
    zygote = _zygote()
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:
        first = box.pid
        session = _session_pid(box)
        assert box.call("add", {"x": 1, "y": 2}).value == 3
        os.kill(zygote, signal.SIGKILL)
        _wait_until_dead(zygote)
        _wait_until_dead(session)  # by the parent-death signals, which are asynchronous
        # the child died with its zygote: the call runs again in a new child
        assert box.call("add", {"x": 2, "y": 2}) == CallResult("ok", value=4)
        assert box.pid not in (None, first)
        assert first is not None and _state(first) in (None, "Z") and _state(zygote) is None
    restarted = sandbox.zygote_pid()
    assert restarted not in (None, zygote)
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:  # and the next one is warm again
        assert box.call("add", {"x": 1, "y": 1}).value == 2


def test_killing_the_zygote_between_sessions_starts_a_new_one() -> None:
    zygote = _zygote()
    os.kill(zygote, signal.SIGKILL)
    _wait_until_dead(zygote)
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:
        assert box.call("add", {"x": 1, "y": 2}).value == 3
    assert sandbox.zygote_pid() not in (None, zygote)
    assert _state(zygote) is None  # reaped


def test_start_zygote_starts_it_before_the_first_session(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.shutdown_zygote()
    monkeypatch.setenv(sandbox.WARM_ENV, "0")
    sandbox.start_zygote()
    assert sandbox.zygote_pid() is None          # warm starts off: nothing started
    monkeypatch.setenv(sandbox.WARM_ENV, "1")
    sandbox.start_zygote()
    zygote = sandbox.zygote_pid()
    assert zygote is not None and _state(zygote) is not None
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:
        assert box.call("add", {"x": 1, "y": 2}).value == 3
    assert sandbox.zygote_pid() == zygote        # the session used the one started early


def test_a_shared_zygote_that_cannot_start_means_one_per_sandbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.shutdown_zygote()
    monkeypatch.setattr(sandbox, "_failures", 0)  # all three restored after the test
    monkeypatch.setattr(sandbox, "_warned", False)
    start = sandbox._Zygote.start
    calls = []

    def first_fails(isolation: sandbox.Isolation) -> sandbox._Zygote:
        calls.append(isolation)
        if len(calls) == 1:
            raise sandbox.SandboxError("the sandbox's helper did not start (testing)")
        return start(isolation)

    monkeypatch.setattr(sandbox._Zygote, "start", first_fails)
    for _ in range(2):
        with Sandbox(HOSTILE / "correct.py", FAST, warm=True) as box:
            assert not box.warm and box.jailed
            assert box.call("add", {"x": 1, "y": 2}).value == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("shared sandbox helper failed") == 1
    assert sandbox.zygote_pid() is None
    assert len(calls) == 3  # the shared one once, then one for each sandbox


def test_each_session_has_a_fresh_tmpfs() -> None:
    source = b"import os\ndef leave():\n    open('left.txt', 'w').write('x')\n" \
             b"    return sorted(os.listdir('.'))\n"
    for _ in range(3):
        with Sandbox(source, FAST) as box:
            assert box.call("leave", {}).value == ["left.txt", "solution.py"]


def test_a_forked_process_starts_its_own_zygote() -> None:
    zygote = _zygote()
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns if some other test left a thread behind
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the forked process: report, and never return into pytest
        code = 1
        try:
            os.close(read_end)
            with Sandbox(HOSTILE / "correct.py", FAST, warm=True) as box:
                report = {"warm": box.warm, "value": box.call("add", {"x": 1, "y": 2}).value,
                          "zygote": sandbox.zygote_pid(), "ppid": _ppid(box.pid or 0)}
            sandbox.shutdown_zygote()
            os.write(write_end, json.dumps(report).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    report = json.loads(data)
    assert report["warm"] is True and report["value"] == 3
    assert report["zygote"] not in (None, zygote) and report["ppid"] == report["zygote"]
    assert _state(report["zygote"]) is None  # the forked process shut its own one down
    # ... and ours is undisturbed
    assert sandbox.zygote_pid() == zygote
    with _open(HOSTILE / "correct.py", FAST, "warm") as box:
        assert box.call("add", {"x": 2, "y": 3}).value == 5
        assert box.pid is not None and _ppid(box.pid) == zygote


def test_zygote_and_children_die_with_their_owner() -> None:
    script = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from grader.sandbox import Limits, Sandbox, zygote_pid
        box = Sandbox(Path({str(HOSTILE / "crash.py")!r}), Limits(call_timeout=60),
                      warm=True).__enter__()
        kids = [p for p in os.listdir("/proc") if p.isdigit() and
                open(f"/proc/{{p}}/stat").read().rsplit(")", 1)[1].split()[1] == str(box.pid)]
        print(zygote_pid(), box.pid, kids[0], flush=True)
        box.call("loop", {{}})
    """)
    root = Path(__file__).resolve().parent.parent
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=root,
                             env={**os.environ, "PYTHONPATH": str(root)})
    assert owner.stdout is not None
    zygote, box_pid, session = map(int, owner.stdout.readline().split())
    time.sleep(0.2)  # the child is now spinning in `loop`
    assert _state(zygote) is not None and _state(session) == "R"
    owner.kill()
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 5
    def alive() -> set[str | None]:
        return {_state(zygote), _state(box_pid), _state(session)} - {None, "Z"}

    while time.monotonic() < deadline and alive():
        time.sleep(0.02)
    assert not alive()


# -- the boundary's other limits and its absence -------------------------------------


def test_a_slow_correct_solution_is_stopped_by_the_submission_budget() -> None:
    source = b"import time\ndef slow(x):\n    time.sleep(0.4)\n    return x\n"
    limits = Limits(call_timeout=2.0, session_seconds=1.5)
    started = time.monotonic()
    with Sandbox(source, limits) as box:
        results = box.call_many("slow", [{"x": i} for i in range(20)])
    assert time.monotonic() - started < 4  # not 20 x 0.4 s
    assert [r.status for r in results[:-1]] == ["ok"] * (len(results) - 1)
    assert results[-1].status == "timeout" and "1.5 s that one submission" in \
        results[-1].message
    assert 2 <= len(results) <= 5


def test_remove_tree_neither_follows_links_nor_recurses(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    (outside / "keep.txt").write_text("keep")
    tree = tmp_path / "tree"
    tree.mkdir()
    # 3,000 deep: past any recursion limit, and longer than the kernel's PATH_MAX, so it
    # is built with relative steps
    here = os.getcwd()
    os.chdir(tree)
    try:
        for _ in range(3000):
            os.mkdir("d")
            os.chdir("d")
        os.symlink(str(outside), "link-to-outside")
        os.mkdir("locked")
        os.chmod("locked", 0)
    finally:
        os.chdir(here)
    (tree / "top-link").symlink_to(outside)
    sandbox.remove_tree(tree)
    assert not tree.exists()
    assert (outside / "keep.txt").read_text() == "keep"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o755  # never chmod-ed through a link


def test_without_the_boundary_required_isolation_refuses_with_the_fix(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.shutdown_zygote()
    monkeypatch.setattr(sandbox._jail, "unavailable_reason",
                        lambda: "unprivileged user namespaces are switched off")
    with pytest.raises(BoundaryUnavailable) as caught, \
            Sandbox(HOSTILE / "correct.py", FAST):
        pass
    message = str(caught.value)
    assert "\n" not in message and "sysctl" in message and "--trusted" in message
    assert "container image" in message
    # a student's own check, and code the instructor trusts, still run (limits and hook)
    for isolation in ("preferred", "off"):
        with Sandbox(HOSTILE / "correct.py", FAST, isolation=isolation) as box:
            assert not box.jailed and box.call("add", {"x": 1, "y": 2}).value == 3
    sandbox.shutdown_zygote()


def test_when_the_kernel_refuses_the_jail_required_refuses_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheap check says yes, the zygote's unshare says no (AppArmor's default on
    Ubuntu 24.04, say): the refusal carries the kernel's reason."""
    sandbox.shutdown_zygote()
    monkeypatch.setattr(sandbox._jail, "unavailable_reason", lambda: None)
    monkeypatch.setattr(sandbox, "_jail_failure", [])
    real_init = sandbox._Zygote.__init__

    def refused(self: sandbox._Zygote, jail: bool) -> None:
        real_init(self, jail)
        if jail:  # as if the kernel had said no (the zygote then exits)
            self.close()
            self.jailed, self.jail_error = False, "unshare: Operation not permitted"

    monkeypatch.setattr(sandbox._Zygote, "__init__", refused)
    with pytest.raises(BoundaryUnavailable, match="Operation not permitted"), \
            Sandbox(HOSTILE / "correct.py", FAST):
        pass
    with Sandbox(HOSTILE / "correct.py", FAST, isolation="preferred") as box:
        assert not box.jailed and box.call("add", {"x": 1, "y": 2}).value == 3
    sandbox.shutdown_zygote()


# -- macOS and Windows, simulated ---------------------------------------------------


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_without_namespaces_a_fresh_interpreter_runs_the_session(
        platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a student's own `grader check` gets on macOS and Windows: no zygote, no
    namespaces, a fresh interpreter per session with the wall clock (and, on macOS, the
    rlimits); on Windows the pipes are served by threads, as they must be there."""
    monkeypatch.setenv("GRADER_SANDBOX_PLATFORM", platform)
    monkeypatch.setattr(child, "PLATFORM", platform)
    monkeypatch.setattr(child, "POSIX", platform != "win32")
    with pytest.raises(BoundaryUnavailable, match=f"{platform} has no Linux namespaces"), \
            Sandbox(HOSTILE / "crash.py", FAST):
        pass  # grading others' code there is refused
    with Sandbox(HOSTILE / "crash.py", FAST, isolation="preferred") as box:
        assert not box.jailed and not box.warm
        assert isinstance(box._io, sandbox._ThreadedIO if platform == "win32" else sandbox._FdIO)
        assert box.pid is not None and _ppid(box.pid) == os.getpid()  # our own child
        assert box.call("ok", {}) == CallResult("ok", value=1)
        assert box.call("stderr_and_stdout", {}) == CallResult(
            "ok", value=1, output="to stdout\nto stderr\n")
        started = time.monotonic()
        assert box.call("loop", {}) == CallResult("timeout", message="took longer than 0.5 s")
        assert time.monotonic() - started < 2
        assert box.call("ok", {}) == CallResult("ok", value=1)  # a new child after the kill
        assert box.call("sys_exit", {}).status == "crashed"
        assert box.call("ok", {}) == CallResult("ok", value=1)


def test_the_working_folder_has_the_size_the_limits_give() -> None:
    source = (b"def fill():\n    total = 0\n    try:\n        for i in range(1000):\n"
              b"            with open(f'f{i}', 'wb') as f:\n"
              b"                f.write(b'x' * (1 << 18))\n            total += 1 << 18\n"
              b"    except OSError:\n        pass\n    return total\n")
    for disk in (2 << 20, 6 << 20):
        with Sandbox(source, Limits(call_timeout=5.0, disk_bytes=disk)) as box:
            written = box.call("fill", {}).value
            assert isinstance(written, int) and disk - (1 << 18) <= written <= disk
