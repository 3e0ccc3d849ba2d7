"""Terminal output: rich tables that align Chinese text, in English or Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from rich.table import Table

from remit.conditions import AttributeDomain, Named
from remit.deadlines import local_time
from remit.i18n import current_lang, t
from remit.present.text import condition_text, term
from remit.registry.diff import VersionDiff
from remit.registry.entities import AuditEntry, Duty, ListVersion
from remit.registry.reports import MigrationResult, Mismatch, VerifyReport
from remit.registry.snapshot import Snapshot, SnapshotChange
from remit.registry.versions import ListSummary

Attributes = Mapping[str, Mapping[str, AttributeDomain]]
"""Matter code → the attributes the matter declares (to show conditions by their labels)."""


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _status(value: str) -> str:
    return t(f"status.{value}")


def _kind(value: str) -> str:
    return term("kind", value)


def _area(code: str, names: Mapping[str, str] | None) -> str:
    """An area: its code in English (as the files write it), its name in Chinese."""
    if current_lang.get() == "zh" and names:
        return names.get(code, code)
    return code


def lists_table(summaries: Iterable[ListSummary], on: dt.date) -> Table:
    table = Table(title=None, show_lines=False)
    for label in ("label.list", "label.name", "label.kind", "label.versions"):
        table.add_column(t(label))
    table.add_column(t("label.in_force", date=on.isoformat()))
    table.add_column(t("label.rows"), justify="right")
    for summary in summaries:
        versions = []
        for v in summary.versions:
            end = summary.until(v)
            if v.status.value == "withdrawn" or (
                not v.effective_from and v.status.value == "draft"
            ):
                span = f"({_date(v.effective_from)})" if v.effective_from else ""
            else:
                start = _date(v.effective_from) or t("label.since_ever")
                span = f"{start}→{_date(end) or t('label.open_ended')}"
            versions.append(f"v{v.version} {_status(v.status.value)} {span}".strip())
        current = summary.in_force
        table.add_row(
            summary.info.id,
            summary.info.name,
            _kind(str(summary.info.kind)),
            "\n".join(versions),
            f"v{current.version}" if current else t("label.none"),
            str(current.row_count) if current else "",
        )
    return table


def version_header(v: ListVersion, name: str, until: dt.date | None) -> list[str]:
    """The title lines of a version; ``until`` is its last day in force, if it ends."""
    return [
        f"{v.list_id} {name} — {t('label.version')} {v.version} ({_status(v.status.value)})",
        f"{t('label.effective')}: {_date(v.effective_from) or '-'} → {_date(until) or t('label.open_ended')}"
        f"   {t('label.author')}: {v.author or '-'}   {t('label.hash')}: {v.content_hash[:12]}",
        *([f"{t('label.note')}: {v.note}"] if v.note else []),
    ]


def duties_table(
    duties: Iterable[Duty],
    matter_names: dict[str, str],
    unit_names: dict[str, str],
    attributes: Attributes | None = None,
    area_names: Mapping[str, str] | None = None,
) -> Table:
    """The rows of a list version; ``attributes`` and ``area_names`` let Chinese output show
    conditions by their labels and areas by their names."""
    attributes = attributes or {}
    table = Table(show_lines=False)
    for label in (
        "label.matter",
        "label.unit",
        "label.role",
        "label.area",
        "label.conditions",
        "label.time_limit",
        "label.legal_basis",
    ):
        table.add_column(t(label), overflow="fold")
    for d in duties:
        table.add_row(
            f"{d.matter} {matter_names.get(d.matter, '')}".strip(),
            unit_names.get(d.unit, d.unit),
            t(f"role.{d.role.value}")
            + (f" → {unit_names.get(d.refer_to, d.refer_to)}" if d.refer_to else "")
            + (f" (p{d.priority})" if d.priority else ""),
            _area(d.area, area_names),
            condition_text(d.conditions, attributes.get(d.matter)),
            d.time_limit.text if d.time_limit else "",
            "\n".join(basis_text(b.model_dump(mode="json")) for b in d.legal_basis),
        )
    return table


def matters_table(version: ListVersion) -> Table:
    table = Table()
    for label in (
        "label.code",
        "label.name",
        "label.kind",
        "label.parent",
        "label.hit_policy",
        "label.time_limit",
        "label.attributes",
    ):
        table.add_column(t(label), overflow="fold")
    for m in version.matters:
        table.add_row(
            m.code,
            m.name,
            t(f"matter_kind.{m.kind.value}"),
            m.parent or "",
            t(f"hit_policy.{m.hit_policy.value}"),
            m.default_time_limit.text if m.default_time_limit else "",
            t("list.separator").join(
                Named(name, domain.label).in_lang(current_lang.get())
                for name, domain in m.attributes.items()
            ),
        )
    return table


def log_table(entries: Iterable[AuditEntry]) -> Table:
    table = Table()
    for label in (
        "label.when",
        "label.actor",
        "label.action",
        "label.list",
        "label.version",
        "label.note",
        "label.details",
    ):
        table.add_column(t(label), overflow="fold")
    for e in entries:
        table.add_row(
            local_time(e.at),
            e.actor,
            term("log.action", e.action),
            e.list_id or "",
            str(e.version or ""),
            e.note or "",
            _admission_details(e) if e.action.startswith("admission_") else _details(e),
        )
    return table


def _details(e: AuditEntry) -> str:
    details = {k: v for k, v in e.details.items() if k != "files" and v not in (None, [], "")}
    return t("log.separator").join(
        f"{term('log.detail', k)}={_detail_value(k, v)}" for k, v in details.items()
    )


def _detail_value(name: str, value: Any) -> str:
    if name in {"status", "previous_status"} and isinstance(value, str):
        return term("status", value)
    return _short(value)


def _admission_details(e: AuditEntry) -> str:
    """An admission entry: the request, the outcome, each gate that did not pass and why,
    what it enacted, and the snapshot it was checked on."""
    d = e.details
    lines = [
        f"{d.get('request')} {d.get('matter') or ''}: {t('outcome.' + d.get('outcome', 'reject'))}"
    ]
    for gate, status in d.get("gates", {}).items():
        if status != "pass":
            lines.append(f"  {t('gate.' + gate)}: {t('gate_status.' + status)}")
    lines += [f"  {finding}" for finding in d.get("findings", [])]
    for v in d.get("enactment", []) if e.action == "admission_approve" else []:
        lines.append(f"  → {v['list']} v{v['version']}")
    if e.snapshot_hash:
        lines.append(f"  {t('label.snapshot_hash')} {e.snapshot_hash[:12]}")
    return "\n".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64:
        return value[:12]
    if isinstance(value, list) and (len(value) > 6 or any(isinstance(v, dict) for v in value)):
        return t("log.items", count=len(value))
    return str(value)


# --- verifying and migrating the history -----------------------------------------------------


def mismatch_text(m: Mismatch) -> str:
    """A problem verifying (or migrating) found, in the current language: times in Beijing
    time, log actions, tables and kinds by their names, hashes as the log shows them."""
    shown: dict[str, Any] = {}
    for name, value in m.params.items():
        if isinstance(value, dt.datetime):
            value = local_time(value)
        elif name == "action":
            value = term("log.action", str(value))
        elif name == "table":
            value = term("table", str(value))
        elif name == "kind":
            value = _kind(str(value))
        shown[name] = _short(value) if isinstance(value, str) else value
    return t(m.key, **shown)


def verify_lines(report: VerifyReport) -> list[str]:
    """Whether the history verifies (or what does not match), what was checked, the log's head."""
    c = report.counts
    lines = [
        t("label.verify_ok")
        if report.ok
        else t("label.verify_problems", count=len(report.problems))
    ]
    lines += [f"  {mismatch_text(m)}" for m in report.problems]
    tables = {"duties": "duty", "matters": "matter", "areas": "area", "units": "unit"}
    rows = {name: c.get(table, 0) for name, table in tables.items()}
    lines.append(
        t(
            "label.verify_checked",
            revisions=c.get("revisions", 0),
            lists=c.get("lists", 0),
            versions=c.get("versions", 0),
            records=c.get("version_records", 0),
            rows=sum(rows.values()),
            **rows,
            entries=c.get("audit_entries", 0),
            admissions=c.get("admissions", 0),
        )
    )
    if report.head:
        lines.append(t("label.verify_head", hash=report.head))
    return lines


