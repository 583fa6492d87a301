"""The sandbox's child process, and the wire codec that it shares with the parent.

Run as a script by absolute path (`python -I -S -B _sandbox_child.py --zygote SOCK_FD
[SITE_DIR ...]`): it imports only the standard library, numpy and `_jail.py` beside it,
never `grader`, so nothing of the grader is loaded where the student's code runs. The
parent (`grader.sandbox`) imports this module only for `encode`, `decode` and the
protocol constants, so both sides speak one format from one definition.

The script is the zygote (see `_zygote`): warm, it forks one child per session, and the
fork becomes what a fresh child would be (`_become_child`) and runs `_session`.

Order of events in the child, each step before any student code runs:

1. (jailed, see `grader._jail`) the zygote's fork enters the session's own user, mount,
   PID, network, IPC and UTS namespaces with a fresh size-capped tmpfs on /work, and
   forks the process that runs the session: PID 1 of its namespace;
2. move the private pipe fds, and a private copy of the output pipe (for the output
   markers), to random high numbers;
3. read the session's configuration (nonce, limits, the solution's text) from the
   request pipe and write solution.py into the working folder;
4. set the rlimits; ignore SIGXFSZ (an oversized file is an OSError, not a death);
5. import subprocess and socket (scipy needs them) and disarm `_posixsubprocess` (the
   zygote does this once, before it forks: see `_preload`);
6. (jailed) drop every capability, set no_new_privs and the seccomp filter;
7. install the audit hook (`_audit`), which refuses what a grading run never needs;
8. report "ready", import solution.py, report the import, then answer calls until EOF.

The boundary is the operating system's (steps 1 and 6: the student's process sees only
its own tmpfs and the read-only runtime, no other process, no network, no privilege).
The audit hook is a second layer, never relied on: inside a process that has numpy
(`__array_interface__` over an arbitrary address) a determined author can write to the
interpreter's memory and switch it off. Without the jail (trusted code, or a student's
own `grader check` where the OS gives no namespaces) only the rlimits, the timeouts and
the hook remain.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    # `-S` skipped site; add numpy's folder (given by the parent) before importing numpy.
    sys.path.extend(sys.argv[3:])

import base64
import binascii
import contextlib
import importlib.util
import io
import json
import math
import os
import signal
import time
import types
from typing import Any

import numpy as np

# The platform as this process treats it. GRADER_SANDBOX_PLATFORM stands in for it in the
# tests that simulate macOS and Windows on Linux; it can only take layers away, and only
# a student's own `grader check` runs without the boundary (see `grader.sandbox`).
PLATFORM = os.environ.get("GRADER_SANDBOX_PLATFORM") or sys.platform
POSIX = PLATFORM != "win32"
if POSIX:
    import fcntl
    import resource


def _load_jail() -> types.ModuleType | None:
    """grader/_jail.py, loaded by path from beside this script (which never imports the
    `grader` package); None where it cannot work (not Linux)."""
    if sys.platform != "linux":
        return None
    import importlib.util as util

    spec = util.spec_from_file_location(
        "_grader_jail", os.path.join(os.path.dirname(os.path.abspath(__file__)), "_jail.py"))
    if spec is None or spec.loader is None:
        return None
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_jail = _load_jail() if __name__ == "__main__" else None

# --------------------------------------------------------------------------------------
# Wire format: JSON lines. Every JSON object on the wire is one tagged value, so a dict
# returned by a student can never pass itself off as a tag.
#   {"__float__": "nan" | "inf" | "-inf"}           non-finite floats
#   {"__tuple__": [...]}                             tuples
#   {"__dict__": {"key": value, ...}}                dicts with str keys
#   {"__ndarray__": nested lists, "dtype": "float64", "shape": [2, 3]}
#   {"__ndbytes__": base64 of the little-endian C-order bytes, "dtype": ..., "shape": ...}
#                                                    arrays the parent sends (see encode)
#   {"__npscalar__": value, "dtype": "int64"}        numpy scalars
# --------------------------------------------------------------------------------------

MAX_DEPTH = 32
MAX_REPLY_BYTES = 16 << 20
MAX_ITEMS = MAX_REPLY_BYTES // 2  # every item takes at least 2 bytes of JSON
MAX_INT_BITS = 4096
MAX_MESSAGE_CHARS = 2000

DTYPES = frozenset(
    ["bool", "float16", "float32", "float64"]
    + [f"{p}int{n}" for p in ("", "u") for n in (8, 16, 32, 64)]
)
# Exact numpy scalar types accepted (np.longlong and np.int64 are distinct types of one
# dtype name on some platforms, hence the codes rather than names).
_SCALAR_TYPES = frozenset(
    t
    for t in (np.dtype(c).type for c in "?" + np.typecodes["AllInteger"] + np.typecodes["Float"])
    if np.dtype(t).name in DTYPES
)
_FLOAT_TAGS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
# Names looked up rather than asked for: `dtype.name` is computed in Python (~3 us), on
# every array and numpy scalar that crosses, both ways
_DTYPE_NAMES = {np.dtype(name): name for name in DTYPES}
_DTYPES_BY_NAME = {name: np.dtype(name) for name in DTYPES}
_LITTLE = {name: np.dtype(name).newbyteorder("<") for name in DTYPES}
_SCALAR_NAMES = {t: np.dtype(t).name for t in _SCALAR_TYPES}


class EncodeError(Exception):
    """A value cannot be sent; the message is for the student."""


class DecodeError(Exception):
    """A received structure is not a valid encoded value."""


def _type_name(value: object) -> str:
    # type.__dict__["__name__"] and not type(value).__name__: a metaclass may override the
    # latter with a property that runs student code.
    name = type.__dict__["__name__"].__get__(type(value), type)
    return name[:100] if type(name) is str else "?"


def _float_out(x: float) -> object:
    if x != x:
        return {"__float__": "nan"}
    if x in (math.inf, -math.inf):
        return {"__float__": "inf" if x > 0 else "-inf"}
    return x


def _tag_nonfinite(node: object) -> object:
    if type(node) is list:
        return [_tag_nonfinite(x) for x in node]
    return _float_out(node) if type(node) is float else node


def encode(value: object, *, binary: bool = False) -> object:
    """The JSON-ready form of a plain value; EncodeError for anything else.

    Types are tested exactly (`type(v) is float`), never with isinstance: a float subclass
    that overrides __eq__ or __sub__ is refused, not flattened into a number. `binary`
    sends arrays as their bytes (exact, and ~10x cheaper both ways than a list of
    decimal numbers): the parent does for the cases it sends; replies keep lists.
    """
    budget = [MAX_ITEMS]
    return _encode(value, 0, budget, binary)


def _charge(budget: list[int], items: int) -> None:
    # containers pay for their length before their items are looked at, so a list of
    # ten million floats is refused at once rather than after seconds of work
    budget[0] -= items
    if budget[0] < 0:
        raise EncodeError("returned a value too large to transport")


def _encode(value: object, depth: int, budget: list[int], binary: bool = False) -> object:
    t = type(value)
    if value is None or t is bool:
        return value
    if t is int:
        if value.bit_length() > MAX_INT_BITS:  # type: ignore[attr-defined]
            raise EncodeError("returned an integer too large to transport")
        return value
    if t is float:
        return _float_out(value)  # type: ignore[arg-type]
    if t is str:
        _charge(budget, len(value) // 2)  # type: ignore[arg-type]
        try:
            value.encode("utf-8")  # type: ignore[attr-defined]
        except UnicodeEncodeError:
            raise EncodeError("returned a string that is not valid Unicode") from None
        return value
    if depth >= MAX_DEPTH:
        raise EncodeError(f"returned a value nested more than {MAX_DEPTH} levels deep")
    if t is list or t is tuple or t is dict:
        _charge(budget, 1 + len(value))  # type: ignore[arg-type]
    if t is list:
        return [_encode(x, depth + 1, budget, binary) for x in value]  # type: ignore[attr-defined]
    if t is tuple:
        items = [_encode(x, depth + 1, budget, binary) for x in value]  # type: ignore[attr-defined]
        return {"__tuple__": items}
    if t is dict:
        out: dict[str, object] = {}
        for k, v in value.items():  # type: ignore[attr-defined]
            if type(k) is not str:
                raise EncodeError(f"returned a dict with a key of type {_type_name(k)}")
            out[k] = _encode(v, depth + 1, budget, binary)
        return {"__dict__": out}
    if t is np.ndarray:
        return _encode_array(value, budget, binary)  # type: ignore[arg-type]
    if t in _SCALAR_TYPES:
        item = value.item()  # type: ignore[attr-defined]
        return {"__npscalar__": _float_out(item) if type(item) is float else item,
                "dtype": _SCALAR_NAMES[t]}
    raise EncodeError(
        f"returned an object of type {_type_name(value)}; expected a number, array, list or tuple"
    )


def _encode_array(a: np.ndarray[Any, Any], budget: list[int], binary: bool = False) -> object:
    name = _DTYPE_NAMES.get(a.dtype)
    if name is None:  # another byte order, say, or not a dtype that travels
        name = a.dtype.name
        if name not in DTYPES:
            raise EncodeError(
                f"returned an array of dtype {name}; expected bool, int, uint or float")
    if a.ndim > MAX_DEPTH:
        raise EncodeError(f"returned an array with more than {MAX_DEPTH} dimensions")
    _charge(budget, a.size)
    if binary:
        data = a.astype(_LITTLE[name], copy=False).tobytes(order="C")
        return {"__ndbytes__": base64.b64encode(data).decode("ascii"), "dtype": name,
                "shape": list(a.shape)}
    items: object = a.tolist()
    if a.dtype.kind == "f" and not bool(np.isfinite(a).all()):
        items = _tag_nonfinite(items)
    return {"__ndarray__": items, "dtype": name, "shape": list(a.shape)}


def decode(obj: object, depth: int = 0) -> object:
    """Rebuild a value from its JSON form, checking every type exactly.

    The parent runs this on what the child sends, and the child is hostile: anything that
    is not a well-formed encoding raises DecodeError.
    """
    t = type(obj)
    if obj is None or t is bool or t is int or t is str:
        return obj
    if t is float:
        if obj != obj or obj in (math.inf, -math.inf):  # non-finite floats travel as tags
            raise DecodeError("bare non-finite float")
        return obj
    if depth >= MAX_DEPTH + 2:
        raise DecodeError("nested too deeply")
    if t is list:
        return [decode(x, depth + 1) for x in obj]  # type: ignore[attr-defined]
    if t is not dict:
        raise DecodeError(f"unexpected {t.__name__}")
    d: dict[str, object] = obj  # type: ignore[assignment]
    if len(d) == 1:
        ((tag, inner),) = d.items()
        if tag == "__float__" and type(inner) is str and inner in _FLOAT_TAGS:
            return _FLOAT_TAGS[inner]
        if tag == "__tuple__" and type(inner) is list:
            return tuple(decode(x, depth + 1) for x in inner)
        if tag == "__dict__" and type(inner) is dict:
            return {k: decode(v, depth + 1) for k, v in inner.items()}
    elif d.keys() == {"__ndarray__", "dtype", "shape"}:
        return _decode_array(d)
    elif d.keys() == {"__ndbytes__", "dtype", "shape"}:
        return _decode_bytes(d)
    elif d.keys() == {"__npscalar__", "dtype"}:
        dtype = _dtype(d["dtype"])
        leaf = _leaf(d["__npscalar__"], dtype.kind)
        try:
            return dtype.type(leaf)
        except (OverflowError, ValueError, TypeError) as exc:
            raise DecodeError(f"bad {dtype.name} scalar") from exc
    raise DecodeError("unknown tag")


def _dtype(name: object) -> np.dtype[Any]:
    if type(name) is not str or name not in DTYPES:
        raise DecodeError("bad dtype")
    return _DTYPES_BY_NAME[name]


def _leaf(x: object, kind: str) -> object:
    t = type(x)
    if kind == "b" and t is bool:
        return x
    if kind in "iu" and t is int:
        return x
    if kind == "f":
        if t is float:
            return x
        if t is dict:
            tag: dict[object, object] = x  # type: ignore[assignment]
            name = tag.get("__float__")
            if len(tag) == 1 and type(name) is str and name in _FLOAT_TAGS:
                return _FLOAT_TAGS[name]
    raise DecodeError(f"bad array element for kind {kind}")


def _shape(shape: object) -> list[int]:
    """A checked shape: a short list of non-negative ints of at most MAX_ITEMS items."""
    if type(shape) is not list or len(shape) > MAX_DEPTH:
        raise DecodeError("bad shape")
    size = 1
    for n in shape:
        if type(n) is not int or n < 0:
            raise DecodeError("bad shape")
        size *= n
    if size > MAX_ITEMS:
        raise DecodeError("array too large")
    return shape


def _decode_bytes(d: dict[str, object]) -> np.ndarray[Any, Any]:
    dtype = _dtype(d["dtype"])
    shape = _shape(d["shape"])
    data = d["__ndbytes__"]
    if type(data) is not str or len(data) > 2 * MAX_REPLY_BYTES:
        raise DecodeError("bad array bytes")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError("bad array bytes") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise DecodeError("array does not match its shape")
    if dtype.kind == "b" and raw.translate(None, b"\x00\x01"):
        raise DecodeError("bad array element for kind b")  # a bool is one byte, 0 or 1
    # a native-order copy: writable, and owning its memory (the name was checked by
    # _dtype; dtype.name would cost more than the rest of this function)
    return np.frombuffer(raw, dtype=_LITTLE[d["dtype"]]).astype(dtype).reshape(shape)  # type: ignore[index]


def _decode_array(d: dict[str, object]) -> np.ndarray[Any, Any]:
    dtype = _dtype(d["dtype"])
    shape = _shape(d["shape"])
    # level by level rather than item by item: the same checks, in far fewer Python steps
    level: list[object] = [d["__ndarray__"]]
    for n in shape:
        for node in level:
            if type(node) is not list or len(node) != n:
                raise DecodeError("array does not match its shape")
        level = [item for node in level for item in node]  # type: ignore[attr-defined]
    kind = dtype.kind
    if kind == "f" and dict in set(map(type, level)):  # non-finite floats travel as tags
        level = [_leaf(x, kind) for x in level]
    if not set(map(type, level)) <= _LEAF_TYPES[kind]:
        raise DecodeError(f"bad array element for kind {kind}")
    try:
        return np.array(level, dtype=dtype).reshape(shape)
    except (OverflowError, ValueError, TypeError) as exc:
        raise DecodeError(f"bad {dtype.name} array") from exc


_LEAF_TYPES: dict[str, set[type]] = {"b": {bool}, "i": {int}, "u": {int}, "f": {float}}


def dumps(message: object) -> bytes:
    """One protocol line."""
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode() + b"\n"


def marker_head(nonce: str) -> bytes:
    """How every output marker of a session starts (see `output_marker`)."""
    return b"\x00" + nonce.encode("ascii") + b":"


def output_marker(nonce: str, seq: int) -> bytes:
    """What the child writes to its output pipe once call `seq` is over, before its reply.

    stdout and stderr are one pipe, apart from the replies, and the child runs the next
    case of a batch without waiting for the parent: the marker is where the parent cuts
    the output into one piece per call. It carries the nonce, so a student cannot end
    a call's output by printing (and one who reads the nonce out of memory only moves
    their own output from one call to another).
    """
    return marker_head(nonce) + b"%016x" % seq


def _reject_constant(name: str) -> object:
    raise DecodeError(f"bare {name}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # json.loads makes one a call


def loads(line: bytes) -> object:
    """Parse one protocol line (NaN/Infinity literals refused: they travel as tags)."""
    return _DECODER.decode(line.decode("utf-8"))  # invalid UTF-8: a ValueError too


# --------------------------------------------------------------------------------------
# The audit hook.
#
# Everything it uses is bound as a positional default (an immutable tuple, whose
# replacement is itself refused), or is a method looked up on a builtin type (immutable).
# It reads no global name and has no closure: a student who rebinds builtins.isinstance,
# os.path.realpath or this module's globals changes nothing here. Every check is on exact
# types, and any exception inside it (even RecursionError) refuses the event: it fails
# closed.
# --------------------------------------------------------------------------------------

_DENIED_EVENTS = frozenset(
    {
        # processes and signals
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
        "os.kill", "os.killpg", "signal.pthread_kill", "subprocess.Popen", "pty.spawn",
        "os.startfile",
        # the working folder is the only one; links would reach outside it
        "os.chdir", "os.link", "os.symlink",
        # no raising the rlimits, no other interpreters (they run without this hook)
        "resource.setrlimit", "cpython.PyInterpreterState_New", "cpython.run_command",
        "cpython.run_file", "cpython.run_interactivehook", "cpython.run_module",
        "cpython.run_startup",
        # no hiding from or replacing this hook, no watching the loop's frames
        "sys.addaudithook", "sys.settrace", "sys.setprofile",
        # terminals, native code
        "fcntl.ioctl", "sqlite3.enable_load_extension", "sqlite3.load_extension",
        "webbrowser.open", "winreg.ConnectRegistry",
    }
)
_DENIED_PREFIXES = ("socket.", "ctypes.", "_ctypes.", "_winapi.", "msvcrt.")
_DENIED_MODULES = frozenset(
    {
        # socket and subprocess are imported before the hook (see _preload): their use
        # is refused by event, not by import
        "ctypes", "_ctypes", "_posixsubprocess", "ssl", "_ssl", "multiprocessing",
        "_multiprocessing", "_posixshmem", "pty",
        "_xxsubinterpreters", "_xxinterpchannels", "_testcapi", "_testinternalcapi",
        "_testmultiphase", "_testbuffer", "_testimportmultiple", "_testclinic",
    }
)
# Events whose first argument is a path that is changed, so must be in the working folder
_WRITE_PATH_EVENTS = frozenset(
    {
        "os.mkdir", "os.rmdir", "os.remove", "os.truncate", "os.chflags", "os.lchflags",
        "os.mkfifo", "os.mknod", "shutil.rmtree",
    }
)
# ... and these, which also change a file's metadata through an fd: refuse fds
_META_PATH_EVENTS = frozenset(
    {"os.chmod", "os.lchmod", "os.chown", "os.utime", "os.setxattr", "os.removexattr"}
)
# Events whose first two arguments are both paths that are changed
_TWO_PATH_EVENTS = frozenset(
    {"os.rename", "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree",
     "shutil.move"}
)
_READ_PATH_EVENTS = frozenset({"os.listdir", "os.scandir"})
_FUNCTION_ATTRS = frozenset({"__code__", "__defaults__", "__kwdefaults__", "__closure__"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_DEVICES_RW = frozenset({"/dev/null"})
_DEVICES_R = frozenset({"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"})
_S_IFMT = 0o170000
_S_IFREG = 0o100000
_S_IFDIR = 0o040000


class SandboxRefusal(PermissionError):
    """What the student sees when the hook refuses an operation."""


def _resolve(  # type: ignore[no-untyped-def]
    path,
    cwd,
    _type=type,
    _str=str,
    _bytes=bytes,
    _len=len,
    _lstat=os.lstat,
    _readlink=os.readlink,
    _oserror=OSError,
    _refuse=SandboxRefusal,
    _ifmt=0o170000,
    _iflnk=0o120000,
):
    """The real absolute path a str/bytes path names (symlinks followed); None otherwise.

    Like os.path.realpath, but built only from C functions bound here, so that no student
    patch of posixpath or os changes it; a missing tail is kept as written. Following the
    links matters for reading: /usr/lib/ssl/private, say, is a link into /etc.
    """
    t = _type(path)
    if t is _bytes:
        path = _bytes.decode(path, "utf-8", "surrogateescape")
    elif t is not _str:
        return None
    if not _str.startswith(path, "/"):
        path = cwd + "/" + path
    parts = _str.split(path, "/")
    resolved = ""  # "" is the root
    hops = 0
    i = 0
    while i < _len(parts):
        part = parts[i]
        i += 1
        if part == "" or part == ".":
            continue
        if part == "..":
            resolved = resolved[: _str.rfind(resolved, "/")]
            continue
        candidate = resolved + "/" + part
        try:
            mode = _lstat(candidate).st_mode
        except _oserror:
            resolved = candidate  # does not exist (yet): nothing to follow
            continue
        if mode & _ifmt == _iflnk:
            hops += 1
            if hops > 40:
                raise _refuse(f"too many symbolic links in {path!r}")
            target = _readlink(candidate)
            if _str.startswith(target, "/"):
                resolved = ""
            parts = _str.split(target, "/") + parts[i:]
            i = 0
            continue
        resolved = candidate
    return resolved or "/"


def _audit(  # type: ignore[no-untyped-def]
    event,
    args,
    # bound at install time (see _install_hook); never read from globals
    _cfg=None,  # (workdir, read_roots, denied_roots, protected functions)
    _type=type,
    _str=str,
    _int=int,
    _none=None,
    _stat=os.stat,
    _oserror=OSError,
    _refuse=SandboxRefusal,
    _resolve=_resolve,
    _denied=_DENIED_EVENTS,
    _denied_prefixes=_DENIED_PREFIXES,
    _denied_modules=_DENIED_MODULES,
    _write_events=_WRITE_PATH_EVENTS,
    _meta_events=_META_PATH_EVENTS,
    _two_path_events=_TWO_PATH_EVENTS,
    _read_events=_READ_PATH_EVENTS,
    _function_attrs=_FUNCTION_ATTRS,
    _write_flags=_WRITE_FLAGS,
    _devices_rw=_DEVICES_RW,
    _devices_r=_DEVICES_R,
    _ifmt=_S_IFMT,
    _ifreg=_S_IFREG,
    _ifdir=_S_IFDIR,
):
    if event in _denied or _str.startswith(event, _denied_prefixes):
        raise _refuse(f"the sandbox does not allow {event}")

    if event == "open" or event in _read_events or event in _write_events \
            or event in _meta_events or event in _two_path_events or event == "sqlite3.connect":
        workdir, read_roots, denied_roots, _, check_paths = _cfg
        if not check_paths:
            return
        paths = args[:2] if event in _two_path_events else args[:1]
        if event == "open":
            mode, flags = args[1], args[2]
            write = (_type(flags) is _int and flags & _write_flags != 0) or (
                _type(mode) is _str and ("w" in mode or "a" in mode or "x" in mode or "+" in mode)
            )
        else:
            write = event not in _read_events
        if event == "sqlite3.connect" and _type(args[0]) is _str and args[0] == ":memory:":
            return
        for path in paths:
            if path is _none and event in _read_events:
                continue  # listdir() of the working folder
            if _type(path) is _int and event not in _meta_events:
                continue  # an fd already open: no new file is reached
            target = _resolve(path, workdir)
            if target is _none:
                raise _refuse(f"{event}: the sandbox takes a str path, not {_type(path).__name__}")
            if target in (_devices_rw if write else _devices_r):
                continue
            inside = target == workdir or _str.startswith(target, workdir + "/")
            if not inside:
                if write:
                    raise _refuse(f"{event}: writing outside the working folder ({path!r})")
                for root in denied_roots:
                    if target == root or _str.startswith(target, root + "/"):
                        raise _refuse(f"{event}: {path!r} is not readable here")
                for root in read_roots:
                    if target == root or _str.startswith(target, root + "/"):
                        break
                else:
                    raise _refuse(f"{event}: {path!r} is not readable here")
            if event != "open":
                continue
            try:
                mode_bits = _stat(target).st_mode & _ifmt
            except _oserror:
                continue  # does not exist (yet): the open itself decides
            # Device nodes and fifos are refused everywhere; outside the working folder,
            # directories too, so no dir_fd outside it can be had for os.open(dir_fd=...)
            if mode_bits != _ifreg and (not inside or mode_bits != _ifdir):
                raise _refuse(f"{event}: {path!r} is not a regular file")
        return

    if event == "import":
        name = args[0]
        if _type(name) is not _str:
            raise _refuse("import: the module name must be a str")
        if _str.partition(name, ".")[0] in _denied_modules:
            raise _refuse(f"the sandbox does not allow importing {name}")
        return

    if event == "object.__setattr__" or event == "object.__delattr__":
        # Replacing the code or defaults of this hook or its helper would disarm it
        # (libraries do set __defaults__ on their own functions: those are let be).
        # str.__str__ turns a str subclass (with its own __hash__/__eq__) into a str.
        target = args[0]
        for protected in _cfg[3]:
            if target is protected and _str.__str__(args[1]) in _function_attrs:
                raise _refuse(f"the sandbox does not allow changing {args[1]!s} here")
        return

    if event == "resource.prlimit" and args[2] is not _none:
        raise _refuse("the sandbox does not allow resource.prlimit")


def _install_hook(workdir: str, read_roots: tuple[str, ...], denied_roots: tuple[str, ...],
                  check_paths: bool = True) -> None:
    """`check_paths` False (Windows, whose paths the checks do not read): the hook
    refuses events only, not paths."""
    defaults = list(_audit.__defaults__ or ())
    defaults[0] = (workdir, read_roots, denied_roots, (_audit, _resolve), check_paths)
    _audit.__defaults__ = tuple(defaults)
    sys.addaudithook(_audit)


# --------------------------------------------------------------------------------------
# Setting up the process
# --------------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

def _set_parent_death_signal() -> None:
    # prctl is Linux's (through the jail module's handle on the C library, made once in
    # the zygote); elsewhere the parent's pipes and kill do
    if _jail is not None:
        _jail._libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


_READ_ROOTS: list[tuple[str, ...]] = []  # the zygote's, the same in all its forks


def _read_roots() -> tuple[str, ...]:
    """Where the student may read: Python's own folders and the system's libraries."""
    if not _READ_ROOTS:
        _READ_ROOTS.append(tuple(sorted(
            {os.path.realpath(p) for p in [*sys.path, sys.prefix, sys.base_prefix,
                                           sys.exec_prefix, sys.base_exec_prefix]
             if p and os.path.isdir(p)} | {"/usr/lib", "/usr/local/lib", "/usr/share"})))
    return _READ_ROOTS[0]


def _set_limits(cfg: dict[str, Any]) -> None:
    if not POSIX:
        return  # Windows: the parent's wall clock and output caps only

    def cap(which: int, value: int) -> None:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard  # never above the hard limit (only privilege could raise it)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            if PLATFORM == "linux":
                raise
            # macOS refuses some (RLIMIT_AS, say): a student's own check, on their machine

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_CPU, int(cfg["cpu_seconds"]))
    cap(resource.RLIMIT_AS, int(cfg["memory_bytes"]))
    cap(resource.RLIMIT_FSIZE, int(cfg["file_bytes"]))
    cap(resource.RLIMIT_NOFILE, int(cfg["open_files"]))
    # Counted per user (per user namespace in the jail): no fork and no thread. Outside
    # the jail it also counts the user's other processes, which only makes it stricter.
    cap(resource.RLIMIT_NPROC, 1)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # POSIX only, as this whole function


def _refused_fork_exec(*args: object) -> None:
    raise SandboxRefusal("the sandbox does not allow starting processes")


def _preload() -> None:
    """Import what libraries import at their own import time, then disarm it.

    scipy (via numpy.testing and email.utils) imports subprocess and socket: refusing
    those imports would refuse scipy. Their use stays refused by the hook's events
    (subprocess.Popen, socket.*). The one unaudited way to start a process from them,
    _posixsubprocess.fork_exec, is replaced wherever a module holds it; with the original
    freed and the module out of sys.modules, importing it again is refused.

    The zygote does this once, last thing before it serves (its forks inherit the
    disarmed state; walking every module after a fork would also copy most of the heap,
    ~9 ms); the forked child repeats it only if _posixsubprocess came back meanwhile.
    """
    if "_posixsubprocess" not in sys.modules and "subprocess" in sys.modules \
            and sys.modules["subprocess"].__dict__.get("_fork_exec") is _refused_fork_exec:
        return
    import socket  # noqa: F401
    import subprocess  # noqa: F401

    if not POSIX:
        return  # no _posixsubprocess: the hook's subprocess and _winapi events remain
    import _posixsubprocess

    # subprocess keeps its own reference (`_fork_exec`): replace every one in a module
    original = _posixsubprocess.fork_exec
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            for key, value in list(namespace.items()):
                if value is original:
                    namespace[key] = _refused_fork_exec
    del sys.modules["_posixsubprocess"], original


def _move_high(fd: int) -> int:
    if not POSIX:
        return fd  # no F_DUPFD; the student's own machine
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    top = min(soft if soft != resource.RLIM_INFINITY else 1024, 1024)
    low = max(64, top // 4)
    start = low + int.from_bytes(os.urandom(2), "big") % max(1, top - 16 - low)
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, start)
    os.close(fd)
    return new


# --------------------------------------------------------------------------------------
# Running student code
# --------------------------------------------------------------------------------------


def describe(exc: BaseException, filename: str) -> str:
    """`Type: message (solution.py, line N)` with the last line of the student's own file."""
    try:
        return _describe(exc, filename)
    except BaseException:  # an exception whose attributes are hostile
        return _type_name(exc)


