"""Run a student's solution.py in a child process and bring back plain values.

One child per submission, reused across calls (numpy is imported once). The child is
hostile: it gets rlimits, a scrubbed environment, a private working folder, no network
where the OS allows it, an unprivileged uid when we are root, and an audit hook (see
`grader._sandbox_child` for what each layer is worth). It answers over a private pipe in
JSON lines that carry a per-session nonce and the call's sequence number; the parent
re-checks every value's exact type. Comparing values with the reference is not done here.

    with Sandbox(Path("submission/solution.py"), Limits(call_timeout=1.0)) as box:
        if box.import_error is None:
            result = box.call("posterior_prob", {"prevalence": 0.01, ...})
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy

from grader import _sandbox_child as child
from grader.errors import SandboxError

__all__ = ["CallResult", "Limits", "Sandbox"]

CHILD_SCRIPT = Path(child.__file__).resolve()
SOLUTION_NAME = "solution.py"
STARTUP_TIMEOUT = 30.0  # the child's own set-up, before any student code
RECURSION_LIMIT = 3000
_CHUNK = 1 << 16
_MAX_LINE = child.MAX_REPLY_BYTES + 4096  # the reply plus its envelope
_PASS_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

Status = Literal["ok", "error", "timeout", "crashed"]


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox."""

    call_timeout: float = 2.0  # wall clock seconds per call
    import_timeout: float = 10.0  # wall clock for importing solution.py
    cpu_seconds: int = 60  # RLIMIT_CPU for the whole child
    # RLIMIT_AS: measured, the child maps about 100 MB with numpy imported and about
    # 260 MB once the student imports scipy.stats, so 1 GiB leaves the student ~750 MB
    memory_bytes: int = 1 << 30
    file_bytes: int = 1 << 20  # RLIMIT_FSIZE
    output_bytes: int = 64 << 10  # stdout+stderr kept per call; the rest is dropped


@dataclass(frozen=True)
class CallResult:
    """What one call (or the import) came to.

    `crashed` means the child died (exit, os._exit, a signal, the kernel); `value` is set
    only when `ok`; `message` explains the other statuses to the student.
    """

    status: Status
    value: object = None
    message: str = ""
    output: str = ""


class _Exchange:
    """What waiting for one reply came to."""

    REPLY, TIMEOUT, EOF, MALFORMED = "reply", "timeout", "eof", "malformed"

    def __init__(self, kind: str, reply: dict[str, object] | None = None) -> None:
        self.kind = kind
        self.reply = reply


