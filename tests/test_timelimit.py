"""The typed values of a duty's fields: time limits ("2小时", "4紧急工作时", "2工作日", "15天")
and legal bases (《…条例》第二十二条, the kind of instrument read off the title)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from remit.legal import LegalBasis, LegalBasisKind, kind_of_title, split_legal_bases
from remit.registry.fields import plain
from remit.registry.formats import DutySpec
from remit.timelimit import (
    HANDLING_WORDS,
    LONGEST,
    TimeLimit,
    TimeLimitImmediateError,
    TimeLimitSeveralError,
    TimeUnit,
    parse_time_limit,
    stored_time_limit,
)

U = TimeUnit

# --- time limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "canonical"),
    [
        # the examples of the documentation
        ("2小时", 2, U.hours, "2小时"),
        ("4紧急工作时", 4, U.urgent_work_hours, "4紧急工作时"),
        ("2工作日", 2, U.work_days, "2工作日"),
        ("15天", 15, U.days, "15天"),
        ("30分钟", 30, U.minutes, "30分钟"),
        # the unit names of the documentation
        ("10分", 10, U.minutes, "10分钟"),
        ("8工作时", 8, U.work_hours, "8工作时"),
        ("3日", 3, U.days, "3天"),
        ("7自然日", 7, U.days, "7天"),
        ("1个月", 1, U.months, "1个月"),
        ("6月", 6, U.months, "6个月"),
        # as tables write them
        ("3个工作日", 3, U.work_days, "3工作日"),
        ("2小时内", 2, U.hours, "2小时"),
        ("5个工作日以内", 5, U.work_days, "5工作日"),
        ("  2 小时 ", 2, U.hours, "2小时"),
        ("1.5小时", 1.5, U.hours, "1.5小时"),
        ("2.0工作日", 2, U.work_days, "2工作日"),
        ("２小时", 2, U.hours, "2小时"),
        ("2 hours", 2, U.hours, "2小时"),
        ("2H", 2, U.hours, "2小时"),
        ("3 Days", 3, U.days, "3天"),
        ("4 urgent_work_hours", 4, U.urgent_work_hours, "4紧急工作时"),
        ("1紧急工作日", 1, U.urgent_work_days, "1紧急工作日"),
        ("2个紧急工作日", 2, U.urgent_work_days, "2紧急工作日"),
        ("3紧急工作日内", 3, U.urgent_work_days, "3紧急工作日"),
        ("24小时以内", 24, U.hours, "24小时"),
        ("2 working_days", 2, U.work_days, "2工作日"),
    ],
)
def test_spellings_parse(text: str, value: float, unit: TimeUnit, canonical: str) -> None:
    limit = parse_time_limit(text)
    assert (limit.value, limit.unit) == (value, unit)
    assert limit.text == str(limit) == canonical
    assert parse_time_limit(limit.text) == limit


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "小时",
        "2",
        "两小时",
        "2天半",
        "-1天",
        "1e3天",
        ".5小时",
        "inf小时",
        "nan天",
        "2 fortnights",
        "2小时以后",
        "2小时/次",
        "工作日2",
    ],
)
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read time limit"):
        parse_time_limit(text)


@pytest.mark.parametrize("value", [0, -2, float("inf"), float("nan")])
def test_value_must_be_a_positive_number(value: float) -> None:
    with pytest.raises(ValidationError):
        TimeLimit(value=value, unit=U.hours)
    with pytest.raises(ValidationError):
        TimeLimit.model_validate({"value": value, "unit": "hours"})


def test_zero_in_text_is_rejected() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        parse_time_limit("0小时")


def test_in_a_duty() -> None:
    assert DutySpec.model_validate(
        {"matter": "M", "unit": "U", "time_limit": "2工作日"}
    ).time_limit == (TimeLimit(value=2, unit=U.work_days))
    typed = {"matter": "M", "unit": "U", "time_limit": {"value": 4, "unit": "urgent_work_hours"}}
    assert DutySpec.model_validate(typed).time_limit == parse_time_limit("4紧急工作时")
    with pytest.raises(ValidationError, match="cannot read time limit '两天'"):
        DutySpec.model_validate({"matter": "M", "unit": "U", "time_limit": "两天"})
    with pytest.raises(ValidationError):
        DutySpec.model_validate(
            {"matter": "M", "unit": "U", "time_limit": {"value": 1, "unit": "weeks"}}
        )


def positive(unit: TimeUnit) -> st.SearchStrategy[float]:
    """A time limit's value in ``unit``: above 0, at most the longest (about ten years)."""
    return st.floats(min_value=0, exclude_min=True, max_value=LONGEST[unit])


