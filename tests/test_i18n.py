"""The message catalogues (remit/<package>/messages/{en,zh}.yaml): complete in both languages,
the same placeholders in each, every key the code names defined, and no key left unused."""

from __future__ import annotations

import ast
import pickle
import re
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import remit.i18n as i18n
from remit import Registry
from remit.conditions import (
    EnumDomain,
    attribute_name,
    normalize,
    parse_condition_text,
    render_condition,
)
from remit.errors import Problem
from remit.files.names import NameIndex
from remit.i18n import LANGS, has, t
from remit.present.text import condition_text
from tests.factories import SAMPLE

REMIT = Path(i18n.__file__).resolve().parent.parent
CATALOGUES = sorted({*REMIT.glob("*/messages/*.yaml"), *REMIT.glob("*/*/messages/*.yaml")})
MESSAGE_DIRS = sorted({path.parent for path in CATALOGUES})
TABLE = i18n._messages()
# a format spec naming a family of messages: {status:status} shows the message status.<value>
TERM_SPECS = ("status", "noun", "action", "route_status")


def _catalogue(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _rel(path: Path) -> str:
    return str(path.relative_to(REMIT.parent))


# --- the files ---------------------------------------------------------------------------------


def test_the_catalogues_are_found_per_package() -> None:
    assert REMIT / "i18n" / "messages" in MESSAGE_DIRS
    assert len(MESSAGE_DIRS) >= 5
    for directory in MESSAGE_DIRS:
        assert sorted(p.name for p in directory.glob("*.yaml")) == [
            f"{lang}.yaml" for lang in LANGS
        ]


@pytest.mark.parametrize("path", CATALOGUES, ids=_rel)
def test_each_file_parses_as_a_flat_mapping_of_text(path: Path) -> None:
    data = _catalogue(path)
    assert data, f"{_rel(path)} is empty"
    for key, text in data.items():
        assert isinstance(key, str) and re.fullmatch(r"[a-z_0-9]+(\.[a-z_0-9]+)+", key), key
        assert isinstance(text, str) and text.strip(), f"{_rel(path)}: {key}"


@pytest.mark.parametrize("directory", MESSAGE_DIRS, ids=_rel)
def test_every_key_is_in_both_languages(directory: Path) -> None:
    en, zh = (_catalogue(directory / f"{lang}.yaml") for lang in LANGS)
    assert sorted(en.keys() - zh.keys()) == [], "only in en.yaml"
    assert sorted(zh.keys() - en.keys()) == [], "only in zh.yaml"


def test_no_key_is_in_two_packages() -> None:
    owners: dict[str, list[str]] = {}
    for path in CATALOGUES:
        if path.stem == "en":
            for key in _catalogue(path):
                owners.setdefault(key, []).append(_rel(path))
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    assert set(owners) == set(TABLE)


def _fields(text: str) -> Counter[tuple[str, str, str]]:
    """The placeholders of a template: (field name, conversion, format spec), with repeats."""
    return Counter(
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


@pytest.mark.parametrize("key", sorted(TABLE))
def test_placeholders_are_the_same_in_both_languages(key: str) -> None:
    en, zh = TABLE[key]
    assert set(_fields(en)) == set(_fields(zh)), (en, zh)


@pytest.mark.parametrize("key", sorted(TABLE))
def test_every_message_formats_in_both_languages(key: str) -> None:
    params = {name.split(".")[0].split("[")[0]: "x" for name, _, _ in _fields(TABLE[key][0])}
    for lang in LANGS:
        assert t(key, lang, **params)


# --- loading -----------------------------------------------------------------------------------


def test_loading_twice_gives_the_same_table() -> None:
    first = i18n._load_catalogues()
    assert first == i18n._load_catalogues() == TABLE
    assert i18n._messages() is i18n._messages()  # read once per process


def test_a_key_in_two_files_is_an_error_naming_both(tmp_path: Path) -> None:
    for package in ("a", "b"):
        (tmp_path / package).mkdir()
        for lang in LANGS:
            (tmp_path / package / f"{lang}.yaml").write_text("x.same: text\n", encoding="utf-8")
    files = sorted(tmp_path.glob("*/*.yaml"))
    with pytest.raises(ValueError, match="defined twice") as caught:
        i18n._load_catalogues(files)
    assert str(tmp_path / "a" / "en.yaml") in str(caught.value)
    assert str(tmp_path / "b" / "en.yaml") in str(caught.value)


def test_a_key_in_one_language_only_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("x.one: one\nx.two: two\n", encoding="utf-8")
    (tmp_path / "zh.yaml").write_text("x.one: 一\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"'x\.two' .* has no zh text"):
        i18n._load_catalogues(sorted(tmp_path.glob("*.yaml")))


def test_a_text_that_is_not_a_string_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("x.flag: yes\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not text"):
        i18n._load_catalogues([tmp_path / "en.yaml"])


def test_the_i18n_module_imports_no_other_part_of_remit() -> None:
    tree = ast.parse((REMIT / "i18n" / "__init__.py").read_text(encoding="utf-8"))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert [m for m in imported if m.startswith("remit")] == []


def test_terms_and_values_that_know_their_language() -> None:
    assert t(
        "label.import_change", "zh", action="create", list_id="L", version=1, status="draft", rows=2
    ) == ("新建：L 第 1 版（草稿，2 条）")
    assert t("ref.duplicate", "en", what="no_such_noun", key="K", other="f") == (
        "no_such_noun 'K' is defined twice (also at f)"
    )

    class Both:
        def in_lang(self, lang: str) -> str:
            return {"en": "park", "zh": "公园"}[lang]

    assert (
        t("cond.empty", "en", attr=Both(), what="set")
        == "condition on park can never hold (empty set)"
    )
    assert (
        t("cond.empty", "zh", attr=Both(), what="set")
        == "属性 公园 的条件永远不成立（取值集合为空）"
    )


# --- the keys the code names -------------------------------------------------------------------


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(REMIT.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _called(node: ast.Call) -> str:
    func = node.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def _is_message_call(node: ast.Call) -> bool:
    """``t(...)``, ``has(...)`` and the renderers' shorthands ``page.t(...)``, ``ctx.t(...)``."""
    return _called(node) in {"t", "has"} and bool(node.args)


def _literal_keys() -> dict[str, str]:
    """key → where, for every string literal given as the key of a t()/has() call."""
    found = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_message_call(node):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[first.value] = f"{_rel(path)}:{node.lineno}"
    return found


def _dynamic_prefixes() -> dict[str, str]:
    """Prefixes of keys the code builds at run time: the literal start of an f-string
    (``f"status.{value}"``), a literal joined to a value (``"gate." + gate``), or a literal
    family handed to a helper that appends ``.<value>`` (``term("field", name)``,
    ``page.term(kind, "check.unit_kind")``)."""
    found: dict[str, str] = {}
    for path, tree in _sources():
        if path.parent.name == "i18n":
            continue
        for node in ast.walk(tree):
            text = ""
            if isinstance(node, ast.Call) and _called(node).endswith("term"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found[arg.value + "."] = f"{_rel(path)}:{node.lineno}"
                continue
            if isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    text = head.value
            elif (
                isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value
            ):
                text = node.value if node.value.endswith((".", "_")) else node.value + "."
            shaped = re.fullmatch(r"[a-z_]+\.([a-z_0-9]+\.)*[a-z_0-9]*", text)
            if shaped and any(key.startswith(text) for key in TABLE):
                found[text] = f"{_rel(path)}:{getattr(node, 'lineno', '?')}"
    return found


def test_every_key_named_in_a_call_exists() -> None:
    missing = {key: where for key, where in _literal_keys().items() if not has(key)}
    assert missing == {}


def test_every_key_the_code_names_as_a_literal_exists() -> None:
    """Keys are also handed around before t() sees them (InputError.one("file.empty"),
    Problem("cond.syntax"), ("label.list", …)): every literal shaped like a key of a known
    family names a message."""
    families = {key.split(".")[0] for key in TABLE}
    unknown = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if (
                    re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", text)
                    and text.split(".")[0] in families
                    and not any(key.startswith(text) for key in TABLE)  # a key, or a prefix
                ):
                    unknown[text] = f"{_rel(path)}:{node.lineno}"
    assert unknown == {}


def test_every_dynamic_prefix_has_a_key() -> None:
    """A key built at run time (f"gate_status.{status}") cannot be checked; its prefix can."""
    prefixes = _dynamic_prefixes()
    assert {"status.", "gate.", "outcome.", "html.checked."} <= set(prefixes)
    assert {p: w for p, w in prefixes.items() if not any(k.startswith(p) for k in TABLE)} == {}


def _template_keys() -> set[str]:
    """Keys the page templates name (``t("page.…")`` in ``*.j2``), and ``<key>_about`` of a
    page in the navigation (the home page says what each is for: ``t(link.key ~ "_about")``)."""
    return {
        key
        for path in REMIT.rglob("*.j2")
        for key in re.findall(r"\bt\(\s*[\"']([a-z_0-9.]+)[\"']", path.read_text(encoding="utf-8"))
    }


def test_no_key_is_unused() -> None:
    """Used: named as a literal anywhere in remit/ (or by a page template), under a dynamic
    prefix (reported as used), or a term of a family that a template formats
    ({status:status})."""
    literals = {
        node.value
        for path, tree in _sources()
        if path.parent.name != "i18n"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    literals |= _template_keys()
    literals |= {f"{key}_about" for key in literals}
    prefixes = tuple(_dynamic_prefixes())
    specs = {spec for en, zh in TABLE.values() for _, _, spec in _fields(en) | _fields(zh)}
    families = tuple(f"{spec}." for spec in specs & set(TERM_SPECS))
    unused = sorted(
        key
        for key in TABLE
        if key not in literals and not key.startswith(prefixes) and not key.startswith(families)
    )
    assert unused == []


def test_a_time_limit_error_names_its_message() -> None:
    """remit.timelimit imports nothing of remit: its error carries the key, and its English."""
    from remit.timelimit import TimeLimitSyntaxError, parse_time_limit

    with pytest.raises(TimeLimitSyntaxError) as caught:
        parse_time_limit("两天")
    assert str(caught.value) == t(caught.value.key, "en", **caught.value.params)
    assert t(caught.value.key, "zh", **caught.value.params).startswith("无法解析时限 '两天'")


def test_an_empty_legal_basis_names_its_message() -> None:
    from remit.legal import EmptyLegalBasisError, parse_legal_basis_parts

    with pytest.raises(EmptyLegalBasisError) as caught:
        parse_legal_basis_parts("  ")
    assert str(caught.value) == t(caught.value.key, "en", **caught.value.params)


# --- values that carry both languages ------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = Registry.create(f"sqlite:///{tmp_path_factory.mktemp('sample') / 'sample.db'}")
    registry.import_files([SAMPLE], by="setup")
    yield registry
    registry.close()


def test_a_condition_in_chinese_reads_back(sample: Registry) -> None:
    """The Chinese form of a condition names attributes and values by their labels, and the
    table import reads it back as the same condition; the English form is the table form."""
    snapshot = sample.snapshot()
    seen = 0
    for entry in snapshot.lists:
        for duty in sample.version(entry.info.id, entry.version.version).duties:
            if not duty.conditions:
                continue
            attributes = snapshot.matters[duty.matter].attributes
            assert condition_text(duty.conditions, attributes, "en") == render_condition(
                duty.conditions
            )
            chinese = condition_text(duty.conditions, attributes, "zh")
            assert not re.search(r"[A-Za-z]{2,}", chinese), chinese
            back, problems = normalize(parse_condition_text(chinese), attributes, duty.matter)
            assert (back, problems) == (duty.conditions, []), chinese
            seen += 1
    assert seen > 20


def test_problems_keep_both_languages_through_a_pickle() -> None:
    """route-batch renders problems in worker processes: what a problem carries for either
    language survives pickling."""
    domain = EnumDomain(values=["road", "park"], labels={"road": "道路"}, label="地点类型")
    problem = Problem(
        "cond.out_of_domain",
        {
            "attr": attribute_name("location_type", domain),
            "value": "x",
            "expected": domain.describe(),
        },
    )
    hint = NameIndex([("SJ0501", "无照经营游商", [])], "matter").hint("无照经营游")
    again = pickle.loads(pickle.dumps((problem, hint)))
    assert again == (problem, hint)
    assert again[0].render("zh") == "属性 地点类型 的取值 'x' 超出值域；应为 道路、park 之一"
    assert again[0].render("en") == (
        "value 'x' of location_type is outside its domain; expected one of road, park"
    )
    assert again[1].in_lang("zh") == "（是否指 '无照经营游商'？）"
    assert str(again[1]) == " (did you mean '无照经营游商'?)"
