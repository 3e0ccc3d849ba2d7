"""What a department asks for when it wants a task pushed down to the streets (事项准入), and
how the gate is configured. Both are YAML files validated with pydantic
(``remit schema --kind admission`` / ``--kind admission-config``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from remit.errors import MessageError
from remit.files.text import Line, Text
from remit.legal import LegalBasis, LegalBasisKind, one_or_many
from remit.model import INT_MAX, Int, Model, NonNegative, Positive
from remit.registry.entities import Code
from remit.timelimit import TimeLimit


class Receiving(Model):
    """Who receives the task: named street units, or every street unit of an area."""

    units: list[Line] = Field(
        default_factory=list,
        max_length=1000,  # Shanghai has some 220 streets and towns; each name is looked up
        description="street units (code, name or alias)",
    )
    area: Line | None = Field(
        None, description="an area (code, name or alias): every street unit within it"
    )

    @model_validator(mode="after")
    def _one_of(self) -> Receiving:
        if bool(self.units) == bool(self.area):
            raise MessageError("admission.units_or_area")
        return self


class Resources(Model):
    """What follows the duty down (权随责走、费随事转), for each receiving unit."""

    staff: float | None = Field(
        None, ge=0, le=INT_MAX, description="staff transferred to each receiving unit"
    )
    yearly_budget: NonNegative | None = Field(
        None, description="yuan a year transferred to each receiving unit"
    )
    powers: list[Line] = Field(
        default_factory=list, description="powers transferred, e.g. administrative_enforcement"
    )


class DepartmentAfter(StrEnum):
    """What becomes of the department's own lead rows in the receiving streets."""

    supervise = "supervise"  # it supervises (the usual devolution)
    keep = "keep"  # it keeps leading (the gate will report the overlap)
    remove = "remove"  # its rows there are dropped


class AdmissionRequest(Model):
    """A request to devolve a matter to streets (`file: admission`)."""

    file: Literal["admission"]
    id: Code = Field(description="the request's id, e.g. HP-ZR-2026-003")
    matter: Line = Field(min_length=1, description="matter code, name or alias")
    department: Line = Field(min_length=1, description="the requesting department (unit)")
    receiving: Receiving
    role: Literal["lead", "assist"] = Field("lead", description="lead 主办 or assist 协办")
    when: dict[str, Any] | None = Field(None, description="conditions, as on a duty row")
    time_limit: TimeLimit | None = None
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    resources: Resources = Field(default_factory=Resources)
    expected_yearly_volume: NonNegative | None = Field(
        None,
        description="events a year in each receiving street (default: the catalogue's estimate)",
    )
    hours_per_case: Positive | None = Field(
        None,
        description="hours a case takes (default: the catalogue's estimate, else the norm)",
    )
    effective_from: dt.date
    department_after: DepartmentAfter = DepartmentAfter.supervise
    target_list: Line | None = Field(
        None,
        description="the street list that gets the new rows (default: the street basic list in force)",
    )
    justification: Text | None = None

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return one_or_many(value)


class GateName(StrEnum):
    """The seven gates, in the order they run."""

    well_formed = "well_formed"
    legal_basis = "legal_basis"
    not_reclaimed = "not_reclaimed"
    resources = "resources"
    capacity = "capacity"
    no_overlap = "no_overlap"
    powers = "powers"


class Mode(StrEnum):
    """How a gate's failure counts (as admission controllers roll a rule out)."""

    dryrun = "dryrun"  # recorded only
    warn = "warn"  # passes with a warning
    deny = "deny"  # rejects


class Norms(Model):
    """What a case costs, for the resources and capacity gates."""

    hours_per_case: Positive = Field(2.0, description="when the matter's estimate names none")
    hours_per_staff_year: Positive = Field(2000.0)
    cost_per_case: NonNegative = Field(150.0, description="yuan a case")


class AdmissionConfig(Model):
    """Settings of the admission gate (`file: admission-config`)."""

    file: Literal["admission-config"] | None = None
    accepted_legal_kinds: list[LegalBasisKind] = Field(
        default_factory=lambda: [
            LegalBasisKind.law,
            LegalBasisKind.regulation,
            LegalBasisKind.administrative_regulation,
            LegalBasisKind.local_regulation,
            LegalBasisKind.departmental_rule,
            LegalBasisKind.government_rule,
        ],
        description="kinds of instrument a devolution may rest on (依法下放)",
    )
    norms: Norms = Field(default_factory=Norms)
    capacity_threshold: Positive = Field(
        1.0, description="a street's load index must stay at or under this"
    )
    modes: dict[GateName, Mode] = Field(
        default_factory=dict, description="gate → dryrun | warn | deny (default deny)"
    )
    approvers: list[Line] = Field(
        default_factory=list, description="who holds the approving role (names, as given by --by)"
    )
    decision_working_days: Annotated[
        Int, Field(ge=1, description="working days after which an undecided request is overdue")
    ] = 10
    approvals_required: Annotated[
        Int,
        Field(
            ge=1,
            le=5,
            description="approvals, each by a different approver (none the submitter), that "
            "decide a request: the last runs the gates again and enacts it (four eyes: 2)",
        ),
    ] = 1

    def mode(self, gate: GateName) -> Mode:
        return self.modes.get(gate, Mode.deny)
