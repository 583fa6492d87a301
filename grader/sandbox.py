"""Run a student's solution.py in a child process and bring back plain values.

One child per submission, reused across calls (numpy is imported once). The child is
hostile. On Linux it runs behind the operating system's boundary (`grader._jail`): its
own user, mount, PID, network, IPC and UTS namespaces, where the only paths that exist
are a fresh size-capped tmpfs (its working folder) and the read-only runtime (Python,
its standard library, NumPy, the system's libraries); no capability, no_new_privs, a
seccomp filter; rlimits on CPU, memory, processes, open files and file size; a wall clock
per call and per submission. The solution's text is read here from the hand-in (a regular
file, never through a link: `grader.handin`) and sent over the request pipe, so the
child never sees a path of the host. An audit hook stays as a second layer that nothing
relies on (see `grader._sandbox_child`). The child answers over a private pipe in JSON
lines that carry a per-session nonce and the call's sequence number; the parent
re-checks every value's exact type. Comparing values with the reference is not done here.

`isolation` says what to do when the OS cannot give the boundary (not Linux, user
namespaces switched off): "required" (the default, for grading others' code) raises
`BoundaryUnavailable` with the fix in one line; "preferred" (a student's own `grader
check`, the bank's reference code) runs without it, with the limits and the hook only;
"off" (code the instructor says is trusted) never asks for it.

Warm start. Starting an interpreter and importing numpy takes ~100 ms, more than a whole
session of calls. So each grading process keeps one *zygote* per isolation: a helper
started lazily on first use (`_sandbox_child.py --zygote`) that has imported numpy and
everything the child needs, entered the jail, and holds nothing of any submission. For
each session it forks, and the fork enters the session's own namespaces and tmpfs, forks
again (PID 1 of the new namespace), and does exactly what a fresh child would before
touching student code (new session, stdin on /dev/null, every fd closed but its own
pipes, the scrubbed environment, fresh random states, then rlimits, lock-down and hook).
The parent makes the child's pipes and hands them over with SCM_RIGHTS; config, nonce,
solution and replies never pass through the zygote. The zygote kills and reaps its
children on request and reports their exit status, so timeouts, crashes and their
messages are as before.

`Sandbox(..., warm=False)` or GRADER_SANDBOX_WARM=0 gives each sandbox a zygote of its
own (a fresh interpreter, closed with the sandbox); that is also the fall-back when the
shared zygote keeps dying, and a session whose child died with the zygote is restarted
transparently.

    with Sandbox(Path("submission/solution.py"), Limits(call_timeout=1.0)) as box:
        if box.import_error is None:
            result = box.call("posterior_prob", {"prevalence": 0.01, ...})
            results = box.call_many("posterior_prob", [{"prevalence": 0.01, ...}, ...])

`call_many` sends all the cases of one function in one request; the child runs them in
order and streams one reply per case, stopping at the first that is not "ok". That saves
a round trip per call (most of a small call's cost) and gives exactly what a loop of
`call` that stops at the first failure gives: same results, same per-call timeouts, same
per-call output.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import secrets
import select
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy

from grader import _jail
from grader import _sandbox_child as child
from grader.errors import BoundaryUnavailable, SandboxError
from grader.handin import HandinError, read_file

__all__ = ["CallResult", "Isolation", "Limits", "Sandbox", "boundary_problem",
           "shutdown_zygote", "start_zygote", "warm_by_default", "zygote_pid"]

CHILD_SCRIPT = Path(child.__file__).resolve()
SOLUTION_NAME = "solution.py"
STARTUP_TIMEOUT = 30.0  # the child's own set-up, before any student code
RECURSION_LIMIT = 3000
_CHUNK = 1 << 16
_DRAIN_CHUNKS = 64  # reads of output for a call's marker after its reply, at most
_SEQ_GAP = 1 << 32  # a batch's first sequence number is this much past the last, at most
_MAX_LINE = child.MAX_REPLY_BYTES + 4096  # the reply plus its envelope
# the last one only simulates macOS or Windows in the tests (see _sandbox_child.PLATFORM)
_PASS_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "GRADER_SANDBOX_PLATFORM")
WARM_ENV = "GRADER_SANDBOX_WARM"  # "0" (or false, no, off): a fresh interpreter per session
ZYGOTE_TIMEOUT = 10.0  # for a reply of the zygote, beyond the waits a request asks for
_KILL_AFTER = 10.0  # a killed child that is still not reaped after this is an error
_EOF_GRACE = 2.0  # after the reply pipe closed, how long the child may take to exit
_PUMP_GRACE = 2.0  # threads serving the pipes (Windows): the wait for a call's output marker
_PUMP_QUIET = 0.05  # ... and, for the import's output (no marker), the quiet that ends it
_MAX_ZYGOTE_FAILURES = 3  # deaths in a row before this process stops using a zygote

_POLLIN = getattr(select, "POLLIN", 1)  # Windows has no poll(2), and no constants
_POLLOUT = getattr(select, "POLLOUT", 4)

Status = Literal["ok", "error", "timeout", "crashed"]
Isolation = Literal["required", "preferred", "off"]
BOUNDARY_FIX = (
    "enable unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1; on "
    "Ubuntu 24.04 and later sysctl -w kernel.apparmor_restrict_unprivileged_userns=0), or "
    "grade in the project's container image (see the README), or pass --trusted for code "
    "you trust"
)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox."""

    call_timeout: float = 2.0  # wall clock seconds per call
    import_timeout: float = 10.0  # wall clock for importing solution.py
    # wall clock for the whole submission: the import and every call together (a correct
    # solution that sleeps 1.9 s in each of 100 calls must not hold a batch for 190 s)
    session_seconds: float = 30.0
    cpu_seconds: int = 60  # RLIMIT_CPU for the whole child
    # RLIMIT_AS: measured, the child maps about 100 MB with numpy imported and about
    # 260 MB once the student imports scipy.stats, so 1 GiB leaves the student ~750 MB
    memory_bytes: int = 1 << 30
    file_bytes: int = 1 << 20  # RLIMIT_FSIZE: one file
    disk_bytes: int = 16 << 20  # the working folder's tmpfs (jailed): all files together
    disk_inodes: int = 1024  # ... and its files and folders, at most
    open_files: int = 64  # RLIMIT_NOFILE
    source_bytes: int = 1 << 20  # a larger solution.py is not run
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
    """A child process running one solution.py; use as a context manager.

    `solution`: the hand-in's solution.py (read here, as a regular file only) or its bytes.
    `warm`: fork the child from this process's shared zygote (True), from a zygote of this
    sandbox's own (False), or as GRADER_SANDBOX_WARM says (None, the default: shared
    unless it is "0"). `isolation`: see the module's docstring.
    """

    def __init__(self, solution: Path | bytes, limits: Limits = Limits(), *,
                 warm: bool | None = None, isolation: Isolation = "required") -> None:
        self.solution = solution
        self.limits = limits
        self.isolation: Isolation = isolation
        self.jailed = False  # whether the current (or last) child ran behind the boundary
        self.import_output = ""  # what importing solution.py printed
        self.want_warm = warm_by_default() if warm is None else bool(warm)
        self.warm = False  # whether the current (or last) child was forked by the shared zygote
        self._source: bytes | None = None
        self._import_error: CallResult | None = None
        self._entered = False
        self._tmp: Path | None = None  # a host folder, only for a child without the jail
        self._own_zygote: _Zygote | None = None
        self._child: _WarmChild | _DirectChild | None = None
        self._io: _FdIO | _ThreadedIO = _FdIO()
        self._zygote_lost = False  # the zygote died under the current child
        self._fds: list[int] = []
        self._req = self._rep = self._out = -1
        self._launch_failure = ""
        self._nonce = ""
        self._seq = 0
        self._spent = 0.0  # wall clock used by the import and the calls so far
        self._output = _Output(limits.output_bytes)
        self._rep_buf = bytearray()

    # -- public API -------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self._entered = True
        try:
            self._source = self._read_source()
        except HandinError as exc:
            self._import_error = CallResult("error", message=exc.message)
            return self
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
        """The current child's pid, while one runs (the zygote's fork: with the jail, the
        session's process is its child, PID 1 of its own namespace)."""
        return self._child.pid if self._child is not None else None

    def call(
        self, function: str, kwargs: Mapping[str, object], timeout: float | None = None
    ) -> CallResult:
        """Call `function(**kwargs)` in the child; never raises for the student's faults.

        kwargs must be plain values (see the wire format); they are decoded afresh in the
        child for every call, so a function that mutates its input changes nothing for
        the next one. After a timeout or a crash the next call starts a fresh child.
        """
        return self.call_many(function, [kwargs], timeout)[0]

    def call_many(
        self, function: str, cases: Sequence[Mapping[str, object]],
        timeout: float | None = None,
    ) -> list[CallResult]:
        """`call(function, case, timeout)` for each case in order, up to the first result
        that is not "ok" (it ends the list; later cases are not run), in one round trip.

        Each case has `timeout` seconds of its own, counted from the end of the previous
        one, and all of them together no more than what is left of the submission's
        `session_seconds`; a timeout or a crash stops the child as `call` does. TypeError
        (before any case runs) if a case holds a value that cannot be sent.
        """
        if not self._entered:
            raise RuntimeError("Sandbox.call outside its `with` block")
        encoded = [self._encode_kwargs(kwargs) for kwargs in cases]
        if not encoded:
            return []
        if self._import_error is not None:
            return [self._import_error]
        limit = self.limits.call_timeout if timeout is None else timeout
        results: list[CallResult] = []
        retried = False  # the current case ran again after its child died with the zygote
        while True:
            self._zygote_lost = False
            if self._budget_left() <= 0:
                results.append(self._out_of_time())
                return results
            if self._child is None:
                self._start()
                if self._import_error is not None:
                    results.append(self._import_error)
                    return results
            todo = encoded[len(results):]
            # Numbers nobody can know before the request is sent, and nothing received
            # before it counts: the child sends nothing between batches, so a reply
            # prepared earlier (by a student who read the nonce) is refused.
            first = self._seq + 1 + secrets.randbelow(_SEQ_GAP)
            self._seq = first + len(todo) - 1
            self._rep_buf.clear()
            payload = child.dumps({"seq": first, "function": function, "cases": todo})
            self._output.reset(expected=first)
            for seq in range(first, first + len(todo)):
                wait = min(limit, self._budget_left())
                got = self._timed_exchange(payload if seq == first else None, seq, wait)
                result = self._result(got, wait, what="", seq=seq)
                if result.status == "timeout" and wait < limit:
                    result = self._out_of_time(result.output)
                lost, self._zygote_lost = self._zygote_lost, False
                if result.status == "ok":
                    results.append(result)
                    retried = False
                    if len(results) == len(encoded):
                        return results
                    if self._child is None:  # stopped after a forged "fatal": go on afresh
                        break
                    continue
                # a child that died with the zygote did not crash: run the case again, once
                if lost and result.status == "crashed" and not retried:
                    retried = True
                    break
                if self._child is not None and seq < first + len(todo) - 1 and \
                        got.reply is not None and got.reply.get("status") != "error":
                    # not a failure to the child (a value that could not be read, say: only
                    # a forged reply gets here), which goes on with a batch that ends here
                    self._stop()
                results.append(result)
                return results

    def _budget_left(self) -> float:
        return self.limits.session_seconds - self._spent

    def _out_of_time(self, output: str = "") -> CallResult:
        return CallResult("timeout", message=f"the solution used up the "
                          f"{self.limits.session_seconds:g} s that one submission may run",
                          output=output)

    def _timed_exchange(self, payload: bytes | None, seq: int, timeout: float) -> _Exchange:
        started = time.monotonic()
        try:
            return self._exchange(payload, seq, timeout)
        finally:
            self._spent += time.monotonic() - started

    def _encode_kwargs(self, kwargs: Mapping[str, object]) -> dict[str, object]:
        encoded: dict[str, object] = {}
        for key, value in kwargs.items():
            try:
                encoded[key] = child.encode(value, binary=True)
            except child.EncodeError as exc:  # the caller's (the bank's) mistake
                raise TypeError(f"argument {key!r} cannot be sent to the sandbox: {exc}") from None
        return encoded

    def close(self) -> None:
        """Kill the child (and its process group), and remove the temporary folder of a
        child without the jail (the jail's tmpfs goes with its namespace)."""
        try:
            self._stop()
        finally:
            own, self._own_zygote = self._own_zygote, None
            if own is not None:
                own.close()
            if self._tmp is not None:
                remove_tree(self._tmp)
                self._tmp = None

    # -- the child's life -------------------------------------------------------------

    def _read_source(self) -> bytes:
        if isinstance(self.solution, bytes):
            if len(self.solution) > self.limits.source_bytes:
                raise HandinError("invalid", f"{SOLUTION_NAME} is larger than "
                                             f"{self.limits.source_bytes >> 10} KB")
            return self.solution
        path = Path(self.solution)
        return read_file(path.parent, path.name, self.limits.source_bytes)

    def _start(self) -> None:
        self._start_once()
        if self._zygote_lost:  # the zygote died under the start: not the student's doing
            self._zygote_lost = False
            self._stop()
            self._import_error = None
            self._start_once()

    def _start_once(self) -> None:
        if _no_zygote_here():
            self._start_direct()
            return
        for attempt in range(2):
            zygote = self._zygote()
            work = None if zygote.jailed else self._host_workdir()
            try:
                ready = self._launch(zygote, work)
                break
            except _ZygoteGone:  # the shared zygote died meanwhile: the next one, once
                if attempt:
                    raise SandboxError("the sandbox's helper keeps dying") from None
        if self.warm and ready is not None:
            _zygote_worked()
        self._after_ready(ready)

    def _after_ready(self, ready: dict[str, object] | None) -> None:
        """The child said "ready" (or did not): import the solution."""
        if ready is None:
            detail = self._output_text().strip()[-2000:]
            kind = self._launch_failure
            self._stop()
            raise SandboxError(
                f"the sandbox child did not start ({kind})" + (f": {detail}" if detail else "")
            )
        self.jailed = ready.get("jailed") is True
        if self.isolation == "required" and not self.jailed:  # never: the zygote is jailed
            self._stop()
            raise SandboxError("the sandbox child is not behind the boundary")

        # no reset of the output here: what was drained with "ready" is already the import's
        self._seq = 1
        wait = min(self.limits.import_timeout, self._budget_left())
        got = self._timed_exchange(None, 1, wait)
        result = self._result(got, wait, what="importing solution.py ", seq=None)
        self.import_output = result.output
        if result.status != "ok":
            self._import_error = result
            self._stop()

    def _start_direct(self) -> None:
        """macOS and Windows: no namespaces, no zygote; a fresh interpreter per session
        with the limits the system has and the wall clock (a student's own check)."""
        reason = _jail.unavailable_reason() or f"{child.PLATFORM} has no Linux namespaces"
        if self.isolation == "required":
            raise _no_boundary(reason)
        self.warm = False
        ready = self._launch(None, self._host_workdir())
        self._after_ready(ready)

    def _host_workdir(self) -> Path:
        """A fresh, empty working folder on the host, for a child without the jail."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="grader-sandbox-")).resolve()
        work = self._tmp / "work"
        if os.path.lexists(work):
            remove_tree(work)
        work.mkdir(mode=0o700)
        return work

    def _zygote(self) -> _Zygote:
        """The zygote for this session: the shared one, or one of this sandbox's own when
        warm starts are off or the shared one keeps dying."""
        if self.want_warm:
            shared = _current_zygote(self.isolation)
            if shared is not None:
                self.warm = True
                return shared
        self.warm = False
        own = self._own_zygote
        if own is None or not own.usable():
            if own is not None:
                own.kill()
            self._own_zygote = own = _Zygote.start(self.isolation)
        return own

    def _launch(self, zygote: _Zygote | None, work: Path | None) -> dict[str, object] | None:
        """Start a child (forked by `zygote`, or a fresh interpreter of its own where
        there is none) and wait for its "ready"; the reply, or None (child stopped)."""
        assert self._source is not None
        if zygote is None:
            assert work is not None
            direct = _DirectChild(work)
            self._child = direct
            self._req, self._rep = direct.req, direct.rep
        else:
            req_r, self._req = os.pipe()
            self._rep, rep_w = os.pipe()
            self._fds = [self._req, self._rep]
            try:
                self._child = self._spawn(zygote, work, req_r, rep_w)
            except BaseException:
                self._close_fds()
                raise
            finally:
                os.close(req_r)
                os.close(rep_w)
        self._out = self._child.out
        self._io = _io_for(self._req, self._rep, self._out)

        self._nonce = secrets.token_hex(16)
        self._seq = 0
        self._rep_buf.clear()
        self._output.start(self._nonce)
        config = {
            "nonce": self._nonce,
            "parent_pid": self._child.parent,
            "file": SOLUTION_NAME,
            "source": base64.b64encode(self._source).decode("ascii"),
            "cpu_seconds": self.limits.cpu_seconds,
            "memory_bytes": self.limits.memory_bytes,
            "file_bytes": self.limits.file_bytes,
            "open_files": self.limits.open_files,
            "recursion_limit": RECURSION_LIMIT,
            "denied_roots": [str(Path(__file__).resolve().parent)],
        }
        got = self._exchange(child.dumps(config), 0, STARTUP_TIMEOUT)
        if got.kind != _Exchange.REPLY or got.reply is None or got.reply.get("status") != "ready":
            self._launch_failure = got.kind
            self._stop()
            return None
        return got.reply

    def _spawn(self, zygote: _Zygote, work: Path | None, req_r: int, rep_w: int) -> _WarmChild:
        """A child forked by `zygote`; SandboxError if it cannot be had."""
        out_r, out_w = os.pipe()
        try:
            pid, number = zygote.spawn(work, _child_env(work), (req_r, rep_w, out_w),
                                       self.limits)
        except _ZygoteGone as exc:
            os.close(out_r)
            if zygote is self._own_zygote:
                raise SandboxError(f"the sandbox's helper died ({exc})") from exc
            _zygote_failed(zygote)
            raise
        except _ZygoteRefused as exc:  # fork failed there (EAGAIN ...)
            os.close(out_r)
            raise SandboxError(f"the sandbox could not start a process ({exc})") from exc
        finally:
            os.close(out_w)
        return _WarmChild(self, zygote, pid, number, out_r)

    def _stop(self) -> None:
        running, self._child = self._child, None
        try:
            if running is not None:
                running.finish(0)
        finally:
            self._io.close()
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
        and only the first `output_bytes` of each call are kept. A reply counts only once
        the whole payload is written (the child reads all of a request before it runs
        anything, so an earlier one is forged).
        """
        deadline = time.monotonic() + timeout
        if payload is None:  # the reply may have come with an earlier one
            reply = self._next_reply(seq)
            if reply is not None:
                self._output_after_reply(seq)
                return _Exchange(_Exchange.REPLY, reply)
        pending = memoryview(payload) if payload else None
        early: dict[str, object] | None = None
        poller = self._io.poller()
        poller.register(self._rep, _POLLIN)
        poller.register(self._out, _POLLIN)
        if pending is not None:
            poller.register(self._req, _POLLOUT)
        out_open = True
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Exchange(_Exchange.TIMEOUT)
            for fd, _ in poller.poll(max(1, int(remaining * 1000) + 1)):
                if fd == self._req and pending is not None:
                    try:
                        written = self._io.write(fd, pending)
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        written = len(pending)  # the child is gone: its EOF will tell
                    pending = pending[written:]
                    if not pending:
                        pending = None
                        poller.unregister(fd)
                        if early is not None:
                            self._output_after_reply(seq)
                            return _Exchange(_Exchange.REPLY, early)
                elif fd == self._out:
                    if not self._drain_output():
                        poller.unregister(fd)
                        out_open = False
                elif fd == self._rep:
                    try:
                        data = self._io.read(fd, _CHUNK)
                    except BlockingIOError:
                        continue
                    if not data:
                        if out_open:
                            self._drain_output(until_eof=True, budget=0.5)
                        return _Exchange(_Exchange.EOF)
                    self._rep_buf += data
                    reply = early if early is not None else self._next_reply(seq)
                    if reply is not None and pending is None:
                        self._output_after_reply(seq)
                        return _Exchange(_Exchange.REPLY, reply)
                    early = reply
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
        if not line or len(line) > _MAX_LINE:  # empty: the newline before every reply
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
        reads = 0
        while True:
            try:
                data = self._io.read(self._out, _CHUNK)
            except BlockingIOError:
                if not until_eof or time.monotonic() > deadline:
                    return True
                self._io.wait_readable(self._out, max(0.0, deadline - time.monotonic()))
                continue
            if not data:
                return False
            self._output.feed(data)
            reads += 1
            if not until_eof and reads >= _DRAIN_CHUNKS:  # more later: see to the deadline
                return True

    def _output_after_reply(self, seq: int) -> None:
        """Read the output up to call `seq`'s marker, which the child wrote before its reply
        (up to what is there, for the start-up and the import, which have no marker)."""
        if not self._output.marking:
            self._drain_output()
            if self._io.lags:  # a thread may still be fetching it: until a short quiet
                while self._io.wait_readable(self._out, _PUMP_QUIET) and \
                        self._drain_output():
                    pass
            return
        deadline = time.monotonic() + _PUMP_GRACE
        for _ in range(_DRAIN_CHUNKS):
            if self._output.has_ended(seq):
                return
            try:
                data = self._io.read(self._out, _CHUNK)
            except BlockingIOError:
                # the marker was written before the reply: with threads serving the pipes
                # (Windows) it may not have been fetched yet; otherwise it is not coming
                left = deadline - time.monotonic()
                if not self._io.lags or left <= 0 or \
                        not self._io.wait_readable(self._out, left):
                    return
                continue
            if not data:
                return
            self._output.feed(data)

    def _output_text(self) -> str:
        """What was printed since the last call's output ended (the import's, say)."""
        return self._output.text(self._output.peek())

    def _result(self, got: _Exchange, limit: float, what: str, seq: int | None) -> CallResult:
        """Turn what the exchange came to into a CallResult; stop the child if it is spent.

        `seq`: the call's number, whose piece of the output the result gets; None for the
        import, which gets all output since the start.
        """
        if got.kind == _Exchange.REPLY and got.reply is not None:
            result = self._from_reply(got.reply, self._take_output(seq))
            if got.reply.get("fatal") is True or result.status == "crashed":
                self._stop()
            return result
        if got.kind == _Exchange.TIMEOUT:
            self._stop()
            return CallResult("timeout", message=f"{what}took longer than {float(limit)} s",
                              output=self._take_output(seq))
        if got.kind == _Exchange.MALFORMED:
            self._stop()
            return CallResult("error", message="the reply of the solution's process was "
                              "malformed", output=self._take_output(seq))
        running, code = self._child, None
        if running is not None:
            self._child = None
            try:
                code = running.finish(_EOF_GRACE)
            finally:
                self._stop()
        return CallResult("crashed", message=_death_message(code, self.limits),
                          output=self._take_output(seq))

    def _take_output(self, seq: int | None) -> str:
        if seq is None:
            return self._output_text()
        return self._output.text(self._output.take(seq))

    def _from_reply(self, reply: dict[str, object], output: str) -> CallResult:
        status = reply.get("status")
        message = reply.get("message", "")
        if type(message) is not str:
            message = ""
        message = message[: child.MAX_MESSAGE_CHARS + 200]
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


