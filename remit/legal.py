"""Legal bases of duties (法律依据): the kind of instrument, its title, who issued it and when,
and the article.

A basis is written in files in full or as text. The text is what real tables carry: a title in
《》, then optionally its issuer (``颁布单位：国务院``, also 发布机关/制定机关 …), a date with what
happened on it (``2017年3月1日修订``, ``2019.3.24``, ``2019-03-24``; 修订, 修正, 发布, 施行 …) and
the article(s) (``第十四条``, ``第二十条、第二十一条``, ``第18条第1款``). A table cell may hold
several, numbered (``1、`` ``1.`` ``（1）`` ``①``) or separated by ``；`` or line breaks.

The kind follows the issuer: 全国人大 (常委会) → law, 国务院 → administrative regulation, a
province's or city's 人大 (常委会) → local regulation, a ministry or commission of the State
Council → departmental rule, a province's or city's 人民政府 → government rule; any other body
issues normative documents. The end of the title is used when no issuer is given (条例 is then
``regulation``: administrative or local, not known), and to tell a notice, an opinion or
minutes apart from legislation whoever issued them.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any

from pydantic import Field

from remit.model import WrittenValue


class LegalBasisKind(StrEnum):
    law = "law"  # 法律
    regulation = "regulation"  # 行政法规或地方性法规（条例，制定机关未写明）
    administrative_regulation = "administrative_regulation"  # 行政法规（国务院）
    local_regulation = "local_regulation"  # 地方性法规（省、市人大及其常委会）
    departmental_rule = "departmental_rule"  # 部门规章（国务院部门）
    government_rule = "government_rule"  # 政府规章（规定、办法；省、市人民政府）
    normative_document = "normative_document"  # 规范性文件（意见、方案）
    meeting_minute = "meeting_minute"  # 会议纪要
    notice = "notice"  # 通知
    other = "other"


class LegalDateKind(StrEnum):
    """What happened to an instrument on the date a citation gives."""

    issued = "issued"  # 发布、颁布、公布
    revised = "revised"  # 修订
    amended = "amended"  # 修正
    effective = "effective"  # 施行、实施


_DATE_WORDS: dict[str, LegalDateKind] = {
    "修订": LegalDateKind.revised,
    "修正": LegalDateKind.amended,
    "发布": LegalDateKind.issued,
    "颁布": LegalDateKind.issued,
    "公布": LegalDateKind.issued,
    "起施行": LegalDateKind.effective,
    "起实施": LegalDateKind.effective,
    "施行": LegalDateKind.effective,
    "实施": LegalDateKind.effective,
}
_DATE_WORD = {
    LegalDateKind.revised: "修订",
    LegalDateKind.amended: "修正",
    LegalDateKind.issued: "发布",
    LegalDateKind.effective: "施行",
}
"""How a date's kind is written back."""

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
_DOCUMENTS = frozenset(
    {LegalBasisKind.meeting_minute, LegalBasisKind.notice, LegalBasisKind.normative_document}
)
"""Kinds a title names that are never legislation, whoever issues them."""

_QUALIFIERS = re.compile(r"(?:\s*[（(][^（()）]*[)）])+\s*$")
_TEXT = re.compile(r"^\s*《(?P<title>[^》]+)》\s*(?P<article>.*?)\s*$", re.DOTALL)
_NUMBERING = (
    r"(?:\d{1,3}\s*[、.．)）]|[（(]\s*\d{1,3}\s*[)）]|[①-⑳]|[一二三四五六七八九十]{1,3}\s*、)"
)
_NUMBER = re.compile(rf"^\s*{_NUMBERING}\s*(?=[^\d\s.．])")
_NUMBERED_ITEM = re.compile(rf"(?:^|(?<=[\n；;]))\s*{_NUMBERING}\s*(?=《)")
_ISSUER_LABEL = "颁布单位|颁布机关|发布单位|发布机关|制定机关|制定单位|公布机关|发文单位|发文机关"
_LABEL = re.compile(rf"(?:{_ISSUER_LABEL})\s*[：:]")
_ISSUER = re.compile(rf"^(?:{_ISSUER_LABEL})\s*[：:]\s*(?P<issuer>[^，,；;。\s\d]+)")
_DATE = re.compile(
    r"^自?\s*(?:(?P<y1>\d{4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日"
    r"|(?P<y2>\d{4})\s*[.．/]\s*(?P<m2>\d{1,2})\s*[.．/]\s*(?P<d2>\d{1,2})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2}))"
    rf"\s*(?P<word>{'|'.join(sorted(_DATE_WORDS, key=len, reverse=True))})?"
)
_SEPARATORS = re.compile(r"^[\s，,、]+")
_ARTICLE = re.compile(r"第\s*(?P<article>[〇零一二三四五六七八九十百千两\d]+)\s*条")
_CLAUSE = re.compile(r"\s*第\s*(?P<clause>[〇零一二三四五六七八九十百千两\d]+)\s*款")


