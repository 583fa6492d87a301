"""Reading what a student handed in: regular files only, never through a link.

A hand-in folder is the student's: any name in it may be a symbolic link (to a
classmate's file, to /etc/shadow), a FIFO that blocks whoever opens it, a device that
never ends (/dev/zero) or a file of many gigabytes. So every file is opened relative to
the folder's own descriptor, with O_NOFOLLOW (a link is refused, not followed) and
O_NONBLOCK (a FIFO does not block the open), checked with fstat to be a regular file,
and read only up to a cap checked before reading. The folder itself is opened the same
way: a submission folder that is a link is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "ANSWERS_FILE",
    "CAPS",
    "SOLUTION_FILE",
    "HandinError",
    "is_plain_folder",
    "read_file",
]

ANSWERS_FILE = "answers.yaml"
SOLUTION_FILE = "solution.py"
# Answers are short texts and a solution a few functions: larger files are not read at all
CAPS = {ANSWERS_FILE: 1 << 20, SOLUTION_FILE: 1 << 20}

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class HandinError(Exception):
    """A hand-in file that cannot be read as one: `status` is "missing" or "invalid"."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_plain_folder(path: Path) -> bool:
    """Whether `path` is a folder and not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_file(folder: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of `folder/name`; HandinError ("missing" or "invalid", with a message
    for the student) if it is absent, not a regular file, or larger than `max_bytes`."""
    if "/" in name or os.sep in name or name in ("", ".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    if os.open not in os.supports_dir_fd or os.stat not in os.supports_dir_fd:
        # Windows: no descriptor-relative opens; the same checks by path (a student's
        # own `grader check` on their own files)
        return _read_at(None, str(folder / name), max_bytes, name)
    try:
        dir_fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except FileNotFoundError:
        raise HandinError("missing", f"the hand-in folder {folder.name} is missing") from None
    except OSError as exc:
        raise HandinError("invalid", f"the hand-in folder {folder.name} cannot be read "
                                     f"({exc.strerror or exc})") from None
    try:
        return _read_at(dir_fd, name, max_bytes, name)
    finally:
        os.close(dir_fd)


def _read_at(dir_fd: int | None, path: str, max_bytes: int, name: str) -> bytes:
    try:
        info = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        raise HandinError("missing", f"{name} is missing") from None
    except OSError as exc:
        raise HandinError("invalid", f"{name} cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise HandinError("invalid", f"{name} is {_kind(info.st_mode)}, not a regular file: "
                                     "hand in the file itself")
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY,
                     dir_fd=dir_fd)
    except OSError as exc:  # replaced by a link or a FIFO since the stat, say
        raise HandinError("invalid", f"{name} cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HandinError("invalid", f"{name} is {_kind(info.st_mode)}, not a regular "
                                         "file: hand in the file itself")
        if info.st_size > max_bytes:
            raise HandinError("invalid", f"{name} is larger than {_size(max_bytes)}, so it "
                                         "was not read")
        chunks = []
        left = max_bytes + 1  # one more: a file that grew since the fstat is caught
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise HandinError("invalid", f"{name} is larger than {_size(max_bytes)}, so it "
                                         "was not read")
        return data
    except OSError as exc:
        raise HandinError("invalid", f"{name} cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KB"
    return f"{n} bytes"
