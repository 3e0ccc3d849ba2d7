"""Properties of content hashes: a snapshot's hash depends on what is in force, never on the
order in which rows, reference data or files were inserted; it changes when one duty changes;
a list version's content hash ignores the order of its rows."""

from __future__ import annotations

import copy
import datetime as dt
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remit import Registry
from remit.hashing import canonical_json, content_hash
from tests.factories import MINI

D = dt.date
DATES = (D(2023, 6, 1), D(2024, 6, 1), D(2025, 6, 1), D(2025, 8, 1))
"""In force: the catalogue alone; then with QZ-CGJ v1, JD-NJDL v1 and EXTRA v1; then EXTRA v2
instead of v1; then QZ-CGJ v2 instead of v1."""

Docs = dict[str, dict[str, Any]]


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((MINI / name).read_text(encoding="utf-8"))


MINI_DOCS: Docs = {
    name: _load(name)
    for name in (
        "areas.yaml",
        "units.yaml",
        "catalogue.yaml",
        "lists/dept-cgj.yaml",
        "lists/street-njdl.yaml",
    )
}
REFERENCE = ("areas.yaml", "units.yaml", "catalogue.yaml")
MATTERS = [  # a row names a leaf matter: a row on a group is refused
    m
    for m in MINI_DOCS["catalogue.yaml"]["versions"][0]["matters"]
    if not any(
        other.get("parent") == m["code"]
        for other in MINI_DOCS["catalogue.yaml"]["versions"][0]["matters"]
    )
]
UNITS = MINI_DOCS["units.yaml"]["units"]
AREAS = MINI_DOCS["areas.yaml"]["areas"]

SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- strategies -------------------------------------------------------------------------------


@st.composite
def conditions(draw: st.DrawFn, attributes: dict[str, Any]) -> dict[str, Any]:
    """A satisfiable condition over some of ``attributes``, in one of the file spellings."""
    when: dict[str, Any] = {}
    for name, domain in attributes.items():
        if not draw(st.booleans()):
            continue
        if domain["type"] == "enum":
            values = domain["values"]
            chosen = draw(
                st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)
            )
            when[name] = chosen[0] if len(chosen) == 1 else {"in": chosen}
        elif domain["type"] == "int":
            lo, hi = sorted(
                draw(st.lists(st.integers(domain["min"], domain["max"]), min_size=2, max_size=2))
            )
            when[name] = draw(st.sampled_from([{"between": [lo, hi]}, {"gte": lo}, {"lte": hi}]))
        else:
            when[name] = draw(st.booleans())
    return when


@st.composite
def extra_duty(draw: st.DrawFn) -> dict[str, Any]:
    """A duty built from the mini catalogue and units, spelled by code, name or alias."""
    matter = draw(st.sampled_from(MATTERS))
    unit = draw(st.sampled_from(UNITS))
    duty: dict[str, Any] = {
        "matter": draw(
            st.sampled_from([matter["code"], matter["name"], *matter.get("aliases", [])])
        ),
        "unit": draw(st.sampled_from([unit["code"], unit["name"], *unit.get("aliases", [])])),
        "role": draw(st.sampled_from(["lead", "assist", "supervise", "not_responsible"])),
    }
    when = draw(conditions(matter.get("attributes", {})))
    if when:
        duty["when"] = when
    if draw(st.booleans()):
        duty["area"] = draw(
            st.sampled_from([a["code"] for a in AREAS] + [a["name"] for a in AREAS])
        )
    time_limit = draw(st.sampled_from([None, "2小时", "3工作日", "15天", "30分钟", "4紧急工作时"]))
    if time_limit:
        duty["time_limit"] = time_limit
    priority = draw(st.integers(0, 3))
    if priority:
        duty["priority"] = priority
    return duty


@st.composite
def trees(draw: st.DrawFn) -> Docs:
    """The mini tree plus a list EXTRA of two versions made of random duties."""
    docs = copy.deepcopy(MINI_DOCS)
    versions = []
    for number, start in ((1, D(2024, 3, 1)), (2, D(2025, 3, 1))):
        duties = draw(st.lists(extra_duty(), min_size=1, max_size=6))
        for i, duty in enumerate(duties):
            duty["note"] = f"v{number} 第{i}条"  # rows of a version are distinct
        versions.append(
            {"version": number, "status": "published", "effective_from": start, "duties": duties}
        )
    docs["lists/extra.yaml"] = {
        "file": "list",
        "id": "EXTRA",
        "name": "随机清单",
        "kind": "department",
        "versions": versions,
    }
    return docs


# --- building registries ----------------------------------------------------------------------


def shuffled(docs: Docs, rnd: random.Random) -> Docs:
    """The same documents with every order that should not matter shuffled."""
    out = copy.deepcopy(docs)
    rnd.shuffle(out["areas.yaml"]["areas"])
    rnd.shuffle(out["units.yaml"]["units"])
    for version in out["catalogue.yaml"]["versions"]:
        rnd.shuffle(version["matters"])
    for doc in out.values():
        if doc["file"] == "list":
            rnd.shuffle(doc["versions"])
            for version in doc["versions"]:
                rnd.shuffle(version["duties"])
    return out


