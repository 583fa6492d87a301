"""Writing files so that an interrupted run never leaves a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import _Located


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
