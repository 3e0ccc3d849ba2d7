"""What changed between two versions of a list (or of the catalogue)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from remit.hashing import canonical_json
from remit.registry.entities import ListVersion


@dataclass(frozen=True)
class RowChange:
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        keys = sorted(set(self.before) | set(self.after))
        return [k for k in keys if self.before.get(k) != self.after.get(k)]


@dataclass(frozen=True)
class VersionDiff:
    list_id: str
    a: int
    b: int
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_id,
            "from_version": self.a,
            "to_version": self.b,
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"before": c.before, "after": c.after, "fields": c.fields} for c in self.changed
            ],
            "unchanged": self.unchanged,
        }


def _rows(version: ListVersion) -> list[dict[str, Any]]:
    if version.matters:
        return [m.content() for m in version.matters]
    return [d.content() for d in version.duties]


def _identity(row: dict[str, Any]) -> str:
    """Rows with the same identity are "the same row" changed: the same matter code in a
    catalogue; the same matter, unit, area and conditions in a list."""
    if "unit" not in row:
        return str(row["code"])
    return canonical_json([row["matter"], row["unit"], row["area"], row.get("when", {})])


def _loose_identity(row: dict[str, Any]) -> str:
    """Second chance: the same matter, unit and role (its scope or conditions changed)."""
    if "unit" not in row:
        return str(row["code"])
    return canonical_json([row["matter"], row["unit"], row["role"]])


def diff_versions(a: ListVersion, b: ListVersion) -> VersionDiff:
    before = defaultdict(list)
    for row in _rows(a):
        before[canonical_json(row)].append(row)
    added: list[dict[str, Any]] = []
    unchanged = 0
    for row in _rows(b):
        same = before.get(canonical_json(row))
        if same:
            same.pop()
            unchanged += 1
        else:
            added.append(row)
    removed = [row for rows in before.values() for row in rows]
    # a removed and an added row with one identity, alone on both sides, is a change
    changed: list[RowChange] = []
    for identity in (_identity, _loose_identity):
        removed_by_id = defaultdict(list)
        for row in removed:
            removed_by_id[identity(row)].append(row)
        added_by_id = defaultdict(list)
        for row in added:
            added_by_id[identity(row)].append(row)
        for key, olds in removed_by_id.items():
            news = added_by_id.get(key, [])
            if len(olds) == 1 and len(news) == 1:
                changed.append(RowChange(olds[0], news[0]))
                removed.remove(olds[0])
                added.remove(news[0])
    return VersionDiff(a.list_id, a.version, b.version, added, removed, changed, unchanged)