def _describe(exc: BaseException, filename: str) -> str:
    name = _type_name(exc)
    try:
        text = str(exc)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    if type(text) is not str:
        text = "<unprintable>"
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
        text = exc.msg if type(exc.msg) is str else text
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    message = f"{name}: {text}" if text else name
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "..."
    if line is not None:
        message += f" ({os.path.basename(filename)}, line {line})"
    return message


def _exit_message(exc: SystemExit) -> str:
    code = exc.code
    shown = "" if code is None else repr(code) if type(code) in (int, str) else "..."
    if len(shown) > 200:
        shown = shown[:200] + "..."
    return f"the process exited (sys.exit({shown}))"


class _Channel:
    """The child's end of the protocol.

    Requests (parent to child), one JSON line each: the configuration, then
    {"seq": S, "function": NAME, "cases": [KWARGS, ...]}: call NAME once per case, in
    order, each with fresh arguments decoded from the wire. Replies (child to parent):
    "ready" (seq 0), the import (seq 1), then one per case numbered S, S+1, ..., each
    sent as soon as its case is over, after its output marker; the first reply whose
    status is not "ok" ends the batch (the later cases are not run), and a fatal one
    ends the child.
    """

    def __init__(self, req_fd: int, rep_fd: int, out_fd: int) -> None:
        self.reader = os.fdopen(req_fd, "rb")
        self.rep_fd = rep_fd
        self.out_fd = out_fd  # a private copy of the output pipe, for the markers
        self.nonce = ""

    def receive(self) -> Any:
        line = self.reader.readline()
        if not line:
            os._exit(0)  # the parent closed the pipe: the session is over
        return json.loads(line)

    def end_output(self, seq: int) -> None:
        """Mark the end of call `seq`'s output (see `output_marker`)."""
        # one write below PIPE_BUF: never torn, never interleaved with the student's
        with contextlib.suppress(OSError):
            os.write(self.out_fd, output_marker(self.nonce, seq))

    def send(self, seq: int, message: dict[str, object], value: bytes | None = None) -> None:
        """Send one reply; `value` is the reply's "value", already JSON (see `_run`)."""
        # The nonce and the sequence number make a line printed or written by the student
        # worthless: the parent accepts only the reply it waits for. A student who reads
        # the nonce out of this process's memory can forge that one reply, but it carries
        # only what their function could have returned anyway; the parent re-checks it.
        message["nonce"] = self.nonce
        message["seq"] = seq
        line = dumps(message)
        # the leading newline ends any partial line a student wrote to this fd
        if value is None:
            data = memoryview(b"\n" + line)
        else:  # the value was serialised once, to measure it: splice it in, do not redo it
            data = memoryview(b"".join((b"\n", line[:-2], b',"value":', value, b"}\n")))
        while data:
            written = os.write(self.rep_fd, data)
            data = data[written:]


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # the student may have replaced them
            stream.flush()


