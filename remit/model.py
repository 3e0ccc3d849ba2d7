"""The one base of remit's pydantic models.

Files, requests, reports and decisions are all pydantic models built on :class:`Model`: an
unknown field is refused (a misspelt key in a file is an error, not silently ignored).
:class:`Value` is an immutable one — hashable, safe to share between the objects that cite it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Value(Model):
    """An immutable :class:`Model`."""

    model_config = ConfigDict(frozen=True)