class Sandbox:
    """A child process running one solution.py; use as a context manager."""

    def __init__(self, solution: Path, limits: Limits = Limits()) -> None:
        self.solution = Path(solution)
        self.limits = limits
        self.network_isolated = False  # a private network namespace (needs root)
        self.privileges_dropped = False  # the child runs as a per-session uid (needs root)
        self.import_output = ""  # what importing solution.py printed
        self._import_error: CallResult | None = None
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._fds: list[int] = []
        self._req = self._rep = self._out = -1
        self._nonce = ""
        self._seq = 0
        self._out_buf = bytearray()
        self._out_dropped = 0
        self._rep_buf = bytearray()

    # -- public API -------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self._tmp = Path(tempfile.mkdtemp(prefix="grader-sandbox-")).resolve()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def import_error(self) -> CallResult | None:
        """Why importing solution.py failed (error, timeout, crashed), or None."""
        return self._import_error

    @property
    def pid(self) -> int | None:
        """The current child's pid, while one runs."""
        return self._proc.pid if self._proc is not None else None

    def call(
        self, function: str, kwargs: Mapping[str, object], timeout: float | None = None
    ) -> CallResult:
        """Call `function(**kwargs)` in the child; never raises for the student's faults.

        kwargs must be plain values (see the wire format); they are decoded afresh in the
        child for every call, so a function that mutates its input changes nothing for
        the next one. After a timeout or a crash the next call starts a fresh child.
        """
        if self._tmp is None:
            raise RuntimeError("Sandbox.call outside its `with` block")
        if self._import_error is not None:
            return self._import_error
        encoded: dict[str, object] = {}
        for key, value in kwargs.items():
            try:
                encoded[key] = child.encode(value)
            except child.EncodeError as exc:  # the caller's (the bank's) mistake
                raise TypeError(f"argument {key!r} cannot be sent to the sandbox: {exc}") from None
        if self._proc is None:
            self._start()
            if self._import_error is not None:
                return self._import_error
        limit = self.limits.call_timeout if timeout is None else timeout
        self._seq += 1
        payload = {"seq": self._seq, "function": function, "kwargs": encoded}
        self._reset_output()
        got = self._exchange(child.dumps(payload), self._seq, limit)
        return self._result(got, limit, what="")

    def close(self) -> None:
        """Kill the child (and its process group) and remove the temporary folder."""
        self._stop()
        if self._tmp is not None:
            _remove_tree(self._tmp)
            self._tmp = None

    # -- the child's life -------------------------------------------------------------

    def _start(self) -> None:
        assert self._tmp is not None
        work = self._tmp / "work"
        if work.exists():
            _remove_tree(work)
        work.mkdir(mode=0o700)
        try:
            shutil.copyfile(self.solution, work / SOLUTION_NAME)
        except OSError as exc:
            self._import_error = CallResult(
                "error", message=f"cannot read {self.solution.name}: {exc.strerror}"
            )
            return

        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        self._fds = [self._req, self._rep]
        executable = sys.executable
        if not executable or not os.path.isabs(executable):
            raise SandboxError("the sandbox needs an absolute sys.executable")
        try:
            self._proc = subprocess.Popen(
                [executable, "-I", "-S", "-B", str(CHILD_SCRIPT), str(req_r), str(rep_w),
                 *_site_dirs()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=work,
                env=_child_env(work),
                pass_fds=(req_r, rep_w),
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            self._close_fds()
            raise SandboxError(f"cannot start the sandbox child: {exc}") from exc
        finally:
            os.close(req_r)
            os.close(rep_w)
        assert self._proc.stdout is not None
        self._out = self._proc.stdout.fileno()
        for fd in (self._req, self._rep, self._out):
            os.set_blocking(fd, False)

        self._nonce = secrets.token_hex(16)
        self._seq = 0
        self._rep_buf.clear()
        config = {
            "nonce": self._nonce,
            "parent_pid": os.getpid(),
            "workdir": str(work),
            "file": SOLUTION_NAME,
            "cpu_seconds": self.limits.cpu_seconds,
            "memory_bytes": self.limits.memory_bytes,
            "file_bytes": self.limits.file_bytes,
            "recursion_limit": RECURSION_LIMIT,
            "denied_roots": [str(Path(__file__).resolve().parent)],
        }
        self._reset_output()
        got = self._exchange(child.dumps(config), 0, STARTUP_TIMEOUT)
        if got.kind != _Exchange.REPLY or got.reply is None or got.reply.get("status") != "ready":
            detail = self._output_text().strip()[-2000:]
            self._stop()
            raise SandboxError(
                f"the sandbox child did not start ({got.kind})" + (f": {detail}" if detail else "")
            )
        self.network_isolated = got.reply.get("network_isolated") is True
        self.privileges_dropped = got.reply.get("privileges_dropped") is True

        # no _reset_output() here: what was drained with "ready" is already the import's
        self._seq = 1
        got = self._exchange(None, 1, self.limits.import_timeout)
        result = self._result(got, self.limits.import_timeout, what="importing solution.py ")
        self.import_output = result.output
        if result.status != "ok":
            self._import_error = result
            self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            # The pgid is the child's pid (start_new_session) and stays reserved until the
            # child is reaped below, so this cannot hit a recycled group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired as exc:
                raise SandboxError(f"the sandbox child {proc.pid} does not die") from exc
            finally:
                if proc.stdout is not None:
                    proc.stdout.close()
        self._close_fds()
        self._out = -1

    def _close_fds(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []
        self._req = self._rep = -1

    # -- talking to the child ---------------------------------------------------------

    def _exchange(self, payload: bytes | None, seq: int, timeout: float) -> _Exchange:
        """Send `payload` (if any) and wait for the reply numbered `seq`.

        Student output is drained all along, so a child printing 100 MB never blocks,
        and only the first `output_bytes` are kept.
        """
        deadline = time.monotonic() + timeout
        if payload is None:  # the reply may have come with the previous one
            reply = self._next_reply(seq)
            if reply is not None:
                self._drain_output()
                return _Exchange(_Exchange.REPLY, reply)
        pending = memoryview(payload) if payload else None
        poller = select.poll()
        poller.register(self._rep, select.POLLIN)
        poller.register(self._out, select.POLLIN)
        if pending is not None:
            poller.register(self._req, select.POLLOUT)
        out_open = True
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Exchange(_Exchange.TIMEOUT)
            for fd, _ in poller.poll(max(1, int(remaining * 1000) + 1)):
                if fd == self._req and pending is not None:
                    try:
                        written = os.write(fd, pending)
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        written = len(pending)  # the child is gone: its EOF will tell
                    pending = pending[written:]
                    if not pending:
                        pending = None
                        poller.unregister(fd)
                elif fd == self._out:
                    if not self._drain_output():
                        poller.unregister(fd)
                        out_open = False
                elif fd == self._rep:
                    try:
                        data = os.read(fd, _CHUNK)
                    except BlockingIOError:
                        continue
                    if not data:
                        if out_open:
                            self._drain_output(until_eof=True, budget=0.5)
                        return _Exchange(_Exchange.EOF)
                    self._rep_buf += data
                    reply = self._next_reply(seq)
                    if reply is not None:
                        self._drain_output()
                        return _Exchange(_Exchange.REPLY, reply)
                    if len(self._rep_buf) > _MAX_LINE:
                        return _Exchange(_Exchange.MALFORMED)

    def _next_reply(self, seq: int) -> dict[str, object] | None:
        """Consume buffered lines up to the awaited reply; None if it is not there yet."""
        while True:
            end = self._rep_buf.find(b"\n")
            if end < 0:
                return None
            line = bytes(self._rep_buf[:end])
            del self._rep_buf[: end + 1]
            reply = self._accept(line, seq)
            if reply is not None:
                return reply

    def _accept(self, line: bytes, seq: int) -> dict[str, object] | None:
        """The reply if this line is the one awaited; None for anything else (ignored)."""
        if len(line) > _MAX_LINE:
            return None
        try:
            message = child.loads(line)
        except (ValueError, RecursionError, child.DecodeError):
            return None
        if type(message) is not dict:
            return None
        nonce, number = message.get("nonce"), message.get("seq")
        if type(nonce) is not str or not secrets.compare_digest(nonce, self._nonce):
            return None
        if type(number) is not int or number != seq:
            return None
        return message

    def _drain_output(self, until_eof: bool = False, budget: float = 0.0) -> bool:
        """Read what the child printed; False once the pipe is closed."""
        deadline = time.monotonic() + budget
        while True:
            try:
                data = os.read(self._out, _CHUNK)
            except BlockingIOError:
                if not until_eof or time.monotonic() > deadline:
                    return True
                select.select([self._out], [], [], max(0.0, deadline - time.monotonic()))
                continue
            if not data:
                return False
            room = self.limits.output_bytes - len(self._out_buf)
            if room > 0:
                self._out_buf += data[:room]
            self._out_dropped += max(0, len(data) - max(room, 0))

    def _reset_output(self) -> None:
        self._out_buf.clear()
        self._out_dropped = 0

    def _output_text(self) -> str:
        text = self._out_buf.decode("utf-8", "replace")
        if self._out_dropped:
            text += f"\n[... {self._out_dropped} more bytes of output dropped]"
        return text

    def _result(self, got: _Exchange, limit: float, what: str) -> CallResult:
        """Turn what the exchange came to into a CallResult; stop the child if it is spent."""
        if got.kind == _Exchange.REPLY and got.reply is not None:
            result = self._from_reply(got.reply)
            if got.reply.get("fatal") is True or result.status == "crashed":
                self._stop()
            return result
        if got.kind == _Exchange.TIMEOUT:
            self._stop()
            return CallResult("timeout", message=f"{what}took longer than {float(limit)} s",
                              output=self._output_text())
        if got.kind == _Exchange.MALFORMED:
            self._stop()
            return CallResult("error", message="the reply of the solution's process was "
                              "malformed", output=self._output_text())
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        self._stop()
        return CallResult("crashed", message=_death_message(code, self.limits),
                          output=self._output_text())

    def _from_reply(self, reply: dict[str, object]) -> CallResult:
        status = reply.get("status")
        message = reply.get("message", "")
        if type(message) is not str:
            message = ""
        message = message[: child.MAX_MESSAGE_CHARS + 200]
        output = self._output_text()
        if status == "ok":
            if "value" not in reply:
                return CallResult("ok", output=output)  # the import's reply
            try:
                value = child.decode(reply["value"])
            except (child.DecodeError, RecursionError):
                return CallResult("error", message="returned a value that could not be read",
                                  output=output)
            return CallResult("ok", value=value, output=output)
        if status in ("error", "crashed"):
            return CallResult(status, message=message or status, output=output)
        return CallResult("error", message="the reply of the solution's process was malformed",
                          output=output)


def _death_message(code: int | None, limits: Limits) -> str:
    if code is None:
        return "the process stopped answering"
    if code >= 0:
        return f"the process exited with code {code}"
    sig = -code
    if sig == signal.SIGXCPU:
        return f"used more than {limits.cpu_seconds} s of CPU time"
    if sig == signal.SIGKILL:
        return "the process was killed (SIGKILL), probably out of memory"
    if sig == signal.SIGSEGV:
        return "the process crashed (SIGSEGV), possibly a too deep recursion"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    return f"the process was killed by {name}"


def _child_env(work: Path) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(work),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
    for name in _PASS_THROUGH_ENV:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _site_dirs() -> list[str]:
    """Where the child finds numpy (and what else this environment installed)."""
    dirs = [str(Path(numpy.__file__).resolve().parent.parent)]
    with contextlib.suppress(AttributeError):  # missing in some virtualenv versions
        dirs += site.getsitepackages()
    seen: list[str] = []
    for d in dirs:
        if os.path.isdir(d) and d not in seen:
            seen.append(d)
    return seen


def _remove_tree(path: Path) -> None:
    """rmtree that also gets through folders a student made unreadable."""
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), 0o700)
    shutil.rmtree(path, ignore_errors=True)
