"""The one base of remit's pydantic models.

Files, requests, reports and decisions are all pydantic models built on :class:`Model`: an
unknown field is refused (a misspelt key in a file is an error, not silently ignored), and so is
a number that is not finite (``.inf``, ``.nan``: no count, amount or setting is infinite).
:class:`Value` is an immutable one — hashable, safe to share between the objects that cite it.
The entities that are also file entries (areas, units, matters: dataclasses) validate with the
same :data:`CONFIG`.

:data:`Int` is a whole number as remit reads it: within SQL ``INTEGER``, the column type of every
whole number the registry stores (``remit/registry/models.py``) — 32 bits on PostgreSQL (SQLite's
holds 64), so a number that one database would store and the other refuse is refused on both,
when it is read, with its field named.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticUndefined

CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)
"""What every model refuses: unknown fields, and numbers that are not finite."""

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""The range of SQL ``INTEGER`` on PostgreSQL, the narrower of the two databases."""

Int = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
"""A whole number a file may give (its own bounds, if any, narrow this range)."""

LARGEST = 1e12
"""The largest amount a file may give (a yearly budget in yuan, a volume of cases, hours): far
above any real one, and small enough that the gates' sums and products of a few stay finite
(1e308 is finite, and times ten is infinite)."""

STORED = {"stored": True}
"""The validation context of what the registry stored: bounds added after it was written (an
amount's, a time limit's) are not applied to it, so that a registry written before them still
loads. Pass it as ``context=`` when validating stored values."""


def stored(info: ValidationInfo) -> bool:
    """Is the value validated one the registry stored (:data:`STORED`)?"""
    return bool(info.context and info.context.get("stored"))


class AmountOutOfRange(ValueError):
    """An amount beyond :data:`LARGEST`; names its message (``key``, ``params``) as
    ``remit.errors.MessageError`` does (which this module, below it, cannot import)."""

    def __init__(self, value: float):
        self.key = "schema.le" if value > 0 else "schema.ge"
        bound = int(LARGEST) if value > 0 else -int(LARGEST)
        self.params: dict[str, object] = {"le" if value > 0 else "ge": bound}
        relation = "less" if value > 0 else "greater"
        super().__init__(f"Input should be {relation} than or equal to {bound}")


def _within_largest(value: float, info: ValidationInfo) -> float:
    if abs(value) > LARGEST and not stored(info):
        raise AmountOutOfRange(value)
    return value


_LARGEST_SCHEMA = Field(json_schema_extra={"maximum": LARGEST})

NonNegative = Annotated[float, Field(ge=0), AfterValidator(_within_largest), _LARGEST_SCHEMA]
"""An amount a file may give (a budget, a volume, a setting): from 0 to :data:`LARGEST`. (The
lower bound stands before the check, so that the JSON Schema shows both.)"""

Positive = Annotated[float, Field(gt=0), AfterValidator(_within_largest), _LARGEST_SCHEMA]
"""An amount above 0, at most :data:`LARGEST` (hours a case takes, a threshold)."""


class Model(BaseModel):
    """A pydantic model that refuses unknown fields and numbers that are not finite."""

    model_config = CONFIG


class Value(Model):
    """An immutable :class:`Model`."""

    model_config = ConfigDict(frozen=True)


class WrittenValue(Value):
    """A :class:`Value` that files may also write as text (``"2工作日"``,
    ``"《…条例》第二十二条"``): :meth:`parse_text` reads the text into its fields, and the
    ``text`` property writes it back."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return cls.parse_text(data) if isinstance(data, str) else data

    @classmethod
    def parse_text(cls, text: str) -> dict[str, Any]:
        """The fields written as ``text``; raises ``ValueError`` with what was expected."""
        raise NotImplementedError

    @property
    def text(self) -> str:
        raise NotImplementedError


@functools.cache
def _shown(cls: type[BaseModel]) -> tuple[tuple[str, Any, Any, Any], ...]:
    """Each field of ``cls`` as its dump shows it: name, default, default factory, when it is
    left out (``exclude_if``); a field it never shows (``exclude``) is not among them."""
    if cls.model_computed_fields or cls.__pydantic_decorators__.field_serializers:
        raise TypeError(f"{cls.__name__}: plain() knows no computed fields or serializers")
    shown = []
    for name, info in cls.model_fields.items():
        if info.exclude:
            continue
        if info.alias or info.serialization_alias:
            raise TypeError(f"{cls.__name__}.{name}: plain() knows no aliases")
        shown.append((name, info.default, info.default_factory, info.exclude_if))
    return tuple(shown)


def plain(cls: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (a model's fields, by name) as ``cls(**values)`` would dump them, without
    building the model: in the fields' order, defaults filled in, what the model leaves out
    (``exclude``, ``exclude_if``) left out, nothing validated. For a batch's hot path, whose
    output is JSON (``orjson``); the tests validate what it gives against the model. Nested
    values stay as given (a model among them is for the encoder's ``default``). A required
    field missing from ``values`` is a ``KeyError``."""
    out: dict[str, Any] = {}
    for name, default, factory, omitted in _shown(cls):
        if name in values:
            value = values[name]
        elif factory is not None:
            value = factory()
        elif default is PydanticUndefined:
            raise KeyError(f"{cls.__name__}.{name}")
        else:
            value = default
        if omitted is None or not omitted(value):
            out[name] = value
    return out
