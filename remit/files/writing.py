"""Writing a file the user named (``-o``, ``--rejects``, an export): all of it or nothing.

What is written goes to a temporary file in the same directory, which replaces the file named
only once complete; any failure (a full disk, an error half-way) removes it and leaves the file
named as it was. A file that is not a regular file (``/dev/stdout``, a named pipe) is written
directly. A name that is a directory, in a directory that does not exist, or that cannot be
written is refused with :class:`InputError` (exit 2), the file and the reason named.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal, cast, overload

from remit.errors import InputError


def check_writable(path: Path) -> None:
    """Refuse ``path`` as a file to write: a directory, or in a directory that does not exist,
    or a name the system refuses (too long, a symlink loop)."""
    try:
        if path.is_dir():
            raise InputError.one("file.is_directory", source=str(path))
        if not path.parent.is_dir():
            raise InputError.one("file.no_directory", source=str(path), directory=str(path.parent))
    except OSError as exc:
        raise cannot_write(path, exc) from None


def cannot_write(path: Path, exc: OSError) -> InputError:
    """The error of an operating system's refusal to write ``path``."""
    return InputError.one(
        "file.cannot_write", source=str(path), detail=exc.strerror or type(exc).__name__
    )


def _special(path: Path) -> bool:
    """Is ``path`` an existing file that is not a regular one (a device, a pipe)?"""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


class _Guarded:
    """A file being written, whose failures to write name it (as :class:`InputError`): an
    error of the writer's own (reading its input, say) passes through as it is."""

    def __init__(self, handle: IO[Any], path: Path):
        self._handle, self._path = handle, path

    def write(self, data: Any) -> int:
        try:
            return self._handle.write(data)
        except BrokenPipeError:  # output piped into `head`: not this file's fault
            raise
        except OSError as exc:
            raise cannot_write(self._path, exc) from None

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


@overload
def output_file(
    path: Path, mode: Literal["w"] = "w", *, encoding: str = "utf-8", newline: str | None = None
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def output_file(
    path: Path, mode: Literal["wb"], *, encoding: None = None, newline: None = None
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def output_file(
    path: Path,
    mode: Literal["w", "wb"] = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
) -> contextlib.AbstractContextManager[IO[Any]]:
    """A context manager handing out a file to write ``path`` through (see the module); on
    leaving it, the file named is replaced, unless an error left it, when nothing is."""
    return _output_file(Path(path), mode, encoding if mode == "w" else None, newline)


@contextlib.contextmanager
def _output_file(
    path: Path, mode: str, encoding: str | None, newline: str | None
) -> Iterator[IO[Any]]:
    check_writable(path)
    if _special(path):
        try:
            with path.open(mode, encoding=encoding, newline=newline) as handle:
                yield cast(IO[Any], _Guarded(handle, path))
        except BrokenPipeError:
            raise
        except OSError as exc:  # opening or closing (a buffered write fails only then)
            raise cannot_write(path, exc) from None
        return
    # the name cut so that the temporary one is not too long where the name given is not
    tmp = path.with_name(f".{path.name[:100]}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        try:
            # os.open applies the umask, as an ordinary open would (tempfile would make it 0600)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        with handle:
            yield cast(IO[Any], _Guarded(handle, path))
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise cannot_write(path, exc) from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path``, all of it or nothing."""
    with output_file(path, encoding=encoding) as handle:
        handle.write(text)


def write_with(path: Path, save: Callable[[IO[bytes]], object]) -> Path:
    """Write ``path`` by ``save(handle)`` (a workbook's ``save``), all of it or nothing. (It
    is saved in memory first: a workbook saved half-way leaves a zip file that fails again
    when collected.)"""
    buffer = io.BytesIO()
    save(buffer)
    with output_file(path, "wb") as handle:
        handle.write(buffer.getvalue())
    return path