def _run(call: Any, filename: str) -> tuple[dict[str, object], bool, bytes | None]:
    """Run one call; the reply, whether the child must stop afterwards, and the value
    returned as JSON (None unless the reply is "ok")."""
    try:
        value = call()
    except MemoryError:
        return {"status": "error", "message": "ran out of memory"}, True, None
    except RecursionError as exc:
        return {"status": "error", "message": describe(exc, filename)}, False, None
    except SystemExit as exc:
        return {"status": "crashed", "message": _exit_message(exc)}, True, None
    except BaseException as exc:
        return {"status": "error", "message": describe(exc, filename)}, False, None
    try:
        text = json.dumps(encode(value), allow_nan=False, separators=(",", ":")).encode()
    except EncodeError as exc:
        return {"status": "error", "message": str(exc)}, False, None
    except MemoryError:
        return {"status": "error", "message": "ran out of memory"}, True, None
    except BaseException as exc:
        return {"status": "error",
                "message": f"returned a value that could not be read ({_type_name(exc)})"}, \
            False, None
    if len(text) + 1 > MAX_REPLY_BYTES:  # as one protocol line of its own
        too_large = f"returned a value too large to transport (over {MAX_REPLY_BYTES >> 20} MB)"
        return {"status": "error", "message": too_large}, False, None
    return {"status": "ok"}, False, text


