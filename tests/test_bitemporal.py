"""Two times: what was in force on a date (effective time), as the registry stood at a revision
(recorded time). Whatever happens later — imports, publications (retroactive ones too),
withdrawals, changes of units and areas, admissions — the snapshot of date D known at revision
R stays what it was right after R was made."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from remit import InputError, Registry
from remit.hashing import canonical_json
from remit.registry.entities import VersionStatus
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    APPROVER,
    REQUEST_ID,
    SAMPLE,
    SUBMITTER,
    admission_gate,
    load_of,
)

DATES = (
    dt.date(2024, 3, 1),
    dt.date(2025, 8, 1),
    dt.date(2026, 3, 2),
    dt.date(2027, 2, 1),
    dt.date(2028, 6, 1),
)
"""Dates to compare: before and after the sample's own changes, today's year, the future."""
TODAY = dt.date.today()
START_DATES = (dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2027, 7, 1), dt.date(2028, 1, 1))
"""Dates changes take effect on: one past (retroactive), three to come."""
LISTS = ("HP-QZ-SCJ", "HP-QZ-CGJ", "HP-JZ-PH")
UNITS_FILE = SAMPLE / "units.yaml"
AREAS_FILE = SAMPLE / "areas.yaml"


def fingerprint(registry: Registry, day: dt.date, known_at: int | None = None) -> Any:
    """A snapshot's hash and its whole content: duties (where each is written and what it
    says), areas and units."""
    s = registry.snapshot(day, known_at=known_at)
    return (
        s.hash,
        sorted((e.list_id, e.version, e.seq, canonical_json(e.duty.content())) for e in s.duties),
        sorted(
            canonical_json([a.code, a.name, a.parent, list(a.aliases)]) for a in s.areas.values()
        ),
        sorted(
            canonical_json([u.code, u.name, u.capacity, u.budget, list(u.powers)])
            for u in s.units.values()
        ),
    )


class History(RuleBasedStateMachine):
    """Random changes of the sample district; after each, every earlier revision still reads
    as it did when it was made."""

    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp())
        shutil.copyfile(self.template, self.tmp / "registry.db")
        self.registry = Registry(f"sqlite:///{self.tmp / 'registry.db'}")
        self.seen: dict[int, dict[dt.date, Any]] = {}
        self.submitted = self.approved = False
        self._record()

    def teardown(self) -> None:
        # the history the steps wrote verifies: hashes, parents, the log's chain and records
        report = self.registry.verify()
        assert report.ok, report.problems
        self.registry.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _record(self) -> None:
        revision = self.registry.revision()
        if revision not in self.seen:
            self.seen[revision] = {day: fingerprint(self.registry, day) for day in DATES}

    def _attempt(self, change: Any) -> None:
        """Make a change; a refused one (exit 2 on the command line) changes nothing, one that
        changes something is one revision, one that changes nothing (the same rows again) none."""
        before = self.registry.revision()
        try:
            change()
        except InputError:
            assert self.registry.revision() == before
            return
        assert self.registry.revision() in (before, before + 1)
        self._record()

    # --- changes ---------------------------------------------------------------------------

    @rule(
        list_id=st.sampled_from(LISTS), drop=st.integers(0, 5), note=st.text("改订正", max_size=3)
    )
    def draft(self, list_id: str, drop: int, note: str) -> None:
        """A new draft of a list: its rows in force (or newest), one left out, a note changed."""
        current = self.registry.version(list_id)
        path = self.tmp / f"{list_id}.csv"
        self.registry.export(list_id, "csv", path, current.version)
        lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        if len(lines) > 2:
            del lines[1 + drop % (len(lines) - 1)]
        path.write_text("".join(lines), encoding="utf-8-sig")
        self._attempt(lambda: self.registry.import_table(path, list_id, by="t", note=note or None))

    @rule(list_id=st.sampled_from(LISTS), start=st.sampled_from(START_DATES))
    def publish(self, list_id: str, start: dt.date) -> None:
        past = start < TODAY
        self._attempt(
            lambda: self.registry.publish(
                list_id, start, by="t", retroactive=past, note="补登" if past else None
            )
        )

    @rule(list_id=st.sampled_from(LISTS), pick=st.integers(0, 3))
    def withdraw(self, list_id: str, pick: int) -> None:
        versions = self.registry.version(list_id, None).version
        number = 1 + pick % versions if versions else 1
        self._attempt(
            lambda: self.registry.withdraw(list_id, number, by="t", retroactive=True, note="撤回")
        )

    def _change_reference(
        self, source: Path, key: str, pick: int, change: Any, start: dt.date, note: str
    ) -> None:
        """Entry ``pick`` of the areas or units file changed by ``change``, from ``start``."""
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
        entries = document[key]
        change(entries[pick % len(entries)])
        path = self.tmp / source.name
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        past = start < TODAY
        self._attempt(
            lambda: self.registry.import_files(
                [path], by="t", effective_from=start, retroactive=past, note=note
            )
        )

    @rule(pick=st.integers(0, 34), staff=st.integers(-3, 5), start=st.sampled_from(START_DATES))
    def change_capacity(self, pick: int, staff: int, start: dt.date) -> None:
        """A unit's staff changes from a date (units are versioned)."""

        def change(unit: dict[str, Any]) -> None:
            unit["capacity"] = max(0, (unit.get("capacity") or 0) + staff)

        self._change_reference(UNITS_FILE, "units", pick, change, start, "编制调整")

    @rule(pick=st.integers(0, 21), start=st.sampled_from(START_DATES))
    def rename_area(self, pick: int, start: dt.date) -> None:
        """An area is renamed from a date (its old name stays an alias)."""

        def change(area: dict[str, Any]) -> None:
            area["name"] = area["name"] + "（新）"

        self._change_reference(AREAS_FILE, "areas", pick, change, start, "更名")

    @precondition(lambda self: not self.submitted)
    @rule()
    def submit_admission(self) -> None:
        from remit.admission import load_request

        gate = admission_gate(self.registry, ADMISSION_CONFIG)
        self._attempt(lambda: gate.submit(load_request(ADMITTED), by=SUBMITTER))
        self.submitted = True

    @precondition(lambda self: self.submitted and not self.approved)
    @rule()
    def approve_admission(self) -> None:
        from remit.admission import GateRefused

        gate = admission_gate(self.registry, ADMISSION_CONFIG)
        before = self.registry.revision()
        try:
            gate.approve(REQUEST_ID, by=APPROVER)
        except (GateRefused, InputError):
            assert self.registry.revision() in (before, before + 1)  # a refusal is logged
        self.approved = True
        self._record()

    # --- the promise -----------------------------------------------------------------------

    @invariant()
    def every_revision_reads_as_it_did(self) -> None:
        for revision, days in self.seen.items():
            for day, expected in days.items():
                assert fingerprint(self.registry, day, revision) == expected, (revision, day)


