"""Two writers at once (issue 11, "Races"): two real processes write to one registry at the same
moment, 20 rounds per pair, on SQLite and on PostgreSQL.

Each round starts from one base registry as it was built (SQLite: the file copied; PostgreSQL,
in a schema of its own as in conftest.py: the rows of every later revision deleted). Both processes plan their change on the same revision, then
meet at a barrier just before their write transaction opens, so every round is the worst case:
two writes planned on one revision, committed at once. Of the two, exactly one must win (its
change written as one revision) and the other must be refused cleanly (an InputError saying the
registry was "changed by someone else", or the request "already approved") — never an internal
error, a lost update or a published version rewritten; and the registry must be consistent
afterwards (:func:`consistency`).

A few rounds run the real command line in two processes started by one go-signal, and one test
without any timing: planned on revision N, another write lands, then the commit is refused.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, select

from remit import InputError, Registry
from remit.admission import load_request
from remit.hashing import content_hash
from remit.registry import fields, store
from remit.registry.entities import VersionStatus
from remit.registry.models import metadata, revisions, versions
from remit.registry.state import VersionChange
from tests.conftest import PG_BASE
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    APPROVER,
    OTHER_APPROVER,
    REQUEST_ID,
    ROOT,
    SAMPLE,
    SUBMITTER,
    admission_gate,
    sqlite_path,
)

ROUNDS = 20
FREE_ROUNDS = 5
CLI_ROUNDS = 3
CTX = multiprocessing.get_context("fork")
TABLE = ROOT / "data" / "tables" / "hp-qz-scj-2027.csv"
MAPPING = ROOT / "data" / "tables" / "scj-mapping.yaml"
LIST = "HP-QZ-SCJ"
NEW_LIST = "HP-QZ-NEW"
FIRST_DAY, SECOND_DAY = dt.date(2027, 1, 1), dt.date(2027, 2, 1)
LOSER_SAYS = ("changed by someone else", "already approved")
NO_DRAFT = ("has no draft version to publish",)  # a second publish after the first
WAIT = 120  # seconds a round may take at most: a hang fails the test instead of stopping it


# --- what a process does ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "refused" (InputError: exit 2), "other" (any other exception: exit 1)
    text: str = ""


Op = Callable[[Registry], object]


def _synchronised(barrier: Any) -> None:
    """Make every write transaction of this process wait for the other process's first."""
    original = store.transaction

    @contextmanager
    def transaction(*args: Any, **kwargs: Any) -> Iterator[store.Writer]:
        with suppress(threading.BrokenBarrierError):  # the other one stopped before writing
            barrier.wait(timeout=WAIT)
        with original(*args, **kwargs) as writer:
            yield writer

    store.transaction = transaction  # type: ignore[assignment]