def serve(channel: _Channel, module: types.ModuleType, filename: str) -> None:
    """The call loop: one request line in, one reply line out per case, until the parent
    hangs up (see `_Channel` for the protocol).

    Kept separate from the set-up so that a forking warm worker can reuse it.
    """
    while True:
        request = channel.receive()
        seq = request["seq"]
        name = request["function"]
        for case in request["cases"]:
            # decoded afresh for every case: what one call mutates, the next never sees
            kwargs = {k: decode(v) for k, v in case.items()}

            def call(name: str = name, kwargs: dict[str, object] = kwargs) -> object:
                function = getattr(module, name, None)
                if function is None:
                    raise AttributeError(
                        f"{os.path.basename(filename)} defines no function {name!r}")
                if not callable(function):
                    raise TypeError(f"{name!r} in {os.path.basename(filename)} is not a function")
                return function(**kwargs)

            reply, fatal, value = _run(call, filename)
            del call, kwargs
            _flush_std()
            channel.end_output(seq)
            if fatal:
                reply["fatal"] = True
            try:
                channel.send(seq, reply, value)
            except MemoryError:
                os._exit(3)
            del value
            if fatal:
                os._exit(0)
            if reply["status"] != "ok":
                break  # the batch ends at its first failure
            seq += 1


def _session(req_fd: int, rep_fd: int, jailed: bool = False) -> None:
    """One submission's life, from the private pipes to the last call; never returns.

    `jailed`: this process is PID 1 of the session's namespaces in the zygote's jail
    (see `grader._jail`), in its tmpfs; it locks itself down before any student code.
    """
    req_fd, rep_fd = _move_high(req_fd), _move_high(rep_fd)
    channel = _Channel(req_fd, rep_fd, _move_high(os.dup(1)))
    cfg = channel.receive()
    channel.nonce = cfg["nonce"]
    workdir = os.getcwd()
    filename = os.path.join(workdir, cfg["file"])
    # The parent read the hand-in (a regular file, never a link) and sent its bytes: the
    # only copy the student's code sees is this one, in its own folder.
    with open(filename, "xb") as f:
        f.write(base64.b64decode(cfg["source"]))
    del cfg["source"]

    _set_limits(cfg)
    if not jailed:
        # in the jail the session's process is PID 1: its parent is outside the
        # namespace (getppid() is 0), and `_jail.enter_session_jail` did this check
        parent = int(cfg["parent_pid"])
        _set_parent_death_signal()
        if os.getppid() != parent:
            os._exit(1)
    sys.setrecursionlimit(int(cfg["recursion_limit"]))
    sys.dont_write_bytecode = True
    for stream in (sys.stdout, sys.stderr):
        # line buffering: what was printed before a crash or a timeout still arrives
        stream.reconfigure(line_buffering=True, errors="backslashreplace")  # type: ignore[union-attr]
    _preload()
    if jailed:
        assert _jail is not None
        _jail.lock_down()
    if _jail is not None:  # nothing past this point calls C directly (the hook refuses ctypes)
        _jail._LIBC.clear()
    _install_hook(workdir, _read_roots(), tuple(cfg["denied_roots"]), check_paths=POSIX)
    channel.send(0, {"status": "ready", "jailed": jailed})

    def load() -> types.ModuleType:
        spec = importlib.util.spec_from_file_location("solution", filename)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["solution"] = module
        spec.loader.exec_module(module)
        return module

    holder: list[types.ModuleType] = []
    reply, fatal, _ = _run(lambda: holder.append(load()), filename)
    _flush_std()
    if fatal or reply["status"] != "ok":
        if fatal:
            reply["fatal"] = True
        channel.send(1, reply)
        os._exit(0)
    channel.send(1, {"status": "ok"})
    serve(channel, holder[0], filename)