class _Output:
    """What the child prints (stdout and stderr: one pipe), cut into one piece per call.

    The child ends the output of call `seq` with `child.output_marker(nonce, seq)`, which
    it writes before the call's reply, and then may run the next case at once: the piece
    of a call is what came after the previous call's marker up to its own. Each piece
    keeps its first `limit` bytes and counts the rest. Until `reset` names the call to
    expect (the start-up, the import), nothing is cut.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = b"\x00"
        self.size = 1  # a marker's length
        self.expected: int | None = None  # the call whose marker ends the open piece
        self.kept = bytearray()
        self.dropped = 0
        self.carry = b""  # the end of what was read, if it may be the start of a marker
        self.ended: dict[int, tuple[bytes, int]] = {}

    @property
    def marking(self) -> bool:
        return self.expected is not None

    def start(self, nonce: str) -> None:
        """A new child, with its nonce; nothing expected."""
        self.head = child.marker_head(nonce)
        self.size = len(child.output_marker(nonce, 0))
        self.reset(None)

    def reset(self, expected: int | None) -> None:
        """Forget everything read; the open piece will end at call `expected`'s marker."""
        self.expected = expected
        self.kept = bytearray()
        self.dropped = 0
        self.carry = b""
        self.ended.clear()

    def feed(self, data: bytes) -> None:
        if self.expected is None:
            self._add(data)
            return
        buf = self.carry + data if self.carry else data
        self.carry = b""
        pos = 0
        while True:
            at = buf.find(self.head, pos)
            if at < 0 or at + self.size > len(buf):
                # keep back what may be the start of a marker, until more comes
                cut = at if at >= 0 else max(pos, len(buf) - len(self.head) + 1)
                self._add(buf[pos:cut])
                self.carry = buf[cut:]
                return
            self._add(buf[pos:at])
            pos = at + self.size
            if self.expected is not None and \
                    buf[at + len(self.head):pos] == b"%016x" % self.expected:
                self.ended[self.expected] = (bytes(self.kept), self.dropped)
                self.kept.clear()
                self.dropped = 0
                self.expected += 1
            # any other marker (a late one, after a forged reply) is dropped

    def has_ended(self, seq: int) -> bool:
        return seq in self.ended

    def take(self, seq: int) -> tuple[bytes, int]:
        """Call `seq`'s piece; if its marker never came (a timeout, a crash, a forged
        reply), all that is open, and the next piece is the next call's."""
        piece = self.ended.pop(seq, None)
        if piece is not None:
            return piece
        piece = self.peek()
        self.kept = bytearray()
        self.dropped = 0
        self.carry = b""
        if self.expected is not None and self.expected <= seq:
            self.expected = seq + 1
        return piece

    def peek(self) -> tuple[bytes, int]:
        """The open piece, so far."""
        room = max(0, self.limit - len(self.kept))
        return (bytes(self.kept) + self.carry[:room],
                self.dropped + max(0, len(self.carry) - room))

    def text(self, piece: tuple[bytes, int]) -> str:
        data, dropped = piece
        text = data.decode("utf-8", "replace")
        if dropped:
            text += f"\n[... {dropped} more bytes of output dropped]"
        return text

    def _add(self, chunk: bytes) -> None:
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))


