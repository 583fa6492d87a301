"""Attempts to reach outside the sandbox; every one must be refused."""

import os
import sys


def fork(marker):
    pid = os.fork()
    if pid == 0:
        open(marker, "w").close()
        os._exit(0)
    return pid


def run_subprocess(marker):
    import subprocess

    subprocess.run(["/usr/bin/touch", marker], check=False)
    return 1


def system(marker):
    return os.system(f"touch {marker}")


def posix_spawn(marker):
    return os.posix_spawn("/usr/bin/touch", ["touch", marker], {})


def execv(marker):
    os.execv("/usr/bin/touch", ["touch", marker])


def fork_exec_directly(marker):
    # subprocess.Popen's own call, without Popen's audit event (Python 3.11's signature)
    import subprocess

    errpipe_read, errpipe_write = os.pipe()
    touch = [b"/usr/bin/touch", marker.encode()]
    return subprocess._fork_exec(
        touch, [touch[0]], True, (errpipe_write,), None, None,
        -1, -1, -1, -1, -1, -1, errpipe_read, errpipe_write,
        True, False, -1, None, None, None, -1, None, False,
    )


def reimport_posixsubprocess(marker):
    import _posixsubprocess

    return str(_posixsubprocess)


def ctypes_system(marker):
    import ctypes

    return ctypes.CDLL(None).system(f"touch {marker}".encode())


def thread(marker):
    import threading

    t = threading.Thread(target=lambda: open(marker, "w").close())
    t.start()
    t.join()
    return 1


def write_outside(marker):
    with open(marker, "w") as f:
        f.write("escaped")
    return 1


def write_os_open(marker):
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT)
    os.write(fd, b"escaped")
    return 1


def write_dotdot(marker):
    depth = os.getcwd().count("/")
    with open("../" * depth + marker.lstrip("/"), "w") as f:
        f.write("escaped")
    return 1


def write_symlink(marker):
    os.symlink(marker, "link")
    with open("link", "w") as f:
        f.write("escaped")
    return 1


def write_pathlike(marker):
    class Sneaky:
        calls = 0

        def __fspath__(self):
            Sneaky.calls += 1
            return marker if Sneaky.calls == 1 else "inside.txt"

    with open(Sneaky(), "w") as f:
        f.write("escaped")
    return 1


def write_after_patching(marker):
    import builtins
    import posixpath

    saved = builtins.isinstance, builtins.type, builtins.str, os.stat
    builtins.isinstance = lambda *a: True
    builtins.type = lambda *a: str
    builtins.str = lambda *a: "inside"
    posixpath.realpath = lambda p, **k: os.getcwd() + "/x"
    os.stat = lambda *a, **k: None
    main = sys.modules["__main__"]
    for name in ("_DENIED_EVENTS", "_WRITE_PATH_EVENTS", "_DENIED_MODULES"):
        setattr(main, name, frozenset())
    main._WRITE_FLAGS = 0
    main._normalize = lambda *a: None
    try:
        with open(marker, "w") as f:
            f.write("escaped")
    finally:  # so that the sandbox's own loop can still report the refusal
        builtins.isinstance, builtins.type, builtins.str, os.stat = saved
    return 1


def write_dir_fd(marker):
    folder, name = os.path.split(marker)
    dfd = os.open(folder, os.O_RDONLY)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT, dir_fd=dfd)
    os.write(fd, b"escaped")
    return 1


def remove_outside(marker):
    os.remove(marker)
    return 1


def rmtree_outside(marker):
    import shutil

    shutil.rmtree(os.path.dirname(marker))
    return 1


def replace_hook(marker):
    hook = sys.modules["__main__"]._audit
    hook.__code__ = (lambda event, args, *rest: None).__code__
    return os.system(f"touch {marker}")


def replace_hook_defaults(marker):
    hook = sys.modules["__main__"]._audit
    hook.__defaults__ = None
    return os.system(f"touch {marker}")


def add_hook(marker):
    """A hook of one's own is silently not added: it sees nothing."""
    seen = []
    sys.addaudithook(lambda event, args: seen.append(event))
    with open("seen.txt", "w") as f:
        f.write("x")
    return len(seen)


def settrace(marker):
    sys.settrace(lambda *a: None)
    return 1


def subinterpreter(marker):
    import _xxsubinterpreters

    interp = _xxsubinterpreters.create()
    _xxsubinterpreters.run_string(interp, f"open({marker!r}, 'w').close()")
    return 1


def connect(port):
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return 1


def connect_raw(port):
    import _socket

    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    return 1


def urlopen(port):
    import urllib.request

    return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.5).status


def kill_parent():
    os.kill(os.getppid(), 0)  # signal 0 only checks: harmless if it got through
    return 1


def raise_cpu_limit():
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return 1


def read_file(path):
    with open(path) as f:
        return f.read()[:100]


def list_dir(path):
    return sorted(os.listdir(path))


def uid():
    return os.getuid()


def environment():
    return dict(os.environ)
