"""The one base of remit's pydantic models.

Files, requests, reports and decisions are all pydantic models built on :class:`Model`: an
unknown field is refused (a misspelt key in a file is an error, not silently ignored).
:class:`Value` is an immutable one — hashable, safe to share between the objects that cite it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class Model(BaseModel):
    """A pydantic model that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


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