class _WarmChild:
    """A child forked by a zygote: the zygote kills, reaps and reports its status."""

    def __init__(self, box: Sandbox, zygote: _Zygote, pid: int, number: int, out: int) -> None:
        self.box = box
        self.zygote = zygote
        self.pid = pid
        self.number = number
        self.parent = zygote.pid
        self.out = out

    def finish(self, grace: float) -> int | None:
        """Wait up to `grace` s for an exit of its own (its code, else None), then kill
        the process group and reap; SandboxError if it does not die. If the zygote is
        gone, so is the child (its parent-death signal): there is nothing left to kill,
        and the session learns the zygote was lost."""
        try:
            return self.zygote.reap(self.pid, self.number, grace)
        except _ZygoteGone:
            self.box._zygote_lost = True
            _zygote_failed(self.zygote)
            return None
        finally:
            os.close(self.out)


class _DirectChild:
    """A fresh interpreter of the sandbox's own, where there is no zygote (macOS,
    Windows): requests on its stdin, replies on its stdout, output on its stderr."""

    def __init__(self, work: Path) -> None:
        try:
            self.proc = subprocess.Popen(
                [_executable(), "-I", "-S", "-B", str(CHILD_SCRIPT), child.DIRECT_FLAG, "-",
                 *_site_dirs()],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=work, env=_child_env(work), start_new_session=child.POSIX,
                close_fds=True,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start the sandbox child: {exc}") from exc
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.pid = self.proc.pid
        self.parent = os.getpid()
        self.req = self.proc.stdin.fileno()
        self.rep = self.proc.stdout.fileno()
        self.out = self.proc.stderr.fileno()

    def finish(self, grace: float) -> int | None:
        """Wait up to `grace` s for an exit of its own (its code, else None), then kill
        it (its process group, on POSIX) and reap; SandboxError if it does not die."""
        proc = self.proc
        code = None
        try:
            if grace > 0:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = proc.wait(timeout=grace)
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                    if child.POSIX:  # the pgid is its pid until it is reaped below
                        os.killpg(proc.pid, signal.SIGKILL)
                    else:
                        proc.kill()
                try:
                    proc.wait(timeout=_KILL_AFTER)
                except subprocess.TimeoutExpired as exc:
                    raise SandboxError(f"the sandbox child {proc.pid} does not die") from exc
        finally:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        return code


def _no_boundary(reason: str) -> BoundaryUnavailable:
    """The one-line refusal to run untrusted code, with why and the fix."""
    return BoundaryUnavailable(
        f"this system cannot isolate untrusted code ({reason}): {BOUNDARY_FIX}")


def _no_zygote_here() -> bool:
    """Whether this system lacks what the zygote needs (fork, SEQPACKET sockets passing
    descriptors): all but Linux."""
    return child.PLATFORM != "linux"


# -- reading and writing the child's pipes ---------------------------------------------


class _FdIO:
    """Non-blocking descriptors and poll(2): Linux and macOS."""

    def __init__(self, *fds: int) -> None:
        for fd in fds:
            os.set_blocking(fd, False)

    def poller(self) -> select.poll:
        return select.poll()

    def read(self, fd: int, size: int) -> bytes:
        return os.read(fd, size)

    def write(self, fd: int, data: memoryview) -> int:
        return os.write(fd, data)

    lags = False  # what was written before a reply is in the pipe when it is read

    def wait_readable(self, fd: int, timeout: float) -> bool:
        return bool(select.select([fd], [], [], timeout)[0])

    def close(self) -> None:
        pass


class _ThreadedIO:
    """Windows, whose pipes neither poll nor take O_NONBLOCK: a thread reads each of the
    child's pipes into a buffer and another writes the requests; `read` raises
    BlockingIOError when nothing has come yet, as a non-blocking read would, and the
    poller waits on their condition."""

    def __init__(self, req: int, *readers: int) -> None:
        self._cond = threading.Condition()
        self._buffers: dict[int, deque[bytes]] = {}
        self._ended: set[int] = set()
        self._req = req
        self._outbox: deque[bytes | None] = deque()
        for fd in readers:
            self._buffers[fd] = deque()
            threading.Thread(target=self._pump, args=(fd,), daemon=True).start()
        threading.Thread(target=self._send, daemon=True).start()

    def _pump(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, _CHUNK)
            except OSError:
                data = b""
            with self._cond:
                if data:
                    self._buffers[fd].append(data)
                else:
                    self._ended.add(fd)
                self._cond.notify_all()
            if not data:
                return

    def _send(self) -> None:
        while True:
            with self._cond:
                while not self._outbox:
                    self._cond.wait()
                data = self._outbox.popleft()
            if data is None:
                return
            try:
                while data:
                    data = data[os.write(self._req, data):]
            except OSError:
                return  # the child is gone: its replies' end says so

    def poller(self) -> _ThreadPoller:
        return _ThreadPoller(self)

    def ready(self, fds: set[int]) -> list[tuple[int, int]]:
        return [(fd, _POLLIN) for fd in fds
                if self._buffers.get(fd) or fd in self._ended]

    def read(self, fd: int, size: int) -> bytes:
        with self._cond:
            buffer = self._buffers[fd]
            if buffer:
                return buffer.popleft()
            if fd in self._ended:
                return b""
        raise BlockingIOError

    def write(self, fd: int, data: memoryview) -> int:
        with self._cond:
            self._outbox.append(bytes(data))
            self._cond.notify_all()
        return len(data)

    lags = True  # a pipe's thread may not have fetched what came before a reply yet

    def wait_readable(self, fd: int, timeout: float) -> bool:
        with self._cond:
            return bool(self._cond.wait_for(lambda: self.ready({fd}), timeout))

    def close(self) -> None:
        with self._cond:
            self._outbox.append(None)
            self._cond.notify_all()


class _ThreadPoller:
    """select.poll's interface over a `_ThreadedIO` (writes never wait: always ready)."""

    def __init__(self, io: _ThreadedIO) -> None:
        self.io = io
        self.readers: set[int] = set()
        self.writers: set[int] = set()

    def register(self, fd: int, events: int) -> None:
        (self.writers if events & _POLLOUT else self.readers).add(fd)

    def unregister(self, fd: int) -> None:
        self.readers.discard(fd)
        self.writers.discard(fd)

    def poll(self, timeout_ms: int) -> list[tuple[int, int]]:
        if self.writers:
            return [(fd, _POLLOUT) for fd in self.writers]
        with self.io._cond:
            self.io._cond.wait_for(lambda: self.io.ready(self.readers), timeout_ms / 1000)
            return self.io.ready(self.readers)


def _io_for(req: int, rep: int, out: int) -> _FdIO | _ThreadedIO:
    if child.PLATFORM == "win32":
        return _ThreadedIO(req, rep, out)
    return _FdIO(req, rep, out)


# -- the zygote ------------------------------------------------------------------------


class _ZygoteGone(Exception):
    """The zygote died or can no longer be trusted to be in step; it has been killed."""


class _ZygoteRefused(Exception):
    """The zygote is fine but could not fork this child."""


class _Zygote:
    """This process's warm helper (see `grader._sandbox_child._zygote` for its protocol)."""

    def __init__(self, jail: bool) -> None:
        self.owner = os.getpid()
        self.pid = -1
        self.closed = False
        self.jailed = False
        self.jail_error = ""
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = ours
        try:
            self._proc = subprocess.Popen(
                [_executable(), "-I", "-S", "-B", str(CHILD_SCRIPT), child.ZYGOTE_FLAG,
                 str(theirs.fileno()), *_site_dirs()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=_child_env(None),
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                close_fds=True,
            )
        except (OSError, SandboxError) as exc:
            ours.close()
            self.closed = True
            raise _ZygoteGone(f"cannot start it: {exc}") from exc
        finally:
            theirs.close()
        # the parent-death signal follows the thread that started the zygote: ask for it
        # only from the main thread (socket EOF covers the owner's death in any case)
        main = threading.current_thread() is threading.main_thread()
        hello: dict[str, object] = {"op": "hello", "owner": self.owner, "pdeathsig": main}
        if jail:
            hello["jail"] = {"binds": _runtime_binds(), "masks": _masked()}
        reply = self._ask(hello, (), STARTUP_TIMEOUT)
        pid = reply.get("pid")
        if type(pid) is not int or pid != self._proc.pid:
            self.kill()
            raise _ZygoteGone("its greeting was malformed")
        self.pid = pid
        self.jailed = reply.get("jailed") is True
        if jail and not self.jailed:
            self.jail_error = str(reply.get("jail_error") or "it did not say why")
            self.close()

    @classmethod
    def start(cls, isolation: Isolation) -> _Zygote:
        """A zygote for `isolation`: jailed unless "off"; for "preferred", one without
        the jail where the system cannot give it. BoundaryUnavailable for "required"
        where it cannot; SandboxError if no zygote starts at all."""
        jail = isolation != "off"
        reason = _jail_failure[0] if _jail_failure else _jail.unavailable_reason()
        if jail and reason is not None:
            if isolation == "required":
                raise _no_boundary(reason)
            jail = False
        try:
            zygote = cls(jail)
            if jail and not zygote.jailed:
                _jail_failure[:] = [zygote.jail_error]
                if isolation == "required":
                    raise _no_boundary(zygote.jail_error)
                zygote = cls(False)
        except _ZygoteGone as exc:
            raise SandboxError(f"the sandbox's helper did not start ({exc})") from exc
        return zygote

    def usable(self) -> bool:
        return not self.closed and self.owner == os.getpid() and self._proc.poll() is None

    def spawn(self, work: Path | None, env: dict[str, str], fds: tuple[int, int, int],
              limits: Limits) -> tuple[int, int]:
        """Fork a child for a session; (pid, number). `work`: its folder (None: jailed, its
        own tmpfs, of the size `limits` give)."""
        reply = self._ask({"op": "spawn", "workdir": str(work) if work else None, "env": env,
                           "disk_bytes": limits.disk_bytes, "disk_inodes": limits.disk_inodes},
                          fds, ZYGOTE_TIMEOUT)
        pid, number = reply.get("pid"), reply.get("number")
        if type(pid) is int and type(number) is int and pid > 0:
            return pid, number
        raise _ZygoteRefused(str(reply.get("error", "malformed reply")))

    def reap(self, pid: int, number: int, grace: float) -> int | None:
        """Wait up to `grace` s for the child to exit (its code, else None), then kill its
        process group and reap it."""
        reply = self._ask({"op": "reap", "pid": pid, "number": number, "grace": grace,
                           "kill_after": _KILL_AFTER}, (), grace + _KILL_AFTER + ZYGOTE_TIMEOUT)
        code = reply.get("code")
        if "error" in reply:
            raise SandboxError(str(reply["error"]))
        return code if type(code) is int else None

    def _ask(self, request: dict[str, object], fds: tuple[int, ...],
             timeout: float) -> dict[str, object]:
        if self.owner != os.getpid():  # inherited through a fork: the zygote of another process
            raise _ZygoteGone("not this process's zygote")
        with self._lock:
            if self.closed:
                raise _ZygoteGone("it was shut down")
            try:
                self._sock.settimeout(timeout)
                data = json.dumps(request).encode()
                if fds:
                    socket.send_fds(self._sock, [data], list(fds))
                else:
                    self._sock.send(data)
                answer = self._sock.recv(1 << 16)
                reply = json.loads(answer) if answer else None
            except (OSError, ValueError) as exc:  # dead, out of step (a timeout), or garbled
                self._kill_locked()
                raise _ZygoteGone(str(exc) or type(exc).__name__) from exc
            if type(reply) is not dict:
                self._kill_locked()
                raise _ZygoteGone("it hung up" if reply is None else "malformed reply")
            return reply

    def close(self) -> None:
        """Let it go: EOF on its socket ends it (and, by their parent-death signal, the
        children it still has); reap it."""
        with self._lock:
            if self.closed or self.owner != os.getpid():
                return
            self.closed = True
            self._sock.close()
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def kill(self) -> None:
        with self._lock:
            self._kill_locked()

    def _kill_locked(self) -> None:
        if self.owner != os.getpid():
            return
        self.closed = True
        self._sock.close()
        if self._proc.poll() is None:
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=_KILL_AFTER)

    def forget(self) -> None:
        """In a forked copy of the owner: drop the inherited socket, never touch the
        zygote (it is the other process's)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self._sock.close()


_lock = threading.Lock()  # guards the module's zygote state below
_zygotes: dict[str, _Zygote] = {}  # this process's shared zygote, by isolation
_jail_failure: list[str] = []  # why the kernel refused the jail here, once known
_failures = 0  # zygote deaths since the last good spawn
_warned = False
_atexit_registered = False
_inherited: list[_Zygote] = []  # zygotes of the process we were forked from: kept, not used


def warm_by_default() -> bool:
    """Whether sandboxes fork from the zygote by default (GRADER_SANDBOX_WARM, default on)."""
    value = os.environ.get(WARM_ENV, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def zygote_pid(isolation: Isolation = "required") -> int | None:
    """The pid of this process's shared zygote for `isolation`, while one runs."""
    with _lock:
        zygote = _zygotes.get(isolation)
        return zygote.pid if zygote is not None and zygote.usable() else None


def start_zygote(isolation: Isolation = "required") -> None:
    """Start this process's zygote now rather than at its first sandbox (a pool worker,
    before its first submission); nothing when warm starts are off. BoundaryUnavailable
    if `isolation` is "required" and the system cannot give the boundary."""
    if warm_by_default():
        _current_zygote(isolation)


def boundary_problem() -> str | None:
    """Why untrusted code cannot be graded here (one line, with the fix), or None.

    Starts the shared "required" zygote to find out, which grading needs anyway."""
    try:
        if warm_by_default():
            _current_zygote("required")
        else:
            _Zygote.start("required").close()
    except BoundaryUnavailable as exc:
        return str(exc)
    except SandboxError:
        return None  # not the boundary's fault: grading will say what failed
    return None


def shutdown_zygote() -> None:
    """Stop this process's zygotes (at exit, or to release them); the next sandbox starts
    one."""
    with _lock:
        zygotes = list(_zygotes.values())
        _zygotes.clear()
    for zygote in zygotes:
        zygote.close()


def _current_zygote(isolation: Isolation) -> _Zygote | None:
    """This process's shared zygote for `isolation`, started if need be; None when it
    keeps dying (the sandbox then starts one of its own)."""
    global _atexit_registered
    with _lock:
        zygote = _zygotes.get(isolation)
        if zygote is not None and zygote.usable():
            return zygote
        if zygote is not None:  # died since the last session
            del _zygotes[isolation]
            zygote.kill()
            _count_failure("it died")
        if _failures >= _MAX_ZYGOTE_FAILURES:
            return None
        try:
            zygote = _Zygote.start(isolation)
        except BoundaryUnavailable:
            raise
        except SandboxError as exc:
            _count_failure(str(exc), fatal=True)
            return None
        _zygotes[isolation] = zygote
        if not _atexit_registered:
            atexit.register(shutdown_zygote)
            _atexit_registered = True
        return zygote


def _zygote_failed(zygote: _Zygote | None) -> None:
    """A zygote died under a session or failed one: drop it; the next sandbox starts one."""
    if zygote is None:
        return
    with _lock:
        for key, value in list(_zygotes.items()):
            if value is zygote:
                del _zygotes[key]
                break
        else:
            return  # already handled
        zygote.kill()
        _count_failure("it died")


def _count_failure(reason: str, fatal: bool = False) -> None:
    global _failures, _warned
    _failures = _MAX_ZYGOTE_FAILURES if fatal else _failures + 1
    if _failures >= _MAX_ZYGOTE_FAILURES and not _warned:
        _warned = True
        with contextlib.suppress(Exception):
            print(f"grader: the shared sandbox helper failed ({reason}); "
                  "starting one for each submission", file=sys.stderr)


def _zygote_worked() -> None:
    global _failures
    _failures = 0


def _after_fork_in_child() -> None:
    """A forked process (a pool worker, say) starts its own zygote when it needs one."""
    global _lock, _failures
    _lock = threading.Lock()  # another thread may have held it at the fork
    for zygote in _zygotes.values():
        zygote.forget()
        _inherited.append(zygote)  # its Popen must be neither waited on nor collected here
    _zygotes.clear()
    if not _warned:
        _failures = 0


os.register_at_fork(after_in_child=_after_fork_in_child)


def _executable() -> str:
    executable = sys.executable
    if not executable or not os.path.isabs(executable):
        raise SandboxError("the sandbox needs an absolute sys.executable")
    return executable


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


def _child_env(work: Path | None) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(work) if work is not None else _jail.WORKDIR,
        "TMPDIR": str(work) if work is not None else _jail.WORKDIR,
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


_SYSTEM_LIBRARIES = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32",
                     "/usr/local/lib")