ZYGOTE_FLAG = "--zygote"
_ZYGOTE_PACKET = 1 << 16
_JAIL: dict[str, int] = {}  # the jailed zygote's: its fd of the host's /proc
_DEAD_KEPT = 1024  # exit statuses kept for sessions that never ask for theirs


def _zygote(sock_fd: int) -> None:
    """The warm helper: numpy imported, nothing student-specific; forks one child a session.

    Started by `grader.sandbox` as `_sandbox_child.py --zygote SOCK_FD [SITE_DIR ...]` with
    the scrubbed environment, it talks to its owner (the grading process) over a private
    AF_UNIX SOCK_SEQPACKET socket, one JSON packet per request and reply:

    - {"op": "hello", "owner": PID, "pdeathsig": bool, "jail": null | {"binds": [...],
      "masks": [...]}} -> {"pid": ZYGOTE_PID,
      "jailed": bool, "jail_error": null | TEXT}: with "jail", the zygote enters the
      jail (`grader._jail.enter_zygote_jail`) before it serves; if the kernel refuses,
      it says why and exits (its state is then no longer a plain process's);
    - {"op": "spawn", "workdir": DIR | null, "env": {...}, "disk_bytes": N,
      "disk_inodes": N} with three fds (the child's ends of its request, reply and output
      pipes, made by the owner) -> {"pid": PID, "number": N}: the forked child becomes a
      fresh session child (`_become_child`), then `_session`; jailed, its folder is its
      own tmpfs (/work) of that size;
    - {"op": "reap", "pid": PID, "number": N, "grace": S, "kill_after": S}
      -> {"code": CODE | null}:
      wait up to `grace` s for the child to exit on its own (its code, as
      Popen.returncode, else null), then kill its process group and reap it;
      {"error": ...} if it does not die within `kill_after` s.

    Only the zygote kills and reaps its children, and it kills a pid only while that child
    is unreaped, so a recycled pid or process group is never hit. Children that exited are
    reaped at once (waitpid WNOHANG on every wake-up) and their status kept for the owner:
    no zombies pile up. The zygote never sees a solution, a nonce or a reply: those travel
    on the child's own pipes. It exits when the owner closes the socket or dies, and its
    children get SIGKILL from their parent-death signal when it does.
    """
    import select
    import socket

    _preload()  # imports subprocess and disarms it, once for all children (see _preload)
    _read_roots()
    # Everything so far lives as long as the zygote: keep the collector from walking it in
    # every child (its writes to each object's header would copy the whole heap)
    had_gc = "gc" in sys.modules
    import gc

    gc.collect()
    gc.freeze()
    if not had_gc:  # as in a fresh child, where nothing has imported it yet
        del sys.modules["gc"]
    sock = socket.socket(fileno=sock_fd)
    children = _Children()
    hello = json.loads(sock.recv(_ZYGOTE_PACKET) or b"null")
    if type(hello) is not dict or hello.get("op") != "hello":
        os._exit(2)
    owner = int(hello["owner"])
    if hello.get("pdeathsig") is True:  # only when the owner's main thread started us
        _set_parent_death_signal()
    if os.getppid() != owner:
        os._exit(0)
    me = os.getpid()
    jail = hello.get("jail")
    if type(jail) is dict:
        try:
            if _jail is None:
                raise OSError("the boundary needs Linux namespaces")
            proc_fd = _jail.enter_zygote_jail(list(jail["binds"]), list(jail["masks"]))
        except Exception as exc:
            sock.send(dumps({"pid": me, "jailed": False,
                             "jail_error": str(exc) or type(exc).__name__}))
            os._exit(0)
        _JAIL["proc_fd"] = proc_fd
        # a session's process whose parent was killed first comes to us, to be reaped
        _jail._libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    sock.send(dumps({"pid": me, "jailed": bool(_JAIL), "jail_error": None}))
    while True:
        children.sweep()
        readable, _, _ = select.select([sock], [], [], 1.0 if children.live else None)
        if readable:
            _zygote_request(sock, me, children)