@settings(max_examples=500)
@given(data=st.data(), unit=st.sampled_from(TimeUnit))
def test_text_reparses_to_the_same_value(data: st.DataObject, unit: TimeUnit) -> None:
    value = data.draw(positive(unit))
    limit = TimeLimit(value=value, unit=unit)
    again = parse_time_limit(limit.text)
    assert again == limit
    assert again.text == limit.text


@pytest.mark.parametrize("unit", list(TimeUnit))
def test_a_time_limit_longer_than_ten_years_is_refused(unit: TimeUnit) -> None:
    longest = LONGEST[unit]
    assert TimeLimit(value=longest, unit=unit).value == longest
    with pytest.raises(ValidationError, match="is longer than ten years; the longest is"):
        TimeLimit(value=longest + 1, unit=unit)
    with pytest.raises(ValidationError, match="longer than ten years"):
        parse_time_limit(f"{longest * 10}{TimeLimit(value=1, unit=unit).text[1:]}")


UNIT_WORDS = {
    U.minutes: ["分钟", "min", "minutes"],
    U.hours: ["小时", "个小时", "h", "hour"],
    U.work_hours: ["工作时", "个工作小时", "work_hours"],
    U.urgent_work_hours: ["紧急工作时", "个紧急工作时", "紧急工作小时"],
    U.work_days: ["工作日", "个工作日", "work_day"],
    U.urgent_work_days: ["紧急工作日", "个紧急工作日", "urgent_work_days"],
    U.days: ["天", "日", "自然日", "个自然日", "days", "calendar_days"],
    U.months: ["个月", "月", "month"],
}


@settings(max_examples=300)
@given(
    number=st.integers(1, 120),  # the longest, in months
    case=st.sampled_from([(u, w) for u, words in UNIT_WORDS.items() for w in words]),
    space=st.sampled_from(["", " "]),
    suffix=st.sampled_from(["", "内", "以内", " 内"]),
)
def test_number_and_unit_word(
    number: int, case: tuple[TimeUnit, str], space: str, suffix: str
) -> None:
    unit, word = case
    limit = parse_time_limit(f"{number}{space}{word}{suffix}")
    assert (limit.value, limit.unit) == (number, unit)


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"])))
def test_text_without_a_number_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time_limit(text)


# --- words around a limit, as 处置责任分解表 write them ------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier", "note"),
    [
        # the limit to stop it, the action kept as its note
        ("1紧急工作时制止", 1, U.urgent_work_hours, None, "制止"),
        ("2工作时清除", 2, U.work_hours, None, "清除"),
        ("1紧急工作日恢复", 1, U.urgent_work_days, None, "恢复"),
        ("2小时内处置", 2, U.hours, None, "内处置"),
        ("5工作日内修复完毕", 5, U.work_days, None, "内修复完毕"),
        # a limit qualified by a season, kept as its qualifier
        ("种植季节15工作日", 15, U.work_days, "种植季节", None),
        ("（汛期）2紧急工作时", 2, U.urgent_work_hours, "（汛期）", None),
        ("每年3月至5月15工作日", 15, U.work_days, "每年3月至5月", None),
        # two limits: the one for handling is the limit, the other stays in the words
        ("30分钟到场，2小时处置", 2, U.hours, "30分钟到场，", "处置"),
        ("2小时内处置，24小时内回复", 2, U.hours, None, "内处置，24小时内回复"),
        ("立即制止，2工作日内整改", 2, U.work_days, "立即制止，", "内整改"),
    ],
)
def test_words_around_a_limit_are_kept(
    text: str, value: float, unit: TimeUnit, qualifier: str | None, note: str | None
) -> None:
    limit = parse_time_limit(text)
    assert (limit.value, limit.unit, limit.qualifier, limit.note) == (value, unit, qualifier, note)
    assert limit.text == text  # as written, the unit in its canonical spelling
    assert parse_time_limit(limit.text) == stored_time_limit(limit.text) == limit
    assert plain(limit) == text


def test_spelling_is_canonical_and_words_stay() -> None:
    limit = parse_time_limit(" 种植季节 15 个工作日 ")
    assert limit.text == "种植季节15工作日"
    assert parse_time_limit("1个紧急工作时制止").text == "1紧急工作时制止"


@pytest.mark.parametrize("text", ["立即", "即时", "立即制止", "马上处理", "随到随办"])
def test_immediately_is_refused_plainly(text: str) -> None:
    with pytest.raises(TimeLimitImmediateError, match="'immediately' is no time a deadline"):
        parse_time_limit(text)
    with pytest.raises(ValidationError, match="'immediately'"):
        DutySpec.model_validate({"matter": "M", "unit": "U", "time_limit": text})


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("种植季节15工作日，非种植季节30工作日", "15工作日, 30工作日"),
        ("2小时30分", "2小时, 30分"),
        ("2小时内处理，24小时内办结", "2小时, 24小时"),  # two marked for handling
        ("30分钟到场，2小时处置，4小时修复", "30分钟, 2小时, 4小时"),
    ],
)
def test_several_limits_without_one_marked_are_refused(text: str, limits: str) -> None:
    with pytest.raises(TimeLimitSeveralError, match="several limits") as caught:
        parse_time_limit(text)
    assert caught.value.params == {"text": text, "limits": limits}


