"""The registry facade: one load of the registry's state per command, planning that mutates
nothing, and admission decisions that go through the facade in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from click.testing import Result

from remit import Registry
from remit.registry import store
from remit.registry.parse import collect_yaml, parse_files
from remit.registry.plan import plan_import
from remit.registry.state import RegistryState
from tests.factories import MINI, ROOT

Cli = Callable[..., Result]
REQUESTS = ROOT / "data" / "admission_requests"
SUBMITTER, APPROVER = "区绿化市容局经办人", "区委编办审核人"


@pytest.fixture
def url(sample_url: str) -> str:
    """A copy of the sample district (SQLite)."""
    return sample_url


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every full load of a registry's state, by URL."""
    seen: list[str] = []
    real = store.load_state

    def counted(engine, known_at=None):  # type: ignore[no-untyped-def]
        seen.append(str(engine.url))
        return real(engine, known_at)

    monkeypatch.setattr(store, "load_state", counted)
    yield seen


COMMANDS = {
    "registry lists": ["registry", "lists"],
    "registry show": ["registry", "show", "HP-JZ-JB"],
    "registry show catalogue": ["registry", "show", "HP-SXML"],
    "registry diff": ["registry", "diff", "HP-JZ-JB", "1", "2"],
    "registry snapshot": ["registry", "snapshot", "--as-of", "2026-03-02"],
    "registry log": ["registry", "log", "HP-JZ-JB"],
    "route": [
        "route",
        "--matter",
        "无照经营游商",
        "--area",
        "南京东路街道",
        "--attr",
        "地点类型=道路",
        "--reported-at",
        "2026-03-02T10:00:00",
    ],
    "check": ["check", "--as-of", "2026-03-02", "--format", "json"],
    "check --against": ["check", "--as-of", "2026-03-02", "--against", "2025-01-01"],
    "admit check": [
        "admit",
        "check",
        str(REQUESTS / "admitted.yaml"),
        "--config",
        str(REQUESTS / "config.yaml"),
    ],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_one_state_load_per_command(name: str, cli: Cli, url: str, loads: list[str]) -> None:
    result = cli(*COMMANDS[name], db=url)
    assert result.exit_code in (0, 1), result.output
    assert len(loads) == 1, f"{name}: the registry's state was loaded {len(loads)} times"


def test_one_state_load_to_approve_an_admission(cli: Cli, url: str, loads: list[str]) -> None:
    """Approval runs every gate again and enacts: still one load of the state."""
    config = str(REQUESTS / "config.yaml")
    request = str(REQUESTS / "admitted.yaml")
    assert (
        cli("admit", "submit", request, "--config", config, "--by", SUBMITTER, db=url).exit_code
        == 0
    )
    loads.clear()
    approved = cli(
        "admit", "approve", "HP-ZR-2026-101", "--config", config, "--by", APPROVER, db=url
    )
    assert approved.exit_code == 0, approved.output
    assert len(loads) == 1


def test_the_state_is_reloaded_after_a_write_by_another_registry(
    url: str, loads: list[str]
) -> None:
    """A kept state is the registry's as long as nobody writes: another writer's change is
    seen at the next call."""
    reader, writer = Registry(url), Registry(url)
    before = reader.state()
    assert reader.state() is before and len(loads) == 1
    writer.withdraw("HP-JZ-JB", 2, note="test", by="someone", retroactive=True)
    after = reader.state()
    assert after is not before
    assert [v.status.value for v in after.versions["HP-JZ-JB"]][-1] == "withdrawn"
    reader.close()
    writer.close()


def test_planning_an_import_leaves_the_state_as_it_was(reg: Registry) -> None:
    """plan_import returns the plan and the state after it; the state it planned on is
    unchanged (the registry's kept state is shared)."""
    state = reg.state()
    snapshot = _copy(state)
    plan, after = plan_import(parse_files(collect_yaml([MINI])), state)
    assert _copy(state) == snapshot
    assert after is not state
    assert plan.unchanged > 0


def _copy(state: RegistryState) -> tuple[object, ...]:
    return (
        dict(state.areas),
        dict(state.units),
        dict(state.lists),
        {k: list(v) for k, v in state.versions.items()},
    )


def test_publishing_and_withdrawing_plan_on_a_copy(url: str) -> None:
    """Publishing and withdrawing plan the state after them on a copy: the state handed out
    before is what it was, and the next call sees the change."""
    registry = Registry(url)
    registry.import_table(
        ROOT / "data" / "tables" / "hp-qz-scj-2027.csv",
        "HP-QZ-SCJ",
        ROOT / "data" / "tables" / "scj-mapping.yaml",
        by="t",
    )
    state = registry.state()
    before = _copy(state)
    registry.publish("HP-QZ-SCJ", dt.date(2027, 1, 1), by="t")
    registry.withdraw("HP-JZ-JB", 1, by="t", retroactive=True, note="test")
    assert _copy(state) == before
    statuses = {i: [v.status.value for v in vs] for i, vs in registry.state().versions.items()}
    assert statuses["HP-QZ-SCJ"][-1] == "published"
    assert statuses["HP-JZ-JB"][0] == "withdrawn"
    registry.close()


def test_a_write_planned_on_an_old_revision_is_refused(db_url: str) -> None:
    """Two writers at once: the one that planned on a revision the registry has left behind is
    refused, and nothing of it is written."""
    from remit import InputError
    from remit.registry.entities import AuditEntry, utcnow

    with Registry.create(db_url) as first, Registry(db_url) as second:
        first.import_files([MINI], by="t")
        planned = second.state().revision
        first.add_to_log(AuditEntry(utcnow(), "t", "note", None, None, "先写", None))
        assert first.revision() == planned + 1
        with (
            pytest.raises(InputError) as refused,
            store.transaction(second.engine, planned, "t", "late", None) as w,
        ):
            w.audit(AuditEntry(utcnow(), "t", "late", None, None, "后写", None))
        assert "changed by someone else (revision 2 at " in str(refused.value)
        assert second.revision() == planned + 1
        assert [e.note for e in second.log()][-1] == "先写"