def verify_json(report: VerifyReport) -> dict[str, Any]:
    """The report as data: every problem with what it names (times in UTC) and its message."""
    return {
        "ok": report.ok,
        "counts": report.counts,
        "head": report.head,
        "problems": [
            {"check": m.check, **m.params, "message": mismatch_text(m)} for m in report.problems
        ],
    }


def migration_lines(result: MigrationResult, url: str) -> list[str]:
    """What a migration did: what it carried over, where the old registry is kept."""
    if not result.migrated:
        return [t("label.migrate_up_to_date", url=url, current=result.current)]
    c = result.counts
    if "columns" in c:  # layout 4 on: columns added, nothing else changed
        return [
            t(
                "label.migrated_columns",
                url=url,
                found=result.found,
                current=result.current,
                columns=c["columns"],
            )
        ]
    lines = [
        t(
            "label.migrated",
            url=url,
            found=result.found,
            current=result.current,
            revision=result.revision,
            lists=c.get("lists", 0),
            versions=c.get("versions", 0),
            rows=c.get("rows", 0),
            entries=c.get("entries", 0),
            admissions=c.get("admissions", 0),
        )
    ]
    if result.backup is not None:
        lines.append(t("label.migrate_backup", path=result.backup))
    else:
        lines.append(t("label.migrate_no_backup"))
    if c.get("unrecorded"):
        lines.append(t("label.migrate_unrecorded", count=c["unrecorded"], found=result.found))
    return lines