def _runtime_binds() -> list[str]:
    """What the jail shows, read-only: the interpreter's standard library, the folders
    of NumPy and this environment's packages, the system's shared libraries."""
    paths = sysconfig.get_paths()
    found = [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")
             if key in paths]
    found += _site_dirs()
    found += [os.path.dirname(os.path.realpath(_executable()))]  # libpython beside, some builds
    found += [p for p in _SYSTEM_LIBRARIES if os.path.lexists(p)]
    return [p for p in dict.fromkeys(found) if os.path.isabs(p) and os.path.lexists(p)]


def _masked() -> list[str]:
    """Folders inside the runtime binds that the jail covers: the grader's own package
    (with the bundled bank's reference solutions)."""
    return [str(Path(__file__).resolve().parent)]


def remove_tree(path: Path) -> None:
    """Remove a folder a student's process wrote into, whatever it holds.

    Never follows a link (entries are unlinked, folders renamed, by descriptor) and
    never recurses: each sub-folder is first moved up to the top, so the depth of the
    tree costs neither stack nor descriptors (3,000 nested folders included), and a
    folder the student made unreadable is made readable (it is known to be a folder:
    nothing the student points to is changed).
    """
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)  # a link or a file where the folder was: remove the name
        return
    try:
        pending = ["."]
        count = 0
        while pending:
            name = pending.pop()
            try:
                folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                 | os.O_CLOEXEC, dir_fd=top)
            except PermissionError:
                with contextlib.suppress(OSError):
                    os.chmod(name, 0o700, dir_fd=top)
                try:
                    folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                     | os.O_CLOEXEC, dir_fd=top)
                except OSError:
                    continue
            except OSError:
                continue
            try:
                with contextlib.suppress(OSError):
                    os.fchmod(folder, 0o700)  # entries of a folder made read-only
                for entry in list(os.scandir(folder)):
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            count += 1
                            moved = f".grader-rm-{count}"
                            os.rename(entry.name, moved, src_dir_fd=folder, dst_dir_fd=top)
                            pending.append(moved)
                        else:
                            os.unlink(entry.name, dir_fd=folder)
                    except OSError:
                        continue
            finally:
                os.close(folder)
            if name != ".":
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(path)
