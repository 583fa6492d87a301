"""The operating system's boundary around student code, attacked with the hook off.

Every attack here comes from tests/hostile/unhooked.py, which first switches the
sandbox's audit hook off (through NumPy, as a determined student can) and then goes for
the host: secret files, the instructor's home, /proc, the network, the gradebook,
system calls, other processes, the disk. A control run without the boundary (isolation
"off") shows each attack succeeding against the hook alone; the same attacks behind the
boundary, as root and as an unprivileged user, must achieve nothing, and the host is
checked afterwards: files untouched, the gradebook unchanged, no connection, no process
left.

The unprivileged user is a uid made for the test (setpriv, no account needed), running
Debian's own Python with python3-numpy, since this machine's other Pythons live under
root's private home; as a normal user, the test runs as itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import _jail

from .conftest import unavailable

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "hostile"
DRIVER = Path(__file__).parent / "boundary_driver.py"
IS_ROOT = os.geteuid() == 0
ATTACK_UID = 64123  # not an account: setpriv runs the test's user under it
USER_PYTHON = "/usr/bin/python3"  # Debian's, readable by every user (with python3-numpy)
SECRET = f"salt: {secrets.token_hex(8)}  # the instructor's"

pytestmark = pytest.mark.skipif(_jail.unavailable_reason() is not None,
                                reason=f"no boundary here: {_jail.unavailable_reason()}")


@dataclass
class Host:
    """What the attacks go for, made by the test (owned by the attacking user)."""

    base: Path
    package: Path  # a copy of the grader and the hostile solution that the user can read
    home: Path
    bashrc: Path
    secret: Path
    gradebook: Path
    tmp_marker: Path
    shm_marker: Path

    def digest(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (self.bashrc, self.secret, self.gradebook)}


def _make_host(owner: int) -> Host:
    base = Path(tempfile.mkdtemp(prefix="grader-boundary-"))
    base.chmod(0o755)
    package = base / "package"
    shutil.copytree(ROOT / "grader", package / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "_bank"))
    shutil.copy(HOSTILE / "unhooked.py", package / "solution.py")
    shutil.copy(DRIVER, package / "driver.py")
    home = base / "home"
    home.mkdir(mode=0o700)
    bashrc = home / ".bashrc"
    bashrc.write_text("export PATH=$HOME/bin:$PATH\n")
    secret = home / "assignment.yaml"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    gradebook = home / "gradebook.sqlite"
    import sqlite3

    with sqlite3.connect(gradebook) as db:
        db.execute("CREATE TABLE attempts (student TEXT, score REAL)")
        db.execute("INSERT INTO attempts VALUES ('mallory', 1.0)")
    db.close()
    for path in [base, *base.rglob("*")]:
        os.chown(path, owner if path.is_relative_to(home) else 0, -1)
    tag = secrets.token_hex(4)
    return Host(base, package, home, bashrc, secret, gradebook,
                Path(f"/tmp/grader-boundary-{tag}"), Path(f"/dev/shm/grader-boundary-{tag}"))


def _run(host: Host, identity: str, isolation: str, plan: list[Any]) -> dict[str, Any]:
    if identity == "user" and IS_ROOT:
        command = ["setpriv", f"--reuid={ATTACK_UID}", f"--regid={ATTACK_UID}",
                   "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                   USER_PYTHON, str(host.package / "driver.py")]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(host.home), "LANG": "C.UTF-8",
               "PYTHONPATH": str(host.package)}
    else:
        command = [sys.executable, str(DRIVER)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command += [str(host.package / "solution.py"), isolation, json.dumps(plan)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=host.base,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    report["results"] = {}
    for (function, kwargs), (_, status, value, message) in zip(plan, report["calls"],
                                                               strict=True):
        key = function + ("" if not kwargs else f" {next(iter(kwargs.values()))}")
        assert status == "ok", (key, status, message)
        report["results"][key] = value
    return report


def _plan(host: Host, port: int) -> list[Any]:
    """The attacks that are safe to run without the boundary too (they only touch what
    the test made)."""
    return [
        ["hook_is_off", {}],
        ["read", {"path": str(host.secret)}],
        ["listdir", {"path": str(host.home)}],
        ["write", {"path": str(host.bashrc)}],
        ["write", {"path": str(host.tmp_marker)}],
        ["write", {"path": str(host.shm_marker)}],
        ["connect", {"port": port}],
        ["sqlite_attach", {"path": str(host.gradebook)}],
    ]


def _jail_plan(host: Host, port: int) -> list[Any]:
    """... and those that only the boundary makes safe to run at all."""
    return [
        *_plan(host, port),
        ["read", {"path": "/etc/passwd"}],
        ["read", {"path": "/etc/shadow"}],
        ["listdir", {"path": "/proc"}],
        ["listdir", {"path": "/root"}],
        ["listdir", {"path": "/home"}],
        ["listdir", {"path": "/tmp"}],
        ["listdir", {"path": "/dev/shm"}],
        ["listdir", {"path": str(ROOT)}],
        ["syscalls", {}],
        ["capabilities", {}],
        ["kill_everyone", {}],
        ["raise_limits", {}],
        ["fill_disk", {}],
        ["nest", {"depth": 3000}],
        ["ids", {}],
    ]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


def _no_connection(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0.2)
    return readable == []


IDENTITIES = ["root", "user"] if IS_ROOT else ["user"]


@pytest.fixture(params=IDENTITIES)
def identity(request: pytest.FixtureRequest) -> str:
    if request.param == "user" and IS_ROOT:
        check = subprocess.run([USER_PYTHON, "-c", "import numpy"], capture_output=True,
                               check=False)
        if check.returncode != 0:  # .ci/run installs it: in CI its absence is a failure
            unavailable(f"{USER_PYTHON} with numpy is needed to attack as an unprivileged "
                        "user (apt-get install -y python3-numpy)")
    return str(request.param)


@pytest.fixture
def host(identity: str) -> Iterator[Host]:
    made = _make_host(ATTACK_UID if identity == "user" and IS_ROOT else os.getuid())
    try:
        yield made
    finally:
        for marker in (made.tmp_marker, made.shm_marker):
            marker.unlink(missing_ok=True)
        shutil.rmtree(made.base, ignore_errors=True)


def test_without_the_boundary_the_hook_alone_is_undone(host: Host, identity: str,
                                                       listener: socket.socket) -> None:
    """The control: the hook is switched off, and every attack of the plan works. This
    is what today's grading gave a student; the tests below show it is gone."""
    port = listener.getsockname()[1]
    report = _run(host, identity, "off", _plan(host, port))
    got = report["results"]
    assert report["jailed"] is False
    assert got["hook_is_off"] is True
    assert SECRET in got[f"read {host.secret}"]
    assert ".bashrc" in got[f"listdir {host.home}"]
    assert got[f"write {host.bashrc}"] == "written" and "pwned" in host.bashrc.read_text()
    assert got[f"write {host.tmp_marker}"] == "written" and host.tmp_marker.exists()
    assert got[f"sqlite_attach {host.gradebook}"] == "attached"
    assert got[f"connect {port}"] == "connected"