def _absent(value: object) -> bool:
    return value is None


class LegalBasis(WrittenValue):
    """A legal basis, written in files either in full or as text like
    ``《上海市市容环境卫生管理条例》第二十二条`` or
    ``《城市市容和环境卫生管理条例》颁布单位：国务院，2017年3月1日修订 第十四条`` (the kind is
    then read off the issuer, or the title when no issuer is given). ``issuer``, ``date`` and
    ``date_kind`` were added later: they are left out of its JSON — what is stored, and its
    content (and so every hash) — when not given."""

    kind: LegalBasisKind
    title: str = Field(min_length=1)
    article: str | None = None
    # added later: absent from its JSON (stored, hashed, exported) when not given
    issuer: str | None = Field(None, min_length=1, exclude_if=_absent)
    date: dt.date | None = Field(None, exclude_if=_absent)
    date_kind: LegalDateKind | None = Field(None, exclude_if=_absent)

    @classmethod
    def parse_text(cls, text: str) -> dict[str, Any]:
        return parse_legal_basis_parts(text)

    @property
    def text(self) -> str:
        """The basis as text; :meth:`parse_text` reads it back to the same fields (the kind
        aside, which the text implies)."""
        parts = []
        if self.issuer:
            parts.append(f"颁布单位：{self.issuer}")
        if self.date:
            word = _DATE_WORD[self.date_kind] if self.date_kind else ""
            parts.append(f"{self.date.year}年{self.date.month}月{self.date.day}日{word}")
        if not parts:
            return f"《{self.title}》{self.article or ''}"
        described = "，".join(parts)
        return f"《{self.title}》{described}{' ' + self.article if self.article else ''}"

    @property
    def articles(self) -> tuple[tuple[int, int | None], ...]:
        """The articles cited, as (article, clause or None): ``第二十条第二款、第21条`` →
        ((20, 2), (21, None)); numbers in Chinese or Arabic numerals."""
        return articles_of(self.article or "")


def kind_of_title(title: str) -> LegalBasisKind:
    """The kind of instrument its title ends with (longest ending first: 办法 is not 法),
    before any bracketed qualifier such as （试行） or （2021年修订）."""
    core = _QUALIFIERS.sub("", title)
    for suffix, kind in sorted(_KIND_BY_SUFFIX, key=lambda item: -len(item[0])):
        if core.endswith(suffix):
            return kind
    return LegalBasisKind.other


_NATIONAL_CONGRESS = re.compile(r"^(?:中华人民共和国)?全国(?:人民代表大会|人大)")
_STATE_COUNCIL = re.compile(r"^(?:中华人民共和国)?国务院$")
_CONGRESS = re.compile(r"(?P<place>.*?)(?:人民代表大会|人大)")
_GOVERNMENT = re.compile(r"(?P<place>.*?)人民政府")
_MINISTRY = re.compile(
    r"^(?:中华人民共和国|国务院)?(?:国家\S*(?:委员会|局|署)|[^省市县区州]+(?:部|署)|中国人民银行)$"
)
_NO_RULES = ("区", "县", "旗", "乡", "镇", "街道")
"""Places whose congress or government make no regulations or rules (their acts are normative
documents)."""


def kind_of_issuer(issuer: str) -> LegalBasisKind:
    """The kind of instrument an issuer makes (its most binding): 全国人大 (常委会) → law,
    国务院 → administrative regulation, a ministry, commission or administration of the State
    Council → departmental rule, a province's or city's 人大 (常委会) → local regulation, its
    人民政府 → government rule; any other body (a district's, a bureau, an office) → normative
    document. Several issuers joined by 、 (a joint rule of ministries) are read by the first."""
    first = re.split(r"[、，,/]", issuer.strip(), maxsplit=1)[0].strip()
    name = re.sub(r"\s+", "", first)
    if _NATIONAL_CONGRESS.match(name):
        return LegalBasisKind.law
    if _STATE_COUNCIL.match(name):
        return LegalBasisKind.administrative_regulation
    if _MINISTRY.match(name):
        return LegalBasisKind.departmental_rule
    for pattern, kind in (
        (_CONGRESS, LegalBasisKind.local_regulation),
        (_GOVERNMENT, LegalBasisKind.government_rule),
    ):
        match = pattern.match(name)
        if match and name[match.end() :] in ("", "常务委员会", "常委会"):
            place = match.group("place")
            if place and not place.endswith(_NO_RULES):
                return kind
            return LegalBasisKind.normative_document
    return LegalBasisKind.normative_document


def kind_of(title: str, issuer: str | None) -> LegalBasisKind:
    """The kind of a basis: its issuer's (:func:`kind_of_issuer`) when one is given — issuer
    wins over the end of the title — except that a title naming a notice, minutes or an
    opinion keeps that kind (a 国务院 通知 is a notice, not an administrative regulation);
    else its title's (:func:`kind_of_title`)."""
    by_title = kind_of_title(title)
    if not issuer or by_title in _DOCUMENTS:
        return by_title
    return kind_of_issuer(issuer)