def _zygote_request(sock: Any, me: int, children: _Children) -> None:
    """Answer one request (in a function of its own: a forked child's frames then hold
    nothing of earlier requests)."""
    import socket

    try:
        data, fds, _, _ = socket.recv_fds(sock, _ZYGOTE_PACKET, 8)
    except OSError:
        os._exit(0)
    if not data:  # the owner closed its end or died
        os._exit(0)
    reply: dict[str, object]
    try:
        request = json.loads(data)
        op = request["op"]
        if op == "spawn" and len(fds) == 3:
            reply = _fork_child(sock, me, request, (fds[0], fds[1], fds[2]), children)
            fds = []
        elif op == "reap":
            reply = children.reap(int(request["pid"]), int(request["number"]),
                                  float(request["grace"]), float(request["kill_after"]))
        else:
            reply = {"error": f"bad request {op!r}"}
    except Exception as exc:  # a bad request, or fork failing (EAGAIN, ENOMEM)
        reply = {"error": f"{type(exc).__name__}: {exc}"}
    for fd in fds:
        os.close(fd)
    sock.send(dumps(reply))


class _Children:
    """The zygote's bookkeeping: live children by pid, exit codes of the dead by session.

    Sessions are numbered, and the owner reaps by number, so a pid recycled for a later
    session can never be confused with an earlier one.
    """

    def __init__(self) -> None:
        self.live: dict[int, int] = {}  # pid -> session number
        self.session_pids: dict[int, int] = {}  # session number -> pipe giving its process
        self.dead: dict[int, int] = {}  # session number -> exit code (as Popen.returncode)
        self.count = 0

    def clear(self) -> None:
        self.live.clear()
        self.dead.clear()
        for fd in self.session_pids.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self.session_pids.clear()

    def sweep(self) -> None:
        """Reap every child that has exited, keeping its exit status for the owner (a
        session's process orphaned by its killed parent comes to the zygote, a
        subreaper: it is reaped here too)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.live.clear()
                return
            if pid == 0:
                return
            number = self.live.pop(pid, None)
            if number is not None:
                self.dead[number] = os.waitstatus_to_exitcode(status)
            while len(self.dead) > _DEAD_KEPT:
                del self.dead[next(iter(self.dead))]

    def wait_for(self, pid: int, number: int, seconds: float) -> bool:
        """Wait up to `seconds` for session `number`'s child to end; whether it did."""
        import select

        deadline = time.monotonic() + seconds
        pidfd = -1
        with contextlib.suppress(AttributeError, OSError):  # Linux 5.3+: woken at its exit
            pidfd = os.pidfd_open(pid)  # safe: an unreaped child of ours
        pause = 0.0002
        try:
            while True:
                self.sweep()
                if self.live.get(pid) != number:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if pidfd >= 0:
                    select.select([pidfd], [], [], left)
                else:
                    time.sleep(min(pause, left))
                    pause = min(pause * 2, 0.01)
        finally:
            if pidfd >= 0:
                os.close(pidfd)

    def reap(self, pid: int, number: int, grace: float, kill_after: float) -> dict[str, object]:
        if self.live.get(pid) != number and number not in self.dead:
            return {"code": None}  # not ours, or told already
        if grace > 0:
            self.wait_for(pid, number, grace)
        if number in self.dead:
            code: int | None = self.dead.pop(number)
        else:
            # Still unreaped, so neither its pid nor its process group can have been
            # recycled. Both: the child may not have reached its setsid() yet. The
            # session's process (jailed) is in the group too.
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(pid, signal.SIGKILL)
            if not self.wait_for(pid, number, kill_after):
                return {"error": f"the sandbox child {pid} does not die"}
            self.dead.pop(number, None)
            code = None
        if not self.reap_session(number, kill_after):
            return {"error": "the session's process does not die"}
        return {"code": code}

    def reap_session(self, number: int, seconds: float) -> bool:
        """After session `number`'s child is reaped: if its own child (the jailed
        session's process) outlived it, that process is ours now (we are a subreaper):
        wait for it (it was killed with the group, or by its parent-death signal).
        waitpid on a pid that is not our child touches nothing, so a recycled pid is
        never a risk."""
        fd = self.session_pids.pop(number, -1)
        if fd < 0:
            return True
        try:
            data = os.read(fd, 16)
        except OSError:
            data = b""
        finally:
            os.close(fd)
        if len(data) != 4:
            return True  # the session's process was never made
        session = int.from_bytes(data, "little")
        deadline = time.monotonic() + seconds
        while True:
            try:
                pid, _ = os.waitpid(session, os.WNOHANG)
            except ChildProcessError:
                return True  # reaped by its parent, or never ours
            if pid:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.0005)