def test_behind_the_boundary_nothing_of_the_host_is_reached(
        host: Host, identity: str, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    before = host.digest()
    started = time.time()
    report = _run(host, identity, "required", _jail_plan(host, port))
    got = report["results"]
    assert report["jailed"] is True and report["import_error"] is None
    assert got["hook_is_off"] is True  # the interpreter's own defence is gone ...
    # ... and no path of the host exists for the student's code
    for key in (f"read {host.secret}", "read /etc/passwd", "read /etc/shadow"):
        assert got[key].startswith("FileNotFoundError"), (key, got[key])
    for key in (f"listdir {host.home}", "listdir /proc", "listdir /home", "listdir /tmp",
                "listdir /dev/shm", f"listdir {ROOT}"):
        assert got[key] == "FileNotFoundError: No such file or directory", (key, got[key])
    root_home = got["listdir /root"]  # at most the runtime's own folders (root's pyenv)
    assert root_home == "FileNotFoundError: No such file or directory" or \
        set(root_home) <= {".pyenv"}, root_home
    for key in (f"write {host.bashrc}", f"write {host.tmp_marker}", f"write {host.shm_marker}"):
        assert got[key].startswith("FileNotFoundError"), (key, got[key])
    assert got[f"sqlite_attach {host.gradebook}"].startswith("OperationalError: unable to open")
    assert got[f"connect {port}"].startswith("PermissionError")  # seccomp: no socket at all
    # what the kernel says to each system call a student function never needs
    assert got["syscalls"] == {name: "ENOSYS" if name == "clone3" else "EPERM"
                               for name in got["syscalls"]}, got["syscalls"]
    assert got["capabilities"] == [0] * 6
    assert got["kill_everyone"].startswith("ProcessLookupError")  # nobody else to see
    assert got["raise_limits"].startswith("ValueError")
    assert got["fill_disk"] <= 16 << 20  # the working folder's tmpfs is full at 16 MB
    assert got["nest 3000"] < 1024  # ... and holds at most 1,024 files and folders
    _, _, pid, ppid = got["ids"]
    assert (pid, ppid) == (1, 0)  # PID 1 of its own namespace, its parent not even visible
    # the host afterwards
    assert host.digest() == before
    assert "pwned" not in host.bashrc.read_text()
    assert not host.tmp_marker.exists() and not host.shm_marker.exists()
    assert _no_connection(listener)
    for pid_ in (report["child"], report["zygote"]):
        assert pid_ is None or not Path(f"/proc/{pid_}").exists()
    if identity == "user" and IS_ROOT:
        left = subprocess.run(["pgrep", "-u", str(ATTACK_UID)], capture_output=True,
                              text=True, check=False)
        assert left.stdout == ""  # no process of the user left
        assert not [p for p in Path("/tmp").iterdir()
                    if p.lstat().st_uid == ATTACK_UID and p.lstat().st_mtime >= started]


def test_a_runtime_under_tmp_is_shown_in_the_jail(tmp_path: Path) -> None:
    """The jail's new root is mounted over /tmp (in its own mount namespace): a Python
    whose packages live under /tmp (a virtualenv there) must still be reachable."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    script = ("from grader.sandbox import Sandbox\n"
              "with Sandbox(b'import numpy as np\\ndef f(x):\\n    return float(np.sum(x))\\n')"
              " as box:\n"
              "    print(box.jailed, box.call('f', {'x': [1, 2]}).value)\n")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", script], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "3.0"]
