"""Writing files so that an interrupted run never leaves a half-written one; locks and
private files for what the grader writes."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import GraderError, _Located


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a unique temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_text(path: Path, error_cls: type[_Located], *, encoding: str = "utf-8") -> str:
    """A text file's contents, or `error_cls` naming the file and saying why not."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise error_cls("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error_cls(f"cannot read the file: {exc}", file=path) from None


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if need be, 0600) for the `with` block;
    GraderError at once if another process holds it. The lock dies with its holder, so a
    killed run never leaves it stale."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise GraderError(f"cannot lock {path}: {exc.strerror or exc}") from None
    try:
        try:
            _lock_fd(fd)
        except OSError:
            raise GraderError(f"another run is writing {what} (it holds {path}); "
                              "wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def _lock_fd(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created in the block are the user's alone (umask 077): grades,
    gradebooks and reports are nobody else's business on a shared machine."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)