def _fork_child(sock: Any, zygote: int, request: dict[str, Any], fds: tuple[int, int, int],
                children: _Children) -> dict[str, object]:
    workdir = request.get("workdir")
    workdir = None if _JAIL or workdir is None else str(workdir)
    env = {str(k): str(v) for k, v in request["env"].items()}
    disk = (int(request["disk_bytes"]), int(request["disk_inodes"]))
    told_r, told_w = os.pipe() if _JAIL else (-1, -1)  # the session's process's pid
    pid = os.fork()
    if pid == 0:  # the child: never return into the zygote's loop
        code = 1
        try:
            if told_r >= 0:
                os.close(told_r)
            _become_child(sock, zygote, workdir, env, fds, children, disk, told_w)
        except SystemExit as exc:  # as the interpreter would end a fresh child
            if exc.code is None or type(exc.code) is int:
                code = exc.code or 0
            else:
                with contextlib.suppress(BaseException):
                    print(exc.code, file=sys.stderr)
        except BaseException:
            with contextlib.suppress(BaseException):
                import traceback

                traceback.print_exc()
        finally:
            _flush_std()
            os._exit(code)
    children.count += 1
    children.live[pid] = children.count
    if told_r >= 0:
        os.close(told_w)
        os.set_blocking(told_r, False)
        children.session_pids[children.count] = told_r
    for fd in fds:
        os.close(fd)
    return {"pid": pid, "number": children.count}