def test_what_was_known_stays_what_it_was(sample_db: Path) -> None:
    History.template = sample_db
    machine = History.TestCase
    machine.settings = settings(
        max_examples=6,
        stateful_step_count=6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine().runTest()


@pytest.fixture
def sample_registry(db_url: str, sample_db: Path) -> Iterator[Registry]:
    """The sample district, in SQLite (a copy of the template) and in PostgreSQL (imported)."""
    if db_url.startswith("sqlite"):
        shutil.copyfile(sample_db, db_url.removeprefix("sqlite:///"))
        registry = Registry(db_url)
    else:
        registry = Registry.create(db_url)
        registry.import_files([SAMPLE], by="setup")
    yield registry
    report = registry.verify()  # what the test wrote verifies
    registry.close()
    assert report.ok, report.problems


def test_a_retroactive_publication_keeps_the_earlier_knowledge(sample_registry: Registry) -> None:
    """The issue's example: publishing HP-QZ-SCJ's draft from a past date changes the snapshot
    of 2026-03-02; known at the revision before, it is what it was."""
    registry = sample_registry
    registry.import_table(
        SAMPLE.parent / "tables" / "hp-qz-scj-2027.csv",
        "HP-QZ-SCJ",
        SAMPLE.parent / "tables" / "scj-mapping.yaml",
        by="t",
    )
    day = dt.date(2026, 3, 2)
    before, known = registry.snapshot(day).hash, registry.revision()
    audit = len(registry.log())
    with pytest.raises(InputError) as refused:
        registry.publish("HP-QZ-SCJ", dt.date(2026, 1, 1), by="t")
    assert "--retroactive" in str(refused.value)
    with pytest.raises(InputError):  # the flag needs a note saying why
        registry.publish("HP-QZ-SCJ", dt.date(2026, 1, 1), by="t", retroactive=True)
    # nothing written: no revision, no audit entry, the draft still a draft
    assert registry.revision() == known and len(registry.log()) == audit
    state = registry.state()
    registry.publish("HP-QZ-SCJ", dt.date(2026, 1, 1), by="t", retroactive=True, note="更正")
    assert registry.snapshot(day).hash != before
    assert registry.snapshot(day, known_at=known).hash == before
    changes = registry.changes(state, registry.state())
    assert changes and changes[0].first == dt.date(2026, 1, 1)
    assert all(c.before != c.after for c in changes)


def test_approval_gives_the_receiving_streets_staff_and_money(sample_registry: Registry) -> None:
    """权随责走、费随事转: approval raises the receiving streets' staff and budget from the
    request's date, in the same revision, and the graph check then agrees with the report."""
    from remit.admission import load_request

    registry = sample_registry
    gate = admission_gate(registry, ADMISSION_CONFIG)
    request = load_request(ADMITTED)
    gate.submit(request, by=SUBMITTER)
    before = registry.revision()
    report = gate.approve(REQUEST_ID, by=APPROVER)
    assert registry.revision() == before + 1  # versions, units and decision: one
    start = request.effective_from
    loads = load_of(registry, start)
    for effect in report.effect:
        assert effect.staff_after is not None and effect.load_after is not None
        unit = registry.snapshot(start).units[effect.unit]
        assert unit.capacity == effect.staff_after
        assert unit.budget == request.resources.yearly_budget
        assert loads[effect.unit].load_index == pytest.approx(effect.load_after)
        earlier = registry.snapshot(start - dt.timedelta(days=1)).units[effect.unit]
        assert earlier.capacity == effect.staff_before
    units = next(s for s in registry.lists() if s.info.id == "UNITS")
    assert [v.status for v in units.versions][-1] is VersionStatus.published
    assert units.versions[-1].effective_from == start


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_streets_merged_from_a_date(db_url: str, tmp_path: Path) -> None:
    """From 2027-01-01 南京东路 and 五里桥 are one street, 南外滩街道 (a new code), with one
    street office: before that date the snapshot has the two streets, after it the one; rows
    scoped to either street apply to the merged one, rows of either office to its successor,
    and the old names and codes still resolve."""
    from tests.factories import MINI

    merged_street = "310101099000"
    areas = yaml.safe_load((MINI / "areas.yaml").read_text("utf-8"))["areas"]
    areas = [a for a in areas if a["code"] not in ("310101002000", "310101020000")]
    areas.append(
        {
            "code": merged_street,
            "name": "南外滩街道",
            "level": "street",
            "parent": "310101000000",
            "replaces": ["310101002000", "310101020000"],
        }
    )
    for area in areas:
        if area.get("parent") == "310101002000":
            area["parent"] = merged_street
    units = yaml.safe_load((MINI / "units.yaml").read_text("utf-8"))["units"]
    units = [u for u in units if u["code"] not in ("NJDL", "WLQ")]
    units.append(
        {
            "code": "NWT",
            "name": "南外滩街道办事处",
            "kind": "block",
            "level": "street",
            "jurisdiction": merged_street,
            "capacity": 40,
            "replaces": ["NJDL", "WLQ"],
        }
    )
    with Registry.create(db_url) as registry:
        registry.import_files([MINI], by="t")
        start = dt.date(2027, 1, 1)
        registry.import_files(
            [_write(tmp_path / "areas.yaml", {"file": "areas", "areas": areas})],
            by="t",
            effective_from=start,
        )
        registry.import_files(
            [_write(tmp_path / "units.yaml", {"file": "units", "units": units})],
            by="t",
            effective_from=start,
        )
        before, after = registry.snapshot(start - dt.timedelta(days=1)), registry.snapshot(start)
        assert {"310101002000", "310101020000"} <= set(before.areas)
        assert merged_street in after.areas and "310101002000" not in after.areas
        assert "NJDL" in before.units and "NWT" in after.units and "NJDL" not in after.units
        # the old names and codes are aliases of the merged street
        assert {"南京东路街道", "五里桥街道", "310101002000"} <= set(
            after.areas[merged_street].aliases
        )
        # the street list's rows (南京东路's) apply to the merged street, led by its office
        rows = [e.duty for e in after.duties if e.list_id == "JD-NJDL"]
        assert rows and all(d.area == merged_street and d.unit == "NWT" for d in rows)
        assert next(e.duty.area for e in before.duties if e.list_id == "JD-NJDL") == "310101002000"
        # an event spelled the old way is routed on the merged street
        from remit import Router

        decision = Router(registry).route(
            {
                "id": "E1",
                "matter": "RX0101",
                "area": "南京东路街道",
                "reported_at": "2027-03-02T10:00:00",
            }
        )
        assert decision.area == merged_street
        assert decision.lead is not None and decision.lead.code == "NWT"
        assert registry.verify().ok


def test_a_street_split_from_a_date(db_url: str, tmp_path: Path) -> None:
    """A street split in two: the rows scoped to it apply to both parts."""
    from tests.factories import MINI

    areas = yaml.safe_load((MINI / "areas.yaml").read_text("utf-8"))["areas"]
    areas = [a for a in areas if a["code"] != "310101020000"]
    for code, name in (("310101021000", "五里桥东街道"), ("310101022000", "五里桥西街道")):
        areas.append(
            {
                "code": code,
                "name": name,
                "level": "street",
                "parent": "310101000000",
                "replaces": ["310101020000"],
            }
        )
    with Registry.create(db_url) as registry:
        registry.import_files([MINI], by="t")
        old_rows = [
            e
            for e in registry.snapshot(dt.date(2026, 12, 31)).duties
            if e.duty.area == "310101020000"
        ]
        registry.import_files(
            [_write(tmp_path / "areas.yaml", {"file": "areas", "areas": areas})],
            by="t",
            effective_from=dt.date(2027, 1, 1),
        )
        after = registry.snapshot(dt.date(2027, 1, 1))
        for entry in old_rows:
            parts = {
                e.duty.area
                for e in after.duties
                if (e.list_id, e.version, e.seq) == (entry.list_id, entry.version, entry.seq)
            }
            assert parts == {"310101021000", "310101022000"}
        assert registry.verify().ok
