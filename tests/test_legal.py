"""Legal bases as real tables cite them: numbered citations with issuer, date and articles; the
kind follows the issuer; old bases keep their content (and so every hash)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit import Registry
from remit.legal import (
    LegalBasis,
    LegalBasisKind,
    LegalDateKind,
    articles_of,
    chinese_number,
    format_number,
    kind_of,
    kind_of_issuer,
    split_legal_bases,
)
from remit.registry import fields
from tests.factories import MINI, contents, sqlite_registry

K = LegalBasisKind
D = LegalDateKind

CELL = (
    "1、《城市市容和环境卫生管理条例》颁布单位：国务院，2017年3月1日修订 第十四条\n"
    "2、《上海市市容环境卫生管理条例》颁布单位：上海市人民代表大会常务委员会，"
    "2022年9月22日修正 第二十条、第二十一条"
)


def test_a_numbered_cell_gives_each_citation() -> None:
    first, second = split_legal_bases(CELL)
    assert first == LegalBasis(
        kind=K.administrative_regulation,
        title="城市市容和环境卫生管理条例",
        issuer="国务院",
        date=dt.date(2017, 3, 1),
        date_kind=D.revised,
        article="第十四条",
    )
    assert second.kind is K.local_regulation
    assert second.issuer == "上海市人民代表大会常务委员会"
    assert (second.date, second.date_kind) == (dt.date(2022, 9, 22), D.amended)
    assert second.article == "第二十条、第二十一条"
    assert second.articles == ((20, None), (21, None))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "（1）《上海市生活垃圾管理规定》发布机关：上海市人民政府，2019.3.24 施行",
            {"kind": K.government_rule, "date": dt.date(2019, 3, 24), "date_kind": D.effective},
        ),
        (
            "① 《城市道路管理条例》制定机关：国务院，2019-03-24修订 第18条第1款",
            {"kind": K.administrative_regulation, "article": "第18条第1款"},
        ),
        (
            "1.《城市建筑垃圾管理规定》颁布单位：住房和城乡建设部，2005年3月23日发布 第五条",
            {"kind": K.departmental_rule, "date_kind": D.issued},
        ),
        (
            "《中华人民共和国固体废物污染环境防治法》颁布单位：全国人民代表大会常务委员会",
            {"kind": K.law, "date": None, "article": None},
        ),
        (  # issuer wins over the end of the title
            "《城市生活无着的流浪乞讨人员救助管理办法》颁布单位：国务院 第三条",
            {"kind": K.administrative_regulation, "article": "第三条"},
        ),
        (  # a district's government makes no rules
            "《黄浦区街面秩序管理办法》颁布单位：上海市黄浦区人民政府，自2020年1月1日起施行",
            {"kind": K.normative_document, "date_kind": D.effective},
        ),
        (  # a notice stays a notice, whoever issued it
            "《国务院关于加强城市基础设施建设的意见》颁布单位：国务院",
            {"kind": K.normative_document},
        ),
        (  # a title not in 《》, before its issuer
            "3、城市道路管理条例，颁布单位：国务院 第十条",
            {"kind": K.administrative_regulation, "title": "城市道路管理条例", "article": "第十条"},
        ),
        (  # no issuer: the title tells, as before
            "2、《上海市市容环境卫生管理条例》第二十二条",
            {"kind": K.regulation, "issuer": None, "article": "第二十二条"},
        ),
    ],
)
def test_citation_variants(text: str, expected: dict[str, object]) -> None:
    basis = LegalBasis.model_validate(text)
    for name, value in expected.items():
        assert getattr(basis, name) == value, name
    assert LegalBasis.model_validate(basis.text) == basis


@pytest.mark.parametrize(
    ("issuer", "kind"),
    [
        ("全国人大常委会", K.law),
        ("中华人民共和国国务院", K.administrative_regulation),
        ("国务院办公厅", K.normative_document),
        ("国家市场监督管理总局", K.departmental_rule),
        ("住房和城乡建设部、公安部", K.departmental_rule),
        ("广东省人民代表大会", K.local_regulation),
        ("上海市人民政府", K.government_rule),
        ("上海市绿化和市容管理局", K.normative_document),
        ("上海市住房和城乡建设管理委员会", K.normative_document),
    ],
)
def test_kind_of_issuer(issuer: str, kind: LegalBasisKind) -> None:
    assert kind_of_issuer(issuer) is kind
    assert kind_of("某某条例", issuer) is kind


def test_a_date_that_is_no_day_is_refused() -> None:
    with pytest.raises(ValueError, match="no such date"):
        LegalBasis.model_validate("《某条例》颁布单位：国务院，2019年2月30日修订")


def test_old_bases_keep_their_content_and_text() -> None:
    """The fields added later are left out of content when not given: every hash of a basis
    stored before them stays what it was."""
    old = LegalBasis.model_validate("《上海市市容环境卫生管理条例》第二十二条")
    assert fields.plain(old) == {
        "kind": "regulation",
        "title": "上海市市容环境卫生管理条例",
        "article": "第二十二条",
    }
    assert old.text == "《上海市市容环境卫生管理条例》第二十二条"
    new = LegalBasis.model_validate(CELL.splitlines()[0])
    assert set(fields.plain(new)) == {"kind", "title", "article", "issuer", "date", "date_kind"}
    assert LegalBasis.model_validate(fields.plain(new)) == new


def test_articles_and_numbers() -> None:
    assert articles_of("第十八条第一款、第21条第2款，第一百零五条") == (
        (18, 1),
        (21, 2),
        (105, None),
    )
    assert [chinese_number(format_number(n)) for n in (1, 10, 14, 20, 105, 1010, 9999)] == [
        1,
        10,
        14,
        20,
        105,
        1010,
        9999,
    ]


def test_a_citation_may_run_over_lines() -> None:
    bases = split_legal_bases(
        "1、《城市道路管理条例》颁布单位：国务院，\n2019年3月24日修订 第二十七条；《某办法》\n"
        "2、《上海市城市道路管理条例》颁布单位：上海市人民代表大会常务委员会 第三条"
    )
    assert [(b.title, b.kind, b.date, b.article) for b in bases] == [
        ("城市道路管理条例", K.administrative_regulation, dt.date(2019, 3, 24), "第二十七条"),
        ("某办法", K.government_rule, None, None),
        ("上海市城市道路管理条例", K.local_regulation, None, "第三条"),
    ]


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
ISSUERS = {
    "国务院": K.administrative_regulation,
    "全国人民代表大会常务委员会": K.law,
    "上海市人民代表大会常务委员会": K.local_regulation,
    "上海市人民政府": K.government_rule,
    "交通运输部": K.departmental_rule,
    "上海市绿化和市容管理局": K.normative_document,
}


@st.composite
def articles(draw: st.DrawFn) -> str:
    cited = []
    for _ in range(draw(st.integers(1, 3))):
        number = draw(st.integers(1, 300))
        text = str(number) if draw(st.booleans()) else format_number(number)
        clause = draw(st.none() | st.integers(1, 9))
        cited.append(f"第{text}条" + (f"第{format_number(clause)}款" if clause else ""))
    return "、".join(cited)


@settings(max_examples=300)
@given(
    body=st.text(alphabet=HAN, min_size=1, max_size=12),
    suffix=st.sampled_from(["条例", "办法", "规定", "法", "实施细则"]),
    issuer=st.none() | st.sampled_from(list(ISSUERS)),
    date=st.none() | st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)),
    date_kind=st.none() | st.sampled_from(list(D)),
    article=st.none() | articles(),
    number=st.sampled_from(["", "1、", "2. ", "（3）", "④"]),
)
def test_formatting_then_parsing_gives_the_citation_back(
    body: str,
    suffix: str,
    issuer: str | None,
    date: dt.date | None,
    date_kind: LegalDateKind | None,
    article: str | None,
    number: str,
) -> None:
    title = body + suffix
    basis = LegalBasis(
        kind=kind_of(title, issuer),
        title=title,
        issuer=issuer,
        date=date,
        date_kind=date_kind if date else None,
        article=article,
    )
    assert LegalBasis.model_validate(number + basis.text) == basis
    assert split_legal_bases(f"{number}{basis.text}\n{number}{basis.text}") == [basis, basis]
    if issuer:
        assert basis.kind is ISSUERS[issuer]
    if article:
        assert len(basis.articles) == article.count("条")


CITED_LIST = """\
file: list
id: QZ-LB
name: 法律依据测试
kind: department
issuer: 区城管执法局
versions:
  - version: 1
    status: published
    effective_from: 2025-01-01
    duties:
      - matter: SJ0501
        unit: CGJ
        legal_basis: |-
          1、《城市市容和环境卫生管理条例》颁布单位：国务院，2017年3月1日修订 第十四条
          2、《上海市市容环境卫生管理条例》颁布单位：上海市人民代表大会常务委员会 第二十条、第二十一条
      - {matter: BJ0101, unit: GAS, legal_basis: 《上海市燃气管理条例》第五条}