def _become_child(sock: Any, zygote: int, workdir: str | None, env: dict[str, str],
                  fds: tuple[int, int, int], children: _Children, disk: tuple[int, int],
                  told: int = -1) -> None:
    """Turn a fork of the zygote into what `subprocess.Popen` makes of a fresh child.

    A new session, stdin on /dev/null, stdout and stderr on the output pipe, no other fd
    than the two private pipes, the session's working folder and environment, fresh random
    states. Jailed, the session's own namespaces and tmpfs first (`_jail`), and what runs
    `_session` is the fork made there, PID 1 of its namespace. Then the very same
    `_session` as a fresh interpreter runs.
    """
    os.setsid()
    _set_parent_death_signal()
    if os.getppid() != zygote:
        os._exit(1)
    sock.detach()  # its fd is closed below; the object must never close a reused number
    children.clear()  # the zygote's bookkeeping (other sessions' pids) is not this child's
    req_fd, rep_fd, out_fd = fds
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    proc_fd = _JAIL.get("proc_fd", -1)
    _close_fds_except({0, 1, 2, req_fd, rep_fd, proc_fd, told})
    _reopen_std()
    if _JAIL:
        assert _jail is not None
        # returns in the session's process; the intermediate one tells the zygote its pid
        # on `told` and waits for it
        _jail.enter_session_jail(proc_fd, *disk, (0, 1, 2, req_fd, rep_fd), told)
    elif workdir is not None:
        os.chdir(workdir)
    else:
        raise SystemExit("sandbox child: no working folder")
    os.environ.clear()
    os.environ.update(env)
    # `random` reseeds itself after a fork; numpy's global generator does not. 128 bits
    # from the OS as the seed: seed() without one costs ~90 us, this ~9 us
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed(np.frombuffer(os.urandom(16), dtype=np.uint32))
    sys.argv[1:3] = [str(req_fd), str(rep_fd)]
    _session(req_fd, rep_fd, jailed=bool(_JAIL))


def _reopen_std() -> None:
    """New sys.stdout/stderr on the output pipe, made as the interpreter makes them.

    The zygote's own were made for /dev/null (seekable, so `reconfigure` would try to
    seek the pipe); their buffers are empty, the zygote never prints.
    """
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        raw = open(fd, "wb", closefd=False)  # noqa: SIM115  (it lives as sys.stdout)
        new = io.TextIOWrapper(raw, encoding=old.encoding, errors=old.errors,
                               line_buffering=old.line_buffering)
        setattr(sys, name, new)
        setattr(sys, f"__{name}__", new)


def _close_fds_except(keep: set[int]) -> None:
    """Close every fd but `keep` (by ranges: the jail has no /proc to list them)."""
    low = 0
    for fd in sorted(k for k in keep if k >= 0):
        if fd > low:  # never an empty range: closerange(0, 0) closes every fd (3.11)
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 20)


DIRECT_FLAG = "--direct"


def _direct() -> None:
    """One session in a fresh interpreter, for systems with no zygote (macOS, Windows):
    requests on stdin, replies on stdout, and the student's output on stderr (their
    stdout is sent there too). Started with `... _sandbox_child.py --direct - [SITE_DIR
    ...]` by `subprocess.Popen`, which is all a portable parent can rely on."""
    req_fd, rep_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    _session(req_fd, rep_fd)


def main() -> None:
    if sys.argv[1] == DIRECT_FLAG:
        _direct()
    elif sys.argv[1] == ZYGOTE_FLAG:
        _zygote(int(sys.argv[2]))
    else:
        raise SystemExit("usage: _sandbox_child.py --zygote SOCK_FD | --direct - [SITE_DIR ...]")


if __name__ == "__main__":
    main()
