"""Legal bases of duties (法律依据): the kind of instrument, its title and the article."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import Field

from remit.model import WrittenValue


class LegalBasisKind(StrEnum):
    law = "law"  # 法律
    regulation = "regulation"  # 行政法规、地方性法规（条例）
    government_rule = "government_rule"  # 政府规章（规定、办法）
    normative_document = "normative_document"  # 规范性文件（意见、方案）
    meeting_minute = "meeting_minute"  # 会议纪要
    notice = "notice"  # 通知
    other = "other"


# the end of the title tells the kind of instrument
_KIND_BY_SUFFIX: tuple[tuple[str, LegalBasisKind], ...] = (
    ("纪要", LegalBasisKind.meeting_minute),
    ("通知", LegalBasisKind.notice),
    ("条例", LegalBasisKind.regulation),
    ("法", LegalBasisKind.law),
    ("规定", LegalBasisKind.government_rule),
    ("办法", LegalBasisKind.government_rule),
    ("细则", LegalBasisKind.government_rule),
    ("意见", LegalBasisKind.normative_document),
    ("方案", LegalBasisKind.normative_document),
    ("清单", LegalBasisKind.normative_document),
)
_QUALIFIERS = re.compile(r"(?:\s*[（(][^（()）]*[)）])+\s*$")
_TEXT = re.compile(r"^\s*《(?P<title>[^》]+)》\s*(?P<article>.*?)\s*$")


class LegalBasis(WrittenValue):
    """A legal basis, written in files either in full or as text like
    ``《上海市市容环境卫生管理条例》第二十二条`` (the kind is then read off the title)."""

    kind: LegalBasisKind
    title: str = Field(min_length=1)
    article: str | None = None

    @classmethod
    def parse_text(cls, text: str) -> dict[str, Any]:
        return parse_legal_basis_parts(text)

    @property
    def text(self) -> str:
        return f"《{self.title}》{self.article or ''}"


def kind_of_title(title: str) -> LegalBasisKind:
    """The kind of instrument its title ends with (longest ending first: 办法 is not 法),
    before any bracketed qualifier such as （试行） or （2021年修订）."""
    core = _QUALIFIERS.sub("", title)
    for suffix, kind in sorted(_KIND_BY_SUFFIX, key=lambda item: -len(item[0])):
        if core.endswith(suffix):
            return kind
    return LegalBasisKind.other


def parse_legal_basis_parts(text: str) -> dict[str, Any]:
    match = _TEXT.match(text)
    if match:
        title = match.group("title").strip()
        return {
            "kind": kind_of_title(title),
            "title": title,
            "article": match.group("article") or None,
        }
    title = text.strip()
    if not title:
        raise EmptyLegalBasisError()
    return {"kind": kind_of_title(title), "title": title, "article": None}


class EmptyLegalBasisError(ValueError):
    """An empty legal basis. It names its message (``key``, ``params``), so that a schema
    problem shows it in the user's language; ``str()`` is the English (remit.legal imports
    nothing of remit)."""

    key = "basis.empty"

    def __init__(self) -> None:
        self.params: dict[str, object] = {}
        super().__init__("empty legal basis")


def split_legal_bases(text: str) -> list[LegalBasis]:
    """A table cell may cite several instruments: ``《A法》第3条；《B条例》第5条``."""
    parts = [p for p in re.split(r"\s*[；;\n]\s*", text or "") if p.strip()]
    return [LegalBasis.model_validate(p) for p in parts]