def parse_legal_basis_parts(text: str) -> dict[str, Any]:
    """The fields of a basis written as text (see the module): a leading number (``1、``) is
    dropped; issuer and date are read when labelled as above, and what follows them is the
    article; a text without them keeps all after the title as its article."""
    text = _NUMBER.sub("", text, count=1)
    match = _TEXT.match(text)
    label = None if match else _LABEL.search(text)
    if match:
        title, rest = match.group("title").strip(), match.group("article")
    elif label and text[: label.start()].strip(" \t\n，,"):  # a title not in 《》
        title, rest = text[: label.start()].strip(" \t\n，,"), text[label.start() :]
    else:
        title = text.strip()
        if not title:
            raise EmptyLegalBasisError()
        return {"kind": kind_of_title(title), "title": title, "article": None}
    parts: dict[str, Any] = {}
    while True:
        found = _ISSUER.match(rest)
        if found and "issuer" not in parts:
            parts["issuer"] = found.group("issuer")
        else:
            found = _DATE.match(rest)
            if not found or "date" in parts:
                break
            parts.update(_date(found))
        rest = _SEPARATORS.sub("", rest[found.end() :])
    if parts:
        rest = re.sub(r"\s+", " ", rest).strip(" ，,。")
    return {
        "kind": kind_of(title, parts.get("issuer")),
        "title": title,
        "article": rest or None,
        **parts,
    }


def _date(match: re.Match[str]) -> dict[str, Any]:
    for n in "123":
        if match.group(f"y{n}"):
            year, month, day = (int(match.group(f"{p}{n}")) for p in "ymd")
            break
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise LegalDateError(match.group(0)) from None
    word = match.group("word")
    return {"date": date, "date_kind": _DATE_WORDS[word] if word else None}


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """A whole number in Arabic or Chinese numerals (二十一, 一百零五, 十四, 21)."""
    if text.isdigit() and text.isascii():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            raise ValueError(f"not a number: {text!r}")
    return total + digit


def articles_of(text: str) -> tuple[tuple[int, int | None], ...]:
    """The articles (第X条) and their clauses (第Y款) an article text cites, in order."""
    found: list[tuple[int, int | None]] = []
    for match in _ARTICLE.finditer(text):
        clause = _CLAUSE.match(text, match.end())
        found.append(
            (
                chinese_number(match.group("article")),
                chinese_number(clause.group("clause")) if clause else None,
            )
        )
    return tuple(found)


def format_number(n: int) -> str:
    """A whole number from 1 to 9999 in Chinese numerals, as laws number articles (十四,
    二十一, 一百零五)."""
    if not 0 < n < 10000:
        raise ValueError(f"out of range: {n}")
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, value)
        if d:
            if zero:
                out += "零"
            out += ("" if (unit == "十" and d == 1 and not out) else digits[d]) + unit
            zero = False
        elif out:
            zero = True
    return out


class EmptyLegalBasisError(ValueError):
    """An empty legal basis. It names its message (``key``, ``params``), so that a schema
    problem shows it in the user's language; ``str()`` is the English (remit.legal imports
    nothing of remit)."""

    key = "basis.empty"

    def __init__(self) -> None:
        self.params: dict[str, object] = {}
        super().__init__("empty legal basis")


class LegalDateError(ValueError):
    """A date in a citation that is no day of the calendar (``2019年2月30日``)."""

    key = "basis.bad_date"

    def __init__(self, written: str) -> None:
        self.params: dict[str, object] = {"date": written}
        super().__init__(f"no such date in a legal basis: {written}")


def _numbered(text: str) -> list[str]:
    """The numbered citations of ``text`` (each on one line, ``；`` splitting them further)."""
    parts = [p for item in _NUMBERED_ITEM.split(text) for p in re.split(r"\s*[；;]\s*", item)]
    return [re.sub(r"\s*\n\s*", " ", p).strip() for p in parts if p.strip()]


def one_or_many(value: Any) -> Any:
    """What a file gives as ``legal_basis``, as a list: one basis (text or in full), several
    (a list), or a text of numbered citations (``1、《…》… 2、《…》…``), each one basis. (A text
    with no numbers stays one basis, as it always was.)"""
    if isinstance(value, str) and _NUMBERED_ITEM.search(value):
        return _numbered(value)
    return [value] if isinstance(value, str | dict) else value


def split_legal_bases(text: str) -> list[LegalBasis]:
    """A table cell may cite several instruments: ``《A法》第3条；《B条例》第5条``, one a line,
    or numbered (``1、《A法》… 2、《B条例》…``; a numbered citation may run over lines)."""
    text = text or ""
    numbered = _NUMBERED_ITEM.search(text)
    parts = _numbered(text) if numbered else re.split(r"\s*[；;\n]\s*", text)
    return [LegalBasis.model_validate(p) for p in parts if p.strip()]
