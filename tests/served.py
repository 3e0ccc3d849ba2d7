"""``remit serve`` as a real server: a subprocess listening on a free loopback port, for the
end-to-end and concurrency tests and for bench/serve.py (which imports this module).

The registry URL (a PostgreSQL one may carry ``options=-csearch_path%3D<schema>``) is passed
with ``--db``; the command hands it on to its worker processes (``REMIT_DB``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

PG_BASE = os.environ.get("REMIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def pg_schema(base: str = PG_BASE, prefix: str = "remit_test") -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_command(url: str, port: int, workers: int, extra: Sequence[str] = ()) -> list[str]:
    """``remit serve`` in this interpreter, on the source tree this module is in."""
    run = "import sys; from remit.cli import main; sys.exit(main())"
    return [
        *(sys.executable, "-c", run, "serve", "--db", url),
        *("--workers", str(workers), "--host", "127.0.0.1", "--port", str(port)),
        *("--log-level", "warning", *extra),
    ]


def serve_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REMIT_DB"}
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    return {**env, "REMIT_ARGON2_FAST": "1", **extra}


@dataclass
class Served:
    """A running ``remit serve``: its base URL, its process, where its stderr goes."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def sockets_by_worker(self, state: str = "01") -> dict[int, set[str]]:
        """Linux: the worker processes holding TCP sockets on the port in ``state`` (as
        /proc/net/tcp writes it: 01 established, 0A listening), and those sockets' inodes."""
        on_port = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == self.port and fields[3] == state:
                    on_port.add(fields[9])
        held = {pid: _sockets(pid) & on_port for pid in children(self.process.pid)}
        return {pid: inodes for pid, inodes in held.items() if inodes}


def _sockets(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds."""
    found = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone
        return found
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


@contextmanager
def served(
    url: str,
    workers: int = 2,
    extra: Sequence[str] = (),
    ready_within: float = 60.0,
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    """``remit serve --db url --workers N`` on a free port, once it answers ``GET
    /openapi.json`` (polled until ``ready_within`` seconds); stopped at the end (SIGTERM, then
    SIGKILL after 15 s). Its stderr is printed at the end (pytest shows it when a test fails)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="remit-serve-") as tmp:
        log = Path(tmp) / "stderr.log"
        with log.open("wb") as err:
            process = subprocess.Popen(
                serve_command(url, port, workers, extra),
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env or serve_env(),
                start_new_session=True,
            )
        running = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_ready(running, ready_within)
            yield running
        finally:
            _stop(process)
            text = running.stderr()
            if text.strip():
                print(f"--- remit serve stderr ---\n{text}", file=sys.stderr)


def _wait_ready(running: Served, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        if running.process.poll() is not None:
            raise RuntimeError(
                f"remit serve exited with {running.process.returncode} before answering:\n"
                + running.stderr()
            )
        try:
            if httpx.get(f"{running.base}/openapi.json", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"remit serve did not answer within {within:.0f} s:\n" + running.stderr()
            )
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