"""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_cited_bases_survive_export_and_import(
    mini_registry: Registry, tmp_path: Path, fmt: str
) -> None:
    """A cell of numbered citations is read in a file as in a table; exported and imported
    again, each basis (issuer, date, article, kind) and so the content hash come back."""
    source = tmp_path / "lb.yaml"
    source.write_text(CITED_LIST, encoding="utf-8")
    mini_registry.import_files([source])
    original = mini_registry.version("QZ-LB", 1)
    cited = next(d for d in original.duties if d.matter == "SJ0501").legal_basis
    assert [(b.kind, b.issuer, b.date) for b in cited] == [
        (K.administrative_regulation, "国务院", dt.date(2017, 3, 1)),
        (K.local_regulation, "上海市人民代表大会常务委员会", None),
    ]
    out = tmp_path / f"lb-out.{fmt}"
    mini_registry.export("QZ-LB", fmt, out)
    if fmt == "yaml":
        fresh = sqlite_registry(tmp_path / "fresh")
        fresh.import_files([MINI, out])
        again = fresh.version("QZ-LB", 1)
    else:
        mini_registry.import_table(out, "QZ-LB")
        again = mini_registry.version("QZ-LB", 2)
    assert contents(again.duties) == contents(original.duties)
    assert again.content_hash == original.content_hash


def test_shown_with_title_article_issuer_and_date() -> None:
    from remit.i18n import current_lang
    from remit.present.registry import basis_text

    cited = LegalBasis.model_validate(CELL.splitlines()[0])
    token = current_lang.set("en")
    try:
        assert basis_text(cited.model_dump(mode="json")) == (
            "《城市市容和环境卫生管理条例》第十四条（国务院，2017-03-01 revised）"
        )
    finally:
        current_lang.reset(token)
    token = current_lang.set("zh")
    try:
        assert basis_text(cited.model_dump(mode="json")).endswith("（国务院，2017-03-01 修订）")
    finally:
        current_lang.reset(token)
    old = LegalBasis.model_validate("《某条例》第三条")
    assert basis_text(old.model_dump(mode="json")) == "《某条例》第三条"


def test_stored_as_before() -> None:
    """What a duty's column holds for a basis without the later fields is what it held before
    them (a migrated or copied row compares equal)."""
    from pydantic import TypeAdapter

    adapter: TypeAdapter[tuple[LegalBasis, ...]] = TypeAdapter(tuple[LegalBasis, ...])
    old = LegalBasis.model_validate("《某条例》第三条")
    assert adapter.dump_json((old,)) == (
        '[{"kind":"regulation","title":"某条例","article":"第三条"}]'.encode()
    )
    cited = LegalBasis.model_validate(CELL.splitlines()[0])
    assert adapter.validate_json(adapter.dump_json((old, cited))) == (old, cited)