def import_calls(docs: Docs, rnd: random.Random) -> list[list[str]]:
    """The files in a random order: all in one import call; or reference data, then lists; or
    one file per call (areas before units, and the catalogue anywhere before the lists)."""
    names = list(docs)
    rnd.shuffle(names)
    reference = [n for n in names if n in REFERENCE]
    lists = [n for n in names if n not in REFERENCE]
    way = rnd.choice(["one call", "two calls", "file by file"])
    if way == "one call":
        return [names]
    if way == "two calls":
        return [reference, lists]
    reference = ["areas.yaml", "units.yaml"]
    reference.insert(rnd.randrange(3), "catalogue.yaml")
    return [[n] for n in reference] + [[n] for n in lists]


@contextmanager
def registry_of(docs: Docs, calls: list[list[str]]) -> Iterator[Registry]:
    """A fresh SQLite registry into which ``docs`` were written and imported, call by call."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, doc in docs.items():
            path = root / "tree" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        registry = Registry.create(f"sqlite:///{root / 'registry.db'}")
        try:
            for call in calls:
                registry.import_files([root / "tree" / name for name in call], by="test")
            yield registry
        finally:
            registry.close()


def fingerprint(registry: Registry) -> dict[str, Any]:
    """Snapshot hashes on the test dates and the content hash of every version."""
    return {
        "snapshots": {day: registry.snapshot(day).hash for day in DATES},
        "versions": {
            (s.info.id, v.version): (v.content_hash, v.parent_hash)
            for s in registry.lists()
            for v in s.versions
        },
    }


def canonical(docs: Docs) -> dict[str, Any]:
    with registry_of(docs, [list(docs)]) as registry:
        return fingerprint(registry)


# --- properties -------------------------------------------------------------------------------


@SLOW
@given(docs=trees(), rnd=st.randoms(use_true_random=False))
def test_snapshot_hash_ignores_insertion_order(docs: Docs, rnd: random.Random) -> None:
    expected = canonical(docs)
    assert len(set(expected["snapshots"].values())) == len(DATES)
    reordered = shuffled(docs, rnd)
    with registry_of(reordered, import_calls(reordered, rnd)) as registry:
        assert fingerprint(registry) == expected


@SLOW
@given(docs=trees(), data=st.data())
def test_snapshot_hash_changes_with_one_duty(docs: Docs, data: st.DataObject) -> None:
    """Changing one row of EXTRA v1 changes the hash of every day EXTRA v1 is in force, and
    of no other day."""
    before = canonical(docs)
    changed = copy.deepcopy(docs)
    duties = changed["lists/extra.yaml"]["versions"][0]["duties"]
    duty = duties[data.draw(st.integers(0, len(duties) - 1), label="row")]
    edit = data.draw(st.sampled_from(["priority", "role", "note", "time_limit"]), label="edit")
    if edit == "priority":
        duty["priority"] = duty.get("priority", 0) + 1
    elif edit == "role":
        duty["role"] = "assist" if duty["role"] != "assist" else "lead"
    elif edit == "note":
        duty["note"] += "（改）"
    else:
        duty["time_limit"] = "7天" if duty.get("time_limit") != "7天" else "8天"
    after = canonical(changed)
    in_force_v1 = {DATES[1]}
    for day in DATES:
        assert (before["snapshots"][day] != after["snapshots"][day]) == (day in in_force_v1), day
    assert before["versions"][("EXTRA", 1)] != after["versions"][("EXTRA", 1)]
    # v2's own content is the same; its parent hash is v1's content hash, so it follows v1
    assert before["versions"][("EXTRA", 2)][0] == after["versions"][("EXTRA", 2)][0]
    assert after["versions"][("EXTRA", 2)][1] == after["versions"][("EXTRA", 1)][0]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.dictionaries(st.sampled_from("abcde"), st.integers() | st.text()), max_size=8),
    rnd=st.randoms(use_true_random=False),
)
def test_content_hash_ignores_row_order(rows: list[dict[str, Any]], rnd: random.Random) -> None:
    reordered = list(rows)
    rnd.shuffle(reordered)
    assert content_hash(reordered) == content_hash(rows)
    # … but not the rows themselves: one row more or less is another hash
    distinct = {canonical_json(r) for r in rows}
    extra = {"z": len(rows)}
    assert content_hash([*rows, extra]) != content_hash(rows)
    if len(distinct) == len(rows) and rows:
        assert content_hash(rows[1:]) != content_hash(rows)


def test_same_rows_in_another_order_are_unchanged_on_reimport(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A list file whose rows were reordered is the same version: re-importing changes nothing."""
    with Registry.create(sqlite_url) as registry:
        registry.import_files([MINI], by="test")
        before = registry.snapshot(D(2025, 8, 1)).hash
        doc = copy.deepcopy(MINI_DOCS["lists/dept-cgj.yaml"])
        for version in doc["versions"]:
            version["duties"].reverse()
        path = tmp_path / "dept-cgj.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
        result = registry.import_files([path])
        assert not result.changed
        assert result.plan.unchanged == 2
        assert registry.snapshot(D(2025, 8, 1)).hash == before