def _process(url: str, op: Op, barrier: Any, queue: Any, index: int, planned: bool) -> None:
    outcome = Outcome("other", "no outcome")
    try:
        if planned:
            _synchronised(barrier)
        with Registry(url) as registry:
            if not planned:  # both start at once, each at its own pace
                barrier.wait(timeout=WAIT)
            op(registry)
        outcome = Outcome("ok")
    except InputError as exc:
        outcome = Outcome("refused", exc.render("en"))
    except BaseException as exc:  # what a user would see as "internal error"
        outcome = Outcome("other", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    finally:
        barrier.abort()  # the other process never waits for one that is done
        queue.put((index, outcome))


def race(url: str, first: Op, second: Op, planned: bool = True) -> tuple[Outcome, Outcome]:
    """Run ``first`` and ``second`` in two processes at once on the registry at ``url``: with
    ``planned``, both plan, then both write at once; else both start at once."""
    barrier, queue = CTX.Barrier(2), CTX.Queue()
    processes = [
        CTX.Process(target=_process, args=(url, op, barrier, queue, i, planned))
        for i, op in enumerate((first, second))
    ]
    for p in processes:
        p.start()
    found = dict(queue.get(timeout=WAIT) for _ in processes)
    for p in processes:
        p.join(timeout=WAIT)
        assert p.exitcode == 0, f"process {p.pid} ended with {p.exitcode}"
    return found[0], found[1]


# --- the operations raced --------------------------------------------------------------------


def publish(day: dt.date, by: str) -> Op:
    return lambda r: r.publish(LIST, day, by=by, note=f"published by {by}")


def import_table(table: Path, by: str) -> Op:
    return lambda r: r.import_table(table, LIST, MAPPING, by=by, note=f"imported by {by}")


def import_yaml(path: Path, by: str) -> Op:
    return lambda r: r.import_files([path], by=by)


def approve(by: str) -> Op:
    def op(registry: Registry) -> object:
        return admission_gate(registry, ADMISSION_CONFIG).approve(REQUEST_ID, by=by)

    return op


# --- base registries and their copies --------------------------------------------------------


class Bases:
    """Base registries, built once, and a fresh one for each round: on SQLite a copy of the
    file; on PostgreSQL the base itself, with every revision after the base's taken away (the
    test does what remit never does: it deletes rows)."""

    def __init__(self, kind: str, tmp: Path, pg_dsn: str | None):
        self.kind, self.tmp, self.pg_dsn = kind, tmp, pg_dsn
        self.made: list[str] = []  # PostgreSQL schemas to drop
        self.heads: dict[str, int] = {}  # base → its last revision

    def _pg_url(self, schema: str) -> str:
        sep = "&" if "?" in PG_BASE else "?"
        return f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"

    def _pg(self, sql: str) -> None:
        import psycopg

        assert self.pg_dsn is not None
        with psycopg.connect(self.pg_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def build(self, name: str, setup: Callable[[Registry], None]) -> str:
        """A base registry: the sample district, then ``setup``; its URL."""
        if self.kind == "sqlite":
            url = f"sqlite:///{self.tmp / (name + '.db')}"
        else:
            db = f"remit_race_{uuid.uuid4().hex[:10]}"
            self._pg(f'CREATE SCHEMA "{db}"')
            self.made.append(db)
            url = self._pg_url(db)
        with Registry.create(url) as registry:
            registry.import_files([SAMPLE], by="setup")
            setup(registry)
            self.heads[url] = registry.revision()
        return url

    def copy(self, base: str) -> str:
        """The registry at ``base`` as it was built, for one round."""
        if self.kind == "sqlite":
            target = self.tmp / f"round-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(sqlite_path(base), target)
            return f"sqlite:///{target}"
        head = self.heads[base]
        engine = create_engine(base)
        with engine.begin() as c:
            later = select(versions.c.pk).where(versions.c.revision > head)
            for table in reversed(metadata.sorted_tables):
                if "version_pk" in table.c:
                    c.execute(delete(table).where(table.c.version_pk.in_(later)))
                elif "revision" in table.c:
                    c.execute(delete(table).where(table.c.revision > head))
            c.execute(delete(revisions).where(revisions.c.number > head))
        engine.dispose()
        return base

    def drop(self, url: str) -> None:
        if self.kind == "sqlite":
            sqlite_path(url).unlink()

    def close(self) -> None:
        for db in list(self.made):
            self._pg(f'DROP SCHEMA IF EXISTS "{db}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def bases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bases]:
    dsn = None
    if request.param == "postgresql":
        reason = request.getfixturevalue("pg_reason")
        if reason is not None:
            if os.environ.get("REMIT_REQUIRE_PG") == "1":
                pytest.fail(f"REMIT_REQUIRE_PG=1 but PostgreSQL is not reachable: {reason}")
            pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {reason}")
        dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://")
    found = Bases(request.param, tmp_path, dsn)
    yield found
    found.close()


def with_draft(registry: Registry) -> None:
    """The sample district with a draft of HP-QZ-SCJ (v2, from the office's table)."""
    registry.import_table(TABLE, LIST, MAPPING, by="setup")


def submitted(registry: Registry) -> None:
    """The sample district with the sample request submitted."""
    gate = admission_gate(registry, ADMISSION_CONFIG)
    gate.submit(load_request(ADMITTED), by=SUBMITTER)


def shorter_table(tmp: Path) -> Path:
    """The office's table without its last row: other rows, so another draft."""
    lines = TABLE.read_bytes().splitlines(keepends=True)
    target = tmp / "shorter.csv"
    target.write_bytes(b"".join(lines[:-1]))
    return target


def new_list(tmp: Path, who: str) -> Path:
    """A file of a new list (HP-QZ-NEW, its first version a draft), its note saying ``who``."""
    text = (SAMPLE / "lists" / "departments" / "xiaofang.yaml").read_text(encoding="utf-8")
    text = text.replace("id: HP-QZ-XF", f"id: {NEW_LIST}")
    text = text.replace("name: 黄浦区消防救援支队权责清单", "name: 黄浦区新清单")
    text = text.replace("status: published", "status: draft")
    text = text.replace("note: 消防设施", f"note: {who}：消防设施")
    target = tmp / f"new-{who}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


# --- what must hold after every round --------------------------------------------------------


def consistency(url: str) -> list[str]:
    """What is wrong with the registry at ``url``: `verify`'s mismatches; a version published
    twice in the log; a published version whose rows do not hash to its publish entry's hash
    (at that revision or now); a published version made a draft again, or written by an import
    after its publication."""
    problems: list[str] = []
    with Registry(url) as registry:
        report = registry.verify()
        problems += [f"verify: {m.key} {m.params}" for m in report.problems]
        published: dict[tuple[str, int], int] = {}
        for entry in registry.log():
            if entry.list_id is None or entry.version is None:
                continue
            key = (entry.list_id, entry.version)
            if entry.action == "publish":
                if key in published:
                    problems.append(f"{key} has two publish entries")
                published[key] = entry.revision
                for known_at in (entry.revision, None):
                    rows = registry.version(*key, known_at=known_at).duties
                    computed = content_hash([fields.content(d) for d in rows])
                    if computed != entry.details.get("content_hash"):
                        problems.append(
                            f"{key} at {known_at}: rows hash {computed}, log says"
                            f" {entry.details.get('content_hash')}"
                        )
            elif entry.action.startswith("import") and key in published:
                problems.append(f"{key} written by {entry.action} after it was published")
        for key in published:
            status = registry.version(*key).status
            if status is VersionStatus.draft:
                problems.append(f"{key} was published and is a draft now")
    return problems


@dataclass
class Tally:
    """What the rounds of one pair gave."""

    rounds: int = 0
    wins: int = 0
    refusals: int = 0
    internal: int = 0
    inconsistent: int = 0
    unexpected: list[str] | None = None

    def add(
        self,
        outcomes: tuple[Outcome, Outcome],
        problems: list[str],
        writes: int,
        serial: tuple[str, ...] | None = None,
        both_may_win: bool = False,
    ) -> None:
        """One round: one winner, a clean refusal, one revision written. ``serial`` (a round
        whose two started at once, each at its own pace): one may also have finished before
        the other planned; then the second may be refused for what the first did (one of
        ``serial``'s phrases), or, ``both_may_win``, both win, one after the other."""
        self.rounds += 1
        kinds = Counter(o.kind for o in outcomes)
        self.wins += kinds["ok"]
        self.refusals += kinds["refused"]
        self.internal += kinds["other"]
        self.inconsistent += bool(problems)
        wrong = list(problems)
        both = serial is not None and both_may_win and kinds["ok"] == 2
        if not both and (kinds["ok"] != 1 or kinds["refused"] != 1):
            wrong += [f"{o.kind}: {o.text}" for o in outcomes]
        for loser in (o for o in outcomes if o.kind == "refused"):
            if not any(says in loser.text for says in LOSER_SAYS + (serial or ())):
                wrong.append(f"loser says: {loser.text}")
            if "Traceback" in loser.text or "internal error" in loser.text:
                wrong.append(f"loser says: {loser.text}")
        if writes != kinds["ok"]:
            wrong.append(f"{writes} revisions written, {kinds['ok']} writers won")
        if wrong:
            self.unexpected = (self.unexpected or []) + [f"round {self.rounds}: {w}" for w in wrong]

    def __str__(self) -> str:
        return (
            f"{self.rounds} rounds: {self.wins} wins, {self.refusals} refusals,"
            f" {self.internal} internal errors, {self.inconsistent} inconsistent"
        )


def rounds(
    bases: Bases,
    base: str,
    first: Op,
    second: Op,
    check: Callable[[Registry, tuple[Outcome, Outcome]], list[str]],
    serial: tuple[str, ...] = (),
    both_may_win: bool = False,
) -> Tally:
    """:data:`ROUNDS` rounds planned on one revision (``check``: what the winner must have
    left), then :data:`FREE_ROUNDS` rounds started at once (``serial``, ``both_may_win``: see :meth:`Tally.add`)."""
    tally = Tally()
    for planned in [True] * ROUNDS + [False] * FREE_ROUNDS:
        url = bases.copy(base)
        with Registry(url) as registry:
            before = registry.revision()
        outcomes = race(url, first, second, planned)
        problems = consistency(url)
        with Registry(url) as registry:
            writes = registry.revision() - before
            if planned:
                problems += check(registry, outcomes)
        tally.add(outcomes, problems, writes, None if planned else serial, both_may_win)
        bases.drop(url)
    print(f"\n[{bases.kind}] {tally}")
    return tally


def expect(tally: Tally) -> None:
    assert tally.unexpected is None, f"{tally}\n" + "\n".join(tally.unexpected[:12])


# --- the pairs -------------------------------------------------------------------------------


def test_publish_publish(bases: Bases) -> None:
    """The same draft published twice at once, from two dates: the winner's date is the one
    recorded, and the version has one publish entry."""
    base = bases.build("draft", with_draft)

    def check(registry: Registry, outcomes: tuple[Outcome, Outcome]) -> list[str]:
        winner = [
            day for day, o in zip((FIRST_DAY, SECOND_DAY), outcomes, strict=True) if o.kind == "ok"
        ]
        v2 = registry.version(LIST, 2)
        if v2.status is not VersionStatus.published or [v2.effective_from] != winner[:1]:
            return [f"v2 is {v2.status.value} from {v2.effective_from}, the winner said {winner}"]
        return []

    expect(
        rounds(bases, base, publish(FIRST_DAY, "甲"), publish(SECOND_DAY, "乙"), check, NO_DRAFT)
    )


def test_import_import(bases: Bases, tmp_path: Path) -> None:
    """One table imported into one list twice at once: one draft, the winner's."""
    base = bases.build("sample", lambda r: None)
    other = shorter_table(tmp_path)

    def check(registry: Registry, outcomes: tuple[Outcome, Outcome]) -> list[str]:
        v2 = registry.version(LIST, 2)
        winner = (
            ["甲", "乙"][[o.kind for o in outcomes].index("ok")]
            if any(o.kind == "ok" for o in outcomes)
            else None
        )
        if v2.status is not VersionStatus.draft or v2.author != winner:
            return [f"v2 is {v2.status.value} by {v2.author}, the winner is {winner}"]
        return []

    # one after the other, the second replaces the first one's draft
    expect(
        rounds(bases, base, import_table(TABLE, "甲"), import_table(other, "乙"), check, (), True)
    )


def test_publish_import(bases: Bases, tmp_path: Path) -> None:
    """A draft published while another table is imported into the same list: the version
    published holds the rows it was published with, and stays published."""
    base = bases.build("draft", with_draft)
    other = shorter_table(tmp_path)

    def check(registry: Registry, outcomes: tuple[Outcome, Outcome]) -> list[str]:
        v2 = registry.version(LIST, 2)
        want = VersionStatus.published if outcomes[0].kind == "ok" else VersionStatus.draft
        return [] if v2.status is want else [f"v2 is {v2.status.value}, not {want.value}"]

    # one after the other: the import makes a new draft (v3), or the publish publishes the
    # imported draft
    pair = publish(FIRST_DAY, "甲"), import_table(other, "乙")
    expect(rounds(bases, base, *pair, check, (), True))


def test_new_list_twice(bases: Bases, tmp_path: Path) -> None:
    """The same new list from two YAML files at once: one list, the winner's."""
    base = bases.build("sample", lambda r: None)
    files = new_list(tmp_path, "甲"), new_list(tmp_path, "乙")

    def check(registry: Registry, outcomes: tuple[Outcome, Outcome]) -> list[str]:
        winners = [who for who, o in zip("甲乙", outcomes, strict=True) if o.kind == "ok"]
        note = registry.version(NEW_LIST, 1).note or ""
        return [] if winners and note.startswith(winners[0]) else [f"v1 note {note!r}"]

    # one after the other, the second replaces the first one's draft
    pair = import_yaml(files[0], "甲"), import_yaml(files[1], "乙")
    expect(rounds(bases, base, *pair, check, (), True))


def test_two_approvers(bases: Bases) -> None:
    """Two approvers approve one request at once: one approval, one set of versions."""
    base = bases.build("submitted", submitted)

    def check(registry: Registry, outcomes: tuple[Outcome, Outcome]) -> list[str]:
        entry = admission_gate(registry, ADMISSION_CONFIG).show(REQUEST_ID)
        winners = [
            who
            for who, o in zip((APPROVER, OTHER_APPROVER), outcomes, strict=True)
            if o.kind == "ok"
        ]
        approvals = [e for e in registry.log() if e.action == "admission_approve"]
        if entry.status != "approved" or [entry.decided_by] != winners[:1] or len(approvals) != 1:
            return [f"{entry.status} by {entry.decided_by}, {len(approvals)} approvals"]
        return []

    expect(rounds(bases, base, approve(APPROVER), approve(OTHER_APPROVER), check))


# --- without timing --------------------------------------------------------------------------


def test_planned_on_an_old_revision(bases: Bases, tmp_path: Path, monkeypatch: Any) -> None:
    """A publish planned on revision N; another import lands before it writes: the publish is
    refused, naming the revision that came first, its time and its author; nothing of it is
    written, and the draft stays the other importer's."""
    url = bases.build("draft", with_draft)
    other_table = shorter_table(tmp_path)
    original = store.transaction

    def transaction(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(store, "transaction", original)
        with Registry(url) as other:
            other.import_table(other_table, LIST, MAPPING, by="乙")
        return original(*args, **kwargs)

    with Registry(url) as registry:
        planned = registry.revision()
        monkeypatch.setattr(store, "transaction", transaction)
        with pytest.raises(InputError) as refused:
            registry.publish(LIST, FIRST_DAY, by="甲")
        won = registry.revisions()[-1]
        assert (won.number, won.author) == (planned + 1, "乙")
        assert registry.revision() == planned + 1
        v2 = registry.version(LIST, 2)
        assert (v2.status, v2.author) == (VersionStatus.draft, "乙")
    text = refused.value.render("en")
    assert f"changed by someone else (revision {won.number} at " in text, text
    assert "by 乙); nothing written" in text, text
    assert f"planned on revision {planned}" in text, text
    assert "乙" in refused.value.render("zh")


def test_a_version_is_read_again_when_written(bases: Bases, tmp_path: Path) -> None:
    """The writer reads a version's last record again under the write lock: a publish of a
    draft whose rows were replaced since, or of a version no longer a draft, writes nothing."""
    url = bases.build("draft", with_draft)
    with Registry(url) as registry:
        draft = registry.version(LIST, 2)
        change = VersionChange(
            LIST, "publish", replace(draft, status=VersionStatus.published), False
        )
        registry.import_table(shorter_table(tmp_path), LIST, MAPPING, by="乙")
        head = registry.revision()
        for stale in (change, replace(change, version=registry.version(LIST, 2))):
            if stale is not change:
                registry.publish(LIST, FIRST_DAY, by="乙")
                head = registry.revision()
            with (
                pytest.raises(InputError) as refused,
                store.transaction(registry.engine, None, "甲", "publish", None) as w,
            ):
                w.version(stale, "department", "甲")
            assert [p.key for p in refused.value.problems] == ["version.changed"]
            assert registry.revision() == head
        assert "is published now" in refused.value.render("en")


def test_sqlite_busy_past_the_timeout(tmp_path: Path) -> None:
    """A SQLite writer that waits longer than its busy timeout for another one is refused
    cleanly (the registry's engine waits 30 s; this one, a tenth of a second)."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    with Registry.create(url) as registry:
        registry.import_files([SAMPLE], by="setup")
        head = registry.revision()
    holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    impatient = create_engine(url, connect_args={"timeout": 0.1})
    with pytest.raises(InputError) as refused, store.transaction(impatient, head, "甲", "x", None):
        raise AssertionError("not reached")
    holder.execute("ROLLBACK")
    holder.close()
    impatient.dispose()
    assert [p.key for p in refused.value.problems] == ["db.busy"]
    assert "nothing written" in refused.value.render("en")
    with Registry(url) as registry:
        assert registry.revision() == head


# --- the command line ------------------------------------------------------------------------

GO = """
import sys
import remit.cli
sys.stdin.read(1)  # the go-signal
sys.argv = ["remit", *sys.argv[1:]]
remit.cli.main()
"""


def test_cli_publish_publish(bases: Bases) -> None:
    """`remit registry publish` twice at once, two processes started by one go-signal:
    one publishes, the other exits 2 with a message and no traceback."""
    base = bases.build("draft", with_draft)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "10000"}
    for _ in range(CLI_ROUNDS):
        url = bases.copy(base)
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    GO,
                    "registry",
                    "publish",
                    LIST,
                    "--effective-from",
                    day.isoformat(),
                    "--by",
                    who,
                    "--db",
                    url,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
            for day, who in ((FIRST_DAY, "甲"), (SECOND_DAY, "乙"))
        ]
        for p in processes:
            assert p.stdin is not None
            p.stdin.write("g")
            p.stdin.flush()
        results = [(p.communicate(timeout=WAIT), p.returncode) for p in processes]
        codes = sorted(code for _, code in results)
        assert codes == [0, 2], results
        ((_, stderr),) = [out for out, code in results if code == 2]
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr
        assert consistency(url) == []
        bases.drop(url)
