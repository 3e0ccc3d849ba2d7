"""Request content handed to the Python API as the files it reads.

The Python API reads files (a YAML tree, a table and its mapping, a case file, decisions in
JSON Lines); the service writes what a request carries into a temporary directory under the
names the client gave, calls the API, and says every problem with those names — never with
the temporary directory's path."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from remit.errors import InputError, Problem


class Uploads:
    """A temporary directory holding the request's files by their given names."""

    def __init__(self, root: Path):
        self.root = root
        self.labels: dict[str, str] = {}

    def add(self, name: str, content: bytes, shown_as: str | None = None) -> Path:
        """``content`` written as ``name`` (a relative name; folders kept, ``..`` refused);
        problems with it name it ``shown_as`` (e.g. "request body"), else ``name``."""
        path = self.root / safe_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        if shown_as is not None:
            self.labels[str(path)] = shown_as
        return path

    def shown(self, text: str) -> str:
        """``text`` with the temporary directory's paths said as the names the client gave."""
        prefix = str(self.root)
        if prefix not in text:
            return text
        for path, label in self.labels.items():
            text = text.replace(path, label)
        return text.replace(prefix + "/", "").replace(prefix, ".")

    def relocated(self, problem: Problem) -> Problem:
        params = {
            key: self.shown(value) if isinstance(value, str) else value
            for key, value in problem.params.items()
        }
        source = self.shown(problem.source) if problem.source is not None else None
        return dataclasses.replace(problem, source=source, params=params)


def safe_name(name: str) -> PurePosixPath:
    """A file name as a client gave it, made relative: no root, no ``..``, no empty parts."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", ".", "")]
    if not parts or ".." in parts:
        raise InputError.one("http.bad_file_name", name=name)
    return PurePosixPath(*parts)


@contextmanager
def uploads() -> Iterator[Uploads]:
    """A temporary directory for a request's files, removed afterwards; an
    :class:`InputError` raised inside names the files as the client named them."""
    root = Path(tempfile.mkdtemp(prefix="remit-upload-"))
    found = Uploads(root)
    try:
        yield found
    except InputError as exc:
        exc.problems[:] = [found.relocated(p) for p in exc.problems]
        raise
    finally:
        shutil.rmtree(root, ignore_errors=True)