def diff_lines(
    diff: VersionDiff, names: dict[str, str] | None = None, attributes: Attributes | None = None
) -> list[str]:
    """The diff as text; ``names`` (code → name of matters, units, areas) makes it readable, and
    ``attributes`` (of the matters) lets Chinese output show conditions by their labels."""
    names = names or {}
    attributes = attributes or {}
    lines = [t("label.diff_title", list_id=diff.list_id, a=diff.a, b=diff.b)]
    for row in diff.removed:
        lines.append(f"  - {t('label.removed')}: {_row_text(row, names, attributes)}")
    for row in diff.added:
        lines.append(f"  + {t('label.added')}: {_row_text(row, names, attributes)}")
    for change in diff.changed:
        lines.append(f"  ~ {t('label.changed')}: {_row_text(change.after, names, attributes)}")
        domains = attributes.get(change.after.get("matter", ""))
        for name in change.fields:
            old: Any = change.before.get(name)
            new: Any = change.after.get(name)
            if name == "refer_to":  # a unit code: show the unit's name
                old, new = names.get(old, old), names.get(new, new)
            before, after = _value(name, old, domains), _value(name, new, domains)
            lines.append(f"      {term('field', name)}: {before} → {after}")
    if diff.empty:
        lines.append(f"  {t('label.no_diff')}")
    lines.append(f"  {t('label.unchanged', count=diff.unchanged)}")
    return lines


def _value(name: str, value: Any, domains: Mapping[str, AttributeDomain] | None = None) -> str:
    """A field of a row (of a list or of the catalogue) as a person reads it."""
    if value is None or value == [] or value == {}:
        return "-"
    if name == "when":
        return condition_text(value, domains)
    if name == "legal_basis":
        return "；".join(f"{basis_text(b)} ({_legal(b['kind'])})" for b in value)
    if name == "role":
        return t(f"role.{value}")
    if name in {"kind", "hit_policy"}:  # of a matter
        return term("matter_kind" if name == "kind" else "hit_policy", str(value))
    if name == "attributes" and isinstance(value, dict) and current_lang.get() == "zh":
        return t("list.separator").join(str(d.get("label") or a) for a, d in value.items())
    if isinstance(value, dict):
        return ", ".join(f"{term('field', k)}={_dict_value(k, v)}" for k, v in value.items())
    return str(value)