@pytest.mark.parametrize(
    "text",
    [
        "2天半",  # two and a half days is no note
        "2小时以后",
        "2小时左右",
        "2小时/次",
        "每2小时",  # a frequency
        "超过2小时",  # a threshold
        "3月15日前完成",  # a date
        "2 hours to fix",
        "-1天制止",
    ],
)
def test_words_that_change_the_limit_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read time limit"):
        parse_time_limit(text)


def test_words_given_apart_must_read_back() -> None:
    assert TimeLimit(value=1, unit=U.urgent_work_hours, note="制止").text == "1紧急工作时制止"
    assert TimeLimit.model_validate(
        {"value": 15, "unit": "work_days", "qualifier": "种植季节"}
    ) == parse_time_limit("种植季节15工作日")
    for bad in ({"note": "半"}, {"note": "3小时处置"}, {"qualifier": "每"}, {"note": ""}):
        with pytest.raises(ValidationError):
            TimeLimit.model_validate({"value": 2, "unit": "hours", **bad})


def test_a_limit_without_words_is_stored_as_before() -> None:
    """Stored, hashed and exported forms of a limit without words are what they were."""
    limit = parse_time_limit("2小时内")
    assert limit.model_dump(mode="json") == {"value": 2.0, "unit": "hours"}
    assert limit.model_dump_json() == '{"value":2.0,"unit":"hours"}'
    assert plain(limit) == limit.text == "2小时"
    noted = parse_time_limit("1紧急工作时制止")
    assert noted.model_dump(mode="json") == {
        "value": 1.0,
        "unit": "urgent_work_hours",
        "note": "制止",
    }


def test_in_a_duty_with_words() -> None:
    spec = DutySpec.model_validate({"matter": "M", "unit": "U", "time_limit": "1紧急工作时制止"})
    assert spec.time_limit == TimeLimit(value=1, unit=U.urgent_work_hours, note="制止")


CJK_WORDS = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8
)
SEPARATORS = st.sampled_from(["", "，", "、", "（", "："])


@st.composite
def limits_with_words(draw: st.DrawFn) -> TimeLimit:
    unit = draw(st.sampled_from(TimeUnit))
    value = draw(st.integers(1, int(LONGEST[unit])))
    qualifier = draw(st.none() | st.builds(lambda w, s: w + s, CJK_WORDS, SEPARATORS))
    note = draw(st.none() | st.builds(lambda s, w: s + w, SEPARATORS, CJK_WORDS))
    limit = {"value": value, "unit": unit, "qualifier": qualifier, "note": note}
    try:
        return TimeLimit.model_validate(limit)
    except ValidationError:
        # words that change what the limit means ("半", "以后", "月" after a number …)
        assume(False)
        raise


@settings(max_examples=500)
@given(limit=limits_with_words())
def test_parse_of_format_is_the_limit(limit: TimeLimit) -> None:
    assert parse_time_limit(limit.text) == limit
    assert parse_time_limit(limit.text).text == limit.text
    assert TimeLimit.model_validate(limit.model_dump(mode="json")) == limit


@settings(max_examples=300)
@given(
    words=CJK_WORDS,
    handling=st.sampled_from(HANDLING_WORDS),
    first=st.integers(1, 60),
    second=st.integers(1, 60),
)
def test_the_limit_marked_for_handling_is_chosen(
    words: str, handling: str, first: int, second: int
) -> None:
    text = f"{first}分钟{words}，{second}小时{handling}"
    assume(not any(text.startswith(f"{first}分钟{h}") for h in HANDLING_WORDS))
    limit = parse_time_limit(text)
    assert (limit.value, limit.unit, limit.note) == (second, U.hours, handling)
    assert limit.text == text


# --- legal bases ------------------------------------------------------------------------------

