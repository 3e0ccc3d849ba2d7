"""Versioning through the Python API, on SQLite and PostgreSQL: supersession, as-of, publish,
withdraw, diff, immutability and snapshot hashes."""

from __future__ import annotations

import datetime as dt

import pytest

from remit import InputError, Registry
from tests.factories import MINI

D = dt.date


def test_import_creates_every_version(mini_registry: Registry) -> None:
    summaries = {s.info.id: s for s in mini_registry.lists(D(2026, 1, 1))}
    assert set(summaries) == {"CAT", "AREAS", "UNITS", "QZ-CGJ", "JD-NJDL"}
    cgj = summaries["QZ-CGJ"]
    assert [v.version for v in cgj.versions] == [1, 2]
    assert cgj.in_force is not None and cgj.in_force.version == 2
    assert cgj.until(cgj.versions[0]) == D(2025, 6, 30)
    assert cgj.until(cgj.versions[1]) is None


def test_new_version_supersedes_from_its_date(mini_registry: Registry) -> None:
    before = mini_registry.snapshot(D(2025, 6, 30))
    after = mini_registry.snapshot(D(2025, 7, 1))
    assert {(e.info.id, e.version.version) for e in before.lists} >= {("QZ-CGJ", 1)}
    assert {(e.info.id, e.version.version) for e in after.lists} >= {("QZ-CGJ", 2)}
    road_only = [
        d
        for d in before.duties
        if d.list_id == "QZ-CGJ" and d.duty.matter == "SJ0501" and d.duty.role.value == "lead"
    ]
    assert road_only[0].duty.conditions == {"location_type": {"in": ["road"]}}
    assert before.hash != after.hash


def test_nothing_in_force_before_first_version(mini_registry: Registry) -> None:
    snap = mini_registry.snapshot(D(2023, 6, 1))
    assert snap.lists == ()
    assert snap.duties == ()
    assert snap.catalogue is not None


def test_same_versions_in_force_share_a_hash(mini_registry: Registry) -> None:
    assert mini_registry.snapshot(D(2025, 8, 1)).hash == mini_registry.snapshot(D(2026, 8, 1)).hash


def test_reimport_is_idempotent(mini_registry: Registry) -> None:
    result = mini_registry.import_files([MINI])
    assert not result.changed
    assert result.plan.unchanged == 4


def test_version_lookup(mini_registry: Registry) -> None:
    assert mini_registry.version("QZ-CGJ").version == 2
    assert mini_registry.version("QZ-CGJ", as_of=D(2024, 3, 1)).version == 1
    assert len(mini_registry.version("QZ-CGJ", 1).duties) == 3
    with pytest.raises(InputError) as err:
        mini_registry.version("QZ-CGJ", 7)
    assert "no version 7" in err.value.render("en")
    with pytest.raises(InputError):
        mini_registry.version("NOPE")


def test_diff_between_versions(mini_registry: Registry) -> None:
    diff = mini_registry.diff("QZ-CGJ", 1, 2)
    assert diff.unchanged == 2
    assert not diff.added and not diff.removed
    (change,) = diff.changed
    assert change.fields == ["when"]
    assert mini_registry.diff("QZ-CGJ", 2, 2).empty


def test_withdraw_restores_previous_version(mini_registry: Registry) -> None:
    mini_registry.withdraw("QZ-CGJ", 2, note="error in v2", by="auditor", retroactive=True)
    snap = mini_registry.snapshot(D(2026, 1, 1))
    assert ("QZ-CGJ", 1) in {(e.info.id, e.version.version) for e in snap.lists}
    entry = mini_registry.log("QZ-CGJ")[-1]
    assert (entry.action, entry.actor, entry.version, entry.note) == (
        "withdraw",
        "auditor",
        2,
        "error in v2",
    )
    with pytest.raises(InputError):
        mini_registry.withdraw("QZ-CGJ", 2)