def basis_text(basis: Mapping[str, Any]) -> str:
    """A legal basis (as content) as a person reads it: title and article, then its issuer and
    date when given — ``《…条例》第十四条（国务院，2017-03-01 修订）``."""
    said = [str(basis["issuer"])] if basis.get("issuer") else []
    if basis.get("date"):
        kind = basis.get("date_kind")
        said.append(f"{basis['date']} {term('legal_date', kind)}" if kind else str(basis["date"]))
    more = f"（{'，'.join(said)}）" if said else ""
    return f"《{basis['title']}》{basis.get('article') or ''}{more}"


def _legal(kind: str) -> str:
    """A kind of legal basis: the code in English, the term in Chinese."""
    return term("legal", kind) if current_lang.get() == "zh" else kind


def _dict_value(name: str, value: Any) -> str:
    if name == "kind" and current_lang.get() == "zh":  # of a provenance
        return term("provenance", str(value))
    return str(value)


def _row_text(row: dict[str, Any], names: dict[str, str], attributes: Attributes) -> str:
    if "unit" not in row:
        return f"{row['code']} {row['name']}"
    when = condition_text(row.get("when", {}), attributes.get(row["matter"]))
    role = t(f"role.{row['role']}")
    matter = f"{row['matter']} {names.get(row['matter'], '')}".strip()
    unit, area = names.get(row["unit"], row["unit"]), names.get(row["area"], row["area"])
    refer = f" → {names.get(row['refer_to'], row['refer_to'])}" if row.get("refer_to") else ""
    return f"{matter}: {unit} {role}{refer} @{area}" + (f" [{when}]" if when else "")


def snapshot_lines(snap: Snapshot) -> tuple[list[str], Table]:
    counts = snap.summary()["counts"]
    lines = [
        t("label.snapshot", date=snap.as_of.isoformat()),
        f"{t('label.snapshot_hash')}: {snap.hash}",
        t(
            "label.counts",
            **{k: counts[k] for k in ("areas", "units", "matters", "lists", "duties")},
        ),
    ]
    if snap.catalogue:
        lines.append(
            f"{t('label.catalogue')}: {snap.catalogue.info.id} v{snap.catalogue.version.version}"
        )
    if snap.dangling:
        lines.append(t("label.dangling", count=len(snap.dangling)))
    if snap.calendar:
        years = ", ".join(str(number) for number, _ in snap.calendar.years)
        lines.append(t("label.calendar", years=years, hash=snap.calendar.hash[:12]))
    lines.append(t("label.known_at", revision=snap.revision))
    table = Table()
    for label in (
        "label.list",
        "label.name",
        "label.kind",
        "label.version",
        "label.effective",
        "label.rows",
        "label.hash",
    ):
        table.add_column(t(label))
    for e in snap.lists:
        table.add_row(
            e.info.id,
            e.info.name,
            _kind(str(e.info.kind)),
            f"v{e.version.version}",
            _date(e.version.effective_from),
            str(e.version.row_count),
            e.version.content_hash[:12],
        )
    return lines, table


def change_lines(changes: Iterable[SnapshotChange]) -> list[str]:
    """The dates whose snapshot a change altered, with the hashes before and after."""
    changes = list(changes)
    if not changes:
        return [t("label.no_snapshot_change")]
    lines = [t("label.snapshot_changes", count=len(changes))]
    for c in changes:
        until = c.last.isoformat() if c.last else t("label.open_ended")
        lines.append(f"  {c.first.isoformat()} → {until}: {c.before[:12]} → {c.after[:12]}")
    return lines


def version_json(version: ListVersion, until: dt.date | None = None) -> dict[str, Any]:
    """A version's metadata (its rows apart) as data: as ``remit registry lists --format json``
    prints it and the service answers it."""
    rows = {"duties", "matters", "areas", "units"}
    data = {k: v for k, v in asdict(version).items() if k not in rows}
    data["status"] = version.status.value
    data["in_force_until"] = until
    return data