K = LegalBasisKind


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("中华人民共和国城乡规划法", K.law),
        ("中华人民共和国行政处罚法", K.law),
        ("上海市市容环境卫生管理条例", K.regulation),
        ("城市市容和环境卫生管理条例", K.regulation),
        ("上海市城市管理行政执法条例实施办法", K.government_rule),
        ("上海市街镇履职事项准入管理办法", K.government_rule),
        ("上海市生活垃圾管理规定", K.government_rule),
        ("黄浦区网格化管理实施细则", K.government_rule),
        ("关于进一步加强城市管理工作的意见", K.normative_document),
        ("街道履职事项清单编制工作方案", K.normative_document),
        ("南京东路街道履职事项清单", K.normative_document),
        ("区城运中心工作会议纪要", K.meeting_minute),
        ("关于做好共享单车停放管理的通知", K.notice),
        ("上海市街镇履职事项准入管理办法（试行）", K.government_rule),
        ("城市市容和环境卫生管理条例(2017年修订)", K.regulation),
        ("某某暂行办法（试行）（2020年修订）", K.government_rule),
        ("区长办公会决定", K.other),
        ("", K.other),
    ],
)
def test_kind_of_title(title: str, kind: LegalBasisKind) -> None:
    assert kind_of_title(title) == kind


@pytest.mark.parametrize(
    ("text", "kind", "title", "article"),
    [
        (
            "《上海市市容环境卫生管理条例》第二十二条",
            K.regulation,
            "上海市市容环境卫生管理条例",
            "第二十二条",
        ),
        (
            " 《中华人民共和国行政处罚法》 第十八条第一款 ",
            K.law,
            "中华人民共和国行政处罚法",
            "第十八条第一款",
        ),
        ("《上海市生活垃圾管理规定》", K.government_rule, "上海市生活垃圾管理规定", None),
        ("关于做好共享单车停放管理的通知", K.notice, "关于做好共享单车停放管理的通知", None),
    ],
)
def test_legal_basis_from_text(
    text: str, kind: LegalBasisKind, title: str, article: str | None
) -> None:
    basis = LegalBasis.model_validate(text)
    assert (basis.kind, basis.title, basis.article) == (kind, title, article)
    assert LegalBasis.model_validate(basis.text) == basis


def test_legal_basis_in_full_keeps_its_kind() -> None:
    basis = LegalBasis.model_validate(
        {"kind": "normative_document", "title": "某某条例", "article": "第3条"}
    )
    assert basis.kind is K.normative_document
    assert basis.text == "《某某条例》第3条"
    with pytest.raises(ValidationError):
        LegalBasis.model_validate({"title": "某某条例"})
    with pytest.raises(ValidationError):
        LegalBasis.model_validate({"kind": "edict", "title": "某某条例"})


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_legal_basis_is_rejected(text: str) -> None:
    with pytest.raises(ValidationError, match="empty legal basis"):
        LegalBasis.model_validate(text)


def test_several_legal_bases_in_one_cell() -> None:
    bases = split_legal_bases(
        "《中华人民共和国城乡规划法》第六十四条；《上海市市容环境卫生管理条例》第22条;\n"
    )
    assert [(b.kind, b.title, b.article) for b in bases] == [
        (K.law, "中华人民共和国城乡规划法", "第六十四条"),
        (K.regulation, "上海市市容环境卫生管理条例", "第22条"),
    ]
    assert split_legal_bases("") == []


def test_one_legal_basis_or_several_in_a_duty() -> None:
    one = DutySpec.model_validate({"matter": "M", "unit": "U", "legal_basis": "《某某法》第1条"})
    several = DutySpec.model_validate(
        {
            "matter": "M",
            "unit": "U",
            "legal_basis": ["《某某法》第1条", {"kind": "notice", "title": "某通知"}],
        }
    )
    assert [b.kind for b in one.legal_basis] == [K.law]
    assert [b.kind for b in several.legal_basis] == [K.law, K.notice]


TITLE_BODY = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12
)
SUFFIXES = {
    "法": K.law,
    "条例": K.regulation,
    "规定": K.government_rule,
    "办法": K.government_rule,
    "细则": K.government_rule,
    "意见": K.normative_document,
    "方案": K.normative_document,
    "会议纪要": K.meeting_minute,
    "通知": K.notice,
}


@settings(max_examples=300)
@given(
    body=TITLE_BODY,
    suffix=st.sampled_from(list(SUFFIXES)),
    qualifier=st.sampled_from(["", "（试行）", "(暂行)", "（2021年修订）"]),
    article=st.sampled_from(["", "第三条", "第22条第二款"]),
)
def test_kind_from_title_and_text_round_trip(
    body: str, suffix: str, qualifier: str, article: str
) -> None:
    title = body + suffix + qualifier
    basis = LegalBasis.model_validate(f"《{title}》{article}")
    assert basis.title == title
    assert basis.article == (article or None)
    expected = SUFFIXES[suffix]
    if suffix == "法" and body.endswith("办"):
        expected = K.government_rule  # …办 + 法 is 办法
    assert basis.kind is expected
    assert LegalBasis.model_validate(basis.text) == basis
