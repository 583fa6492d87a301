# A hostile solution that first switches the sandbox's audit hook off, as a determined
# student can: NumPy reads and writes any address through __array_interface__, so the
# hook function's code pointer is swapped for a function that allows everything. Every
# attack below then runs with the interpreter's own defences gone: only the operating
# system's boundary is left. Each returns what it achieved, for the tests to judge.
import errno
import os
import sys

import numpy as np


def _allow_everything(event, args, *rest, **more):
    return None


class _Memory:
    def __init__(self, address, words):
        self.__array_interface__ = {"data": (address, False), "shape": (words,),
                                    "typestr": "<u8", "version": 3}


def _unhook():
    main = sys.modules.get("__main__")
    hook = getattr(main, "_audit", None)
    if hook is None:
        return "no hook found"
    words = np.asarray(_Memory(id(hook), 16))  # the function object, as 8-byte words
    where = np.nonzero(words == id(hook.__code__))[0]
    if len(where) != 1:
        return "code pointer not found"
    words[where[0]] = id(_allow_everything.__code__)  # kept alive by the function
    return "off"


UNHOOK = _unhook()


def hook_is_off():
    here = os.getcwd()
    try:
        os.chdir("/")  # refused by the hook whenever it is on
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    os.chdir(here)
    return UNHOOK == "off"


def _error(exc):
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read(200).decode("utf-8", "replace")
    except Exception as exc:
        return _error(exc)


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except Exception as exc:
        return _error(exc)


def write(path):
    try:
        with open(path, "a") as f:
            f.write("pwned\n")
        return "written"
    except Exception as exc:
        return _error(exc)


def connect(port):
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return "connected"
    except Exception as exc:
        return _error(exc)


def _libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def syscalls():
    """Each call a student function never needs, straight to the kernel: the result
    is 'allowed' or the errno's name."""
    ctypes, libc = _libc()
    nr = {"x86_64": {"ptrace": 101, "mount": 165, "unshare": 272, "setns": 308,
                     "keyctl": 250, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
                     "process_vm_readv": 310, "open_by_handle_at": 304, "chroot": 161,
                     "pivot_root": 155, "kexec_load": 246, "init_module": 175,
                     "io_uring_setup": 425, "socket": 41, "clone": 56, "execve": 59},
          "aarch64": {"ptrace": 117, "mount": 40, "unshare": 97, "setns": 268,
                      "keyctl": 219, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
                      "process_vm_readv": 270, "open_by_handle_at": 265, "chroot": 51,
                      "pivot_root": 41, "kexec_load": 104, "init_module": 105,
                      "io_uring_setup": 425, "socket": 198, "clone": 220, "execve": 221}}
    import platform

    table = nr[platform.machine()]
    args = {"ptrace": (16, 1, 0, 0),  # PTRACE_ATTACH to pid 1
            "mount": (b"none", b"/work", b"tmpfs", 0, 0), "unshare": (0x10000000,),
            "setns": (0, 0), "keyctl": (0, 0), "bpf": (0, 0, 0),
            "perf_event_open": (0, 0, -1, -1, 0),
            "userfaultfd": (0,), "process_vm_readv": (1, 0, 0, 0, 0, 0),
            "open_by_handle_at": (-1, 0, 0), "chroot": (b"/",),
            "pivot_root": (b"/", b"/"), "kexec_load": (0, 0, 0, 0), "init_module": (0, 0, b""),
            "io_uring_setup": (1, 0), "socket": (2, 1, 0),
            "clone": (0x11, 0, 0, 0, 0),  # SIGCHLD: a fork
            "execve": (b"/bin/sh", 0, 0)}
    out = {}
    for name, number in table.items():
        ctypes.set_errno(0)
        result = libc.syscall(number, *args[name])
        if result == 0 and name == "clone":
            os._exit(0)  # the copy: never return into the caller
        code = ctypes.get_errno()
        out[name] = "allowed" if result >= 0 else errno.errorcode.get(code, str(code))
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        out["os.fork"] = "allowed"
    except OSError as exc:
        out["os.fork"] = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return out


def capabilities():
    """The effective, permitted and inheritable capability sets (two 32-bit words each)."""
    ctypes, libc = _libc()
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    libc.capget(header, data)
    return list(data)


def kill_everyone():
    import signal

    try:
        os.kill(-1, signal.SIGKILL)  # every process this one may signal
        return "sent"
    except Exception as exc:
        return _error(exc)


def sqlite_attach(path):
    import sqlite3

    try:
        db = sqlite3.connect(":memory:")
        db.execute("ATTACH DATABASE ? AS book", (path,))
        db.execute("CREATE TABLE book.planted (x)")
        db.commit()
        return "attached"
    except Exception as exc:
        return _error(exc)


def fill_disk():
    """Write 1 MB files until something says no; how many bytes went in."""
    total = 0
    block = b"x" * (1 << 20)
    try:
        for i in range(4096):
            with open(f"fill{i}", "wb") as f:
                f.write(block)
            total += len(block)
    except OSError:
        pass
    return total


def nest(depth):
    """Make `depth` nested folders in the working folder; how deep it got."""
    here = os.getcwd()
    made = 0
    try:
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
            made += 1
    except OSError:
        pass
    finally:
        os.chdir(here)
    return made


def raise_limits():
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        return "raised"
    except Exception as exc:
        return _error(exc)


def ids():
    return [os.getuid(), os.geteuid(), os.getpid(), os.getppid()]


def sleepy(x):
    import time

    time.sleep(1.0)
    return x
