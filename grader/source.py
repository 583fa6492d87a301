"""Where a course's machines install the grader from: a Classroom workflow, a Gradescope
autograder. The source is chosen and checked when the instructor writes them, never left
as a placeholder that fails on the first student's push.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import DISTRIBUTION, __version__
from .errors import SourceError


@dataclass(frozen=True)
class Source:
    """Where the workflow's `pip install` takes the grader from.

    `requirement` is what pip is asked for; `file`, when set, is a wheel or source
    archive to ship with the template or autograder (`requirement` is then its name), so
    that it installs the very grader the instructor tested.
    """

    requirement: str
    file: Path | None = None

    def install(self, dist_dir: str) -> str:
        """What to pass to pip, from the folder holding `dist_dir` with the file in it."""
        return self.requirement if self.file is None else f"./{dist_dir}/{self.file.name}"


def published_source() -> Source:
    """This grader's own version of the published distribution."""
    return Source(f"{DISTRIBUTION}=={__version__}")


def _pip_download(requirement: str) -> list[str]:
    """Ask pip to fetch `requirement` alone (no dependencies); the names it saved."""
    with tempfile.TemporaryDirectory(prefix="grader-source-") as tmp:
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                 "--disable-pip-version-check", "--no-input", "--dest", tmp, requirement],
                capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceError(f"cannot run pip to check {requirement!r}: {exc}") from None
        if run.returncode != 0:
            lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("ERROR")] or lines[-1:]
            raise SourceError(f"pip cannot install {requirement!r}"
                                 + (f" ({errors[0]})" if errors else ""))
        return sorted(p.name for p in Path(tmp).iterdir())


def _is_distribution(filename: str) -> bool:
    # Wheel and sdist names are the distribution's name, "-", then the version.
    return re.match(rf"{DISTRIBUTION}[-_]\d", filename, re.IGNORECASE) is not None


def _archive_names(path: Path) -> list[str]:
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return archive.namelist()
        with tarfile.open(path) as archive:
            return archive.getnames()
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise SourceError(f"{path}: not a readable wheel or source archive ({exc})") from None


def choose_source(text: str | None, *,
                  download: Callable[[str], list[str]] | None = None) -> Source:
    """The install source for a template, checked now rather than on students' pushes.

    None means this grader's version of the published distribution; otherwise `text` is
    a wheel or source archive on this machine (copied into the template), or anything
    pip installs from a URL or the index (`probgrader==0.1.0`,
    `git+https://github.com/you/grader@v0.1.0`). Whatever pip would fetch is fetched
    once here, and must be this distribution.
    """
    if text is None:
        source = published_source()
    else:
        text = text.strip()
        path = Path(text).expanduser()
        looks_local = "://" not in text and (
            path.exists() or "/" in text or text.endswith((".whl", ".tar.gz", ".zip")))
        if looks_local:
            return _local_source(path)
        if not text:
            raise SourceError("--pip-source is empty")
        source = Source(text)
    try:
        names = (download or _pip_download)(source.requirement)
    except SourceError as exc:
        hint = ("; pass --pip-source with a wheel of the grader you use "
                "(python -m pip wheel --no-deps -w dist .) or a URL pip installs it from"
                if text is None else "")
        raise SourceError(f"{exc}{hint}") from None
    if not any(_is_distribution(name) for name in names):
        raise SourceError(f"{source.requirement!r} installs {', '.join(names) or 'nothing'},"
                             f" not the {DISTRIBUTION} distribution")
    return source


def _local_source(path: Path) -> Source:
    if path.is_dir():
        raise SourceError(f"{path} is a folder: build a wheel from it first "
                             f"(python -m pip wheel --no-deps -w dist {path}) and pass the "
                             ".whl file")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if not _is_distribution(path.name):
        raise SourceError(f"{path.name} is not a wheel or source archive of {DISTRIBUTION}")
    if not any(n.endswith("grader/__init__.py") for n in _archive_names(path)):
        raise SourceError(f"{path.name} holds no grader package")
    return Source(path.name, file=path.resolve())
