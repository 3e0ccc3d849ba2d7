"""SQLModel tables of the registry. SQLite by default, PostgreSQL by URL.

Rows are storage; the Python API hands out the frozen domain objects of
:mod:`remit.registry.domain` instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = "3"  # 2: duty.refer_to; 3: matter.estimate and requires_powers, admission


class MetaRecord(SQLModel, table=True):
    __tablename__ = "remit_meta"
    key: str = Field(primary_key=True)
    value: str


class AreaRecord(SQLModel, table=True):
    __tablename__ = "area"
    code: str = Field(primary_key=True)
    name: str
    level: str
    parent: str | None = Field(default=None, index=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class UnitRecord(SQLModel, table=True):
    __tablename__ = "unit"
    code: str = Field(primary_key=True)
    name: str
    kind: str
    level: str
    jurisdiction: str
    parent: str | None = None
    capacity: int | None = None
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    powers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ListRecord(SQLModel, table=True):
    """A responsibility list, or the matter catalogue (kind ``catalogue``)."""

    __tablename__ = "responsibility_list"
    id: str = Field(primary_key=True)
    name: str
    kind: str
    issuer: str | None = None
    scope: str | None = None


class ListVersionRecord(SQLModel, table=True):
    __tablename__ = "list_version"
    __table_args__ = (UniqueConstraint("list_id", "version"),)
    pk: int | None = Field(default=None, primary_key=True)
    list_id: str = Field(foreign_key="responsibility_list.id", index=True)
    version: int
    status: str
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    author: str | None = None
    note: str | None = None
    content_hash: str
    parent_hash: str | None = None
    row_count: int
    created_at: dt.datetime
    published_at: dt.datetime | None = None
    published_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None


class MatterRecord(SQLModel, table=True):
    __tablename__ = "matter"
    __table_args__ = (UniqueConstraint("version_pk", "code"),)
    pk: int | None = Field(default=None, primary_key=True)
    version_pk: int = Field(foreign_key="list_version.pk", index=True)
    code: str
    name: str
    kind: str
    parent: str | None = None
    hit_policy: str
    default_time_limit: str | None = None
    description: str | None = None
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    estimate: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    requires_powers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DutyRecord(SQLModel, table=True):
    __tablename__ = "duty"
    __table_args__ = (Index("ix_duty_version_seq", "version_pk", "seq"),)
    pk: int | None = Field(default=None, primary_key=True)
    version_pk: int = Field(foreign_key="list_version.pk")
    seq: int
    matter: str
    unit: str
    role: str
    area: str
    time_limit: str | None = None
    priority: int = 0
    review_by: dt.date | None = None
    note: str | None = None
    refer_to: str | None = None
    conditions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    legal_basis: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    provenance: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_log"
    pk: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    actor: str
    action: str
    list_id: str | None = Field(default=None, index=True)
    version: int | None = None
    note: str | None = None
    snapshot_hash: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AdmissionRecord(SQLModel, table=True):
    """A request to devolve a matter to streets (事项准入), its findings and its decision."""

    __tablename__ = "admission"
    id: str = Field(primary_key=True)
    matter: str
    department: str
    status: str = Field(index=True)  # submitted | approved | rejected
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    snapshot_hash: str
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_note: str | None = None
    enacted: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
