"""English and Chinese text for messages and reports.

Every user-facing string goes through :func:`t` with a message key, so the CLI can speak
``--lang en`` or ``--lang zh``. The default language comes from ``REMIT_LANG`` or the locale.
"""

from __future__ import annotations

import os
import string
from contextvars import ContextVar
from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


def default_lang() -> Lang:
    """``REMIT_LANG`` if set, else Chinese when the locale is Chinese, else English."""
    explicit = os.environ.get("REMIT_LANG", "").strip().lower()
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


current_lang: ContextVar[Lang] = ContextVar("remit_lang", default="en")

# key -> (English, Chinese). Placeholders use str.format names; ``{name:status}`` shows the
# value through the message ``status.<value>``.
MESSAGES: dict[str, tuple[str, str]] = {
    # locations
    "loc.line": ("line {n}", "第 {n} 行"),
    "loc.row": ("row {n}", "第 {n} 行数据"),
    "loc.field": ("field {name}", "字段 {name}"),
    "loc.column": ("column {name}", "列 {name}"),
    # file-level problems
    "file.empty": ("the file is empty; expected {expected}", "文件为空；应为{expected}"),
    "file.yaml_syntax": ("YAML syntax error: {detail}", "YAML 语法错误：{detail}"),
    "file.encoding": (
        "cannot decode the file as {tried}; expected UTF-8 (with or without BOM) or GB18030/GBK",
        "无法按 {tried} 解码；应为 UTF-8（可带 BOM）或 GB18030/GBK 编码",
    ),
    "file.not_found": ("no such file or directory", "文件或目录不存在"),
    "file.no_directory": (
        "cannot write here: directory {directory} does not exist",
        "无法写入：目录 {directory} 不存在",
    ),
    "file.unknown_kind": (
        "unknown file kind {kind!r}; expected one of {expected}",
        "未知的文件类型 {kind!r}；应为 {expected} 之一",
    ),
    "file.no_yaml": ("no YAML files found in the directory", "目录中没有 YAML 文件"),
    "file.unsupported": (
        "unsupported file type {suffix!r}; expected {expected}",
        "不支持的文件类型 {suffix!r}；应为 {expected}",
    ),
    "file.bad_xlsx": ("cannot read the workbook: {detail}", "无法读取工作簿：{detail}"),
    "file.no_sheet": (
        "the workbook has no sheet {sheet!r}; sheets: {sheets}",
        "工作簿中没有工作表 {sheet!r}；现有：{sheets}",
    ),
    "file.no_rows": ("the table has a header but no data rows", "表格只有表头，没有数据行"),
    "file.missing_column": (
        "the mapping names column {column!r} for {field}, but the header has {header}",
        "映射文件为 {field} 指定了列 {column!r}，但表头只有 {header}",
    ),
    "file.missing_export_column": (
        "the table has no column {column}; without --mapping a table is read in the export "
        "layout ({layout}), else give a mapping file",
        "表格缺少列 {column}；未指定 --mapping 时按导出格式（{layout}）读取，否则请提供映射文件",
    ),
    # schema (pydantic) problems
    "schema.missing": ("required field is missing", "缺少必填字段"),
    "schema.extra": (
        "unknown field; `remit schema --kind {kind}` lists the fields",
        "未知字段；可用 `remit schema --kind {kind}` 查看字段",
    ),
    "schema.not_mapping": (
        "expected a YAML mapping with a 'file:' key ({expected}), found {found}",
        "应为带 'file:' 键（{expected}）的 YAML 映射，实际为 {found}",
    ),
    "schema.mapping_file": (
        "a mapping file is not imported by itself; pass it with --mapping to a table import",
        "映射文件不能单独导入；请在导入表格时用 --mapping 指定",
    ),
    "schema.invalid": ("{detail}", "{detail}"),
    # references
    "ref.unknown_unit": (
        "unknown unit {name!r}; expected a unit code, name or alias{hint}",
        "未知单位 {name!r}；应为单位编码、名称或别名{hint}",
    ),
    "ref.ambiguous_unit": (
        "unit name {name!r} is ambiguous: it could be {candidates}; use the code",
        "单位名称 {name!r} 有歧义：可能是 {candidates}；请使用编码",
    ),
    "ref.unknown_matter": (
        "unknown matter {name!r} in catalogue {catalogue}; expected a matter code or name{hint}",
        "事项目录 {catalogue} 中没有事项 {name!r}；应为事项编码或名称{hint}",
    ),
    "ref.unknown_area": (
        "unknown area {name!r}; expected an area code or name{hint}",
        "未知区域 {name!r}；应为区划编码或名称{hint}",
    ),
    "ref.ambiguous_area": (
        "area name {name!r} is ambiguous: it could be {candidates}; use the code",
        "区域名称 {name!r} 有歧义：可能是 {candidates}；请使用编码",
    ),
    "ref.ambiguous_matter": (
        "matter name {name!r} is ambiguous: it could be {candidates}; use the code",
        "事项名称 {name!r} 有歧义：可能是 {candidates}；请使用编码",
    ),
    "ref.second_catalogue": (
        "the registry's catalogue is {existing}; a registry holds one catalogue (one code "
        "system): add a version of {existing} instead of a new catalogue {given}",
        "登记库的事项目录为 {existing}；一个登记库只有一套目录（一套编码）：请为 {existing} 新增版本，而不是新建目录 {given}",
    ),
    "ref.unknown_parent_area": (
        "parent area {code!r} is not defined",
        "上级区域 {code!r} 未定义",
    ),
    "ref.unknown_parent_matter": (
        "parent matter {code!r} is not in the same catalogue version",
        "上级事项 {code!r} 不在同一目录版本中",
    ),
    "ref.unknown_parent_unit": ("parent unit {code!r} is not defined", "上级单位 {code!r} 未定义"),
    "ref.no_catalogue": (
        "no catalogue is in the registry or the import; import a catalogue file first",
        "登记库和本次导入中都没有事项目录；请先导入事项目录文件",
    ),
    "ref.catalogue_not_in_force": (
        "no version of catalogue {catalogue} is in force on {date}",
        "事项目录 {catalogue} 在 {date} 没有生效版本",
    ),
    "ref.unknown_list": (
        "unknown list {list_id!r}; known lists: {known}",
        "未知清单 {list_id!r}；现有清单：{known}",
    ),
    "ref.unknown_version": (
        "list {list_id} has no version {version}; versions: {known}",
        "清单 {list_id} 没有第 {version} 版；现有版本：{known}",
    ),
    "ref.owner_needs_area": (
        "a row for the owner named on the event (@owner, 权属单位) needs an explicit area",
        "“权属单位”（@owner）条目须写明区域",
    ),
    "duty.refer_to_role": (
        "refer_to (the unit a matter is handed on to) is only for a not_responsible row; "
        "this row's role is {role}",
        "转交单位（refer_to）只能用于“不负责”（not_responsible）条目；本条目的角色为 {role}",
    ),
    "duty.refer_to_self": (
        "the row refers the matter to its own unit {unit}; expected another unit",
        "条目将事项转交给本单位 {unit}；应为其他单位",
    ),
    "duty.refer_to_owner": (
        "refer_to cannot be {name!r} (the owner named on the event); expected a unit code, "
        "name or alias",
        "转交单位不能为 {name!r}（事件上的权属单位）；应为单位编码、名称或别名",
    ),
    "ref.not_in_force": (
        "no version of list {list_id} is in force on {date}",
        "清单 {list_id} 在 {date} 没有生效版本",
    ),
    "ref.duplicate": (
        "{what:noun} {key!r} is defined twice (also at {other})",
        "{what:noun} {key!r} 重复定义（另见 {other}）",
    ),
    "ref.alias_clash": (
        "alias {alias!r} of unit {unit} is already a name or alias of unit {other}",
        "单位 {unit} 的别名 {alias!r} 已是单位 {other} 的名称或别名",
    ),
    "ref.area_cycle": ("area {code} is its own ancestor", "区域 {code} 的上级链形成循环"),
    "ref.matter_cycle": ("matter {code} is its own ancestor", "事项 {code} 的上级链形成循环"),
    "ref.unit_cycle": ("unit {code} is its own ancestor", "单位 {code} 的上级链形成循环"),
    "ref.kind_mismatch": (
        "list {list_id} is a {existing} list in the registry, but the file says {given}",
        "清单 {list_id} 在登记库中的类型为 {existing}，文件中为 {given}",
    ),
    # conditions
    "cond.unknown_attribute": (
        "condition on attribute {attr!r}, which matter {matter} does not declare; declared: {declared}",
        "条件使用了属性 {attr!r}，但事项 {matter} 未声明该属性；已声明：{declared}",
    ),
    "cond.out_of_domain": (
        "value {value!r} of {attr} is outside its domain; expected {expected}",
        "属性 {attr} 的取值 {value!r} 超出值域；应为 {expected}",
    ),
    "cond.empty": (
        "condition on {attr} can never hold (empty {what:noun})",
        "属性 {attr} 的条件永远不成立（{what:noun}为空）",
    ),
    "cond.syntax": (
        "cannot read condition {text!r}: {detail}; expected e.g. 'location_type = road; severity >= 3'",
        "无法解析条件 {text!r}：{detail}；应形如 'location_type = road; severity >= 3'",
    ),
    "cond.type": (
        "{attr} is a {type} attribute; {detail}",
        "{attr} 是 {type} 类型属性；{detail}",
    ),
    # time limits
    "time.syntax": (
        "cannot read time limit {text!r}; expected e.g. 2小时, 4紧急工作时, 2工作日, 15天, 30分钟",
        "无法解析时限 {text!r}；应形如 2小时、4紧急工作时、2工作日、15天、30分钟",
    ),
    # versions
    "version.sequence": (
        "version numbers must be 1, 2, 3 … in order; found {found}",
        "版本号应从 1 起按顺序递增；实际为 {found}",
    ),
    "version.published_needs_date": (
        "version {version} is {status:status} but has no effective_from date",
        "第 {version} 版状态为{status:status}，但没有 effective_from 生效日期",
    ),
    "version.dates_order": (
        "version {version} takes effect on {date}, not after version {prev} ({prev_date}): version dates overlap",
        "第 {version} 版生效日期 {date} 不晚于第 {prev} 版（{prev_date}）：版本日期重叠",
    ),
    "version.ends_after_next": (
        "version {version} ends on {end}, after version {next} takes effect on {next_date}: version dates overlap",
        "第 {version} 版截止 {end}，晚于第 {next} 版生效日期 {next_date}：版本日期重叠",
    ),
    "version.end_before_start": (
        "effective_to {end} is before effective_from {start}",
        "截止日期 {end} 早于生效日期 {start}",
    ),
    "version.immutable": (
        "version {version} of {list_id} is already {status:status} with other content (hash {old}); "
        "published versions are immutable: add version {next} instead",
        "{list_id} 第 {version} 版{status:status}且内容不同（哈希 {old}）；已发布版本不可修改：请新增第 {next} 版",
    ),
    "version.status_regress": (
        "version {version} of {list_id} is {existing:status} in the registry and cannot become {given:status}",
        "{list_id} 第 {version} 版在登记库中为{existing:status}，不能改为{given:status}",
    ),
    "version.draft_not_last": (
        "version {version} is a draft, but version {later} after it is {status:status}; only the "
        "newest version may be a draft",
        "第 {version} 版是草稿，但其后的第 {later} 版为{status:status}；只有最新版本可以是草稿",
    ),
    "version.no_draft": (
        "list {list_id} has no draft version to publish; import a table or a YAML draft first",
        "清单 {list_id} 没有可发布的草稿版本；请先导入表格或 YAML 草稿",
    ),
    "version.not_published": (
        "version {version} of {list_id} is {status:status}; only a published or draft version can be withdrawn",
        "{list_id} 第 {version} 版状态为{status:status}；只有已发布或草稿版本可以撤回",
    ),
    "version.empty": ("version {version} has no rows", "第 {version} 版没有任何条目"),
    "version.draft_gap": (
        "list {list_id} already has draft version {version}; publish or withdraw it first",
        "清单 {list_id} 已有草稿第 {version} 版；请先发布或撤回",
    ),
    # registry
    "db.schema": (
        "the registry at {url} has table layout {found}, this remit needs {expected}: keep your YAML "
        "lists (or `remit registry export` them with the older remit), run `remit init --force` and "
        "import them again",
        "{url} 处的登记库表结构为第 {found} 版，本程序需要第 {expected} 版：请保留 YAML 清单（或用旧版 "
        "remit 执行 `remit registry export` 导出），执行 `remit init --force` 后重新导入",
    ),
    "db.missing": (
        "no registry at {url}; create one with `remit init`",
        "{url} 没有登记库；请先运行 `remit init` 创建",
    ),
    "db.exists": (
        "a registry already exists at {url}; use --force to recreate it empty",
        "{url} 已有登记库；如需清空重建请加 --force",
    ),
    "db.unreachable": (
        "cannot open the registry at {url}: {detail}",
        "无法打开登记库 {url}：{detail}",
    ),
    "db.bad_url": (
        "cannot use database URL {url!r}: {detail}",
        "无法使用数据库地址 {url!r}：{detail}",
    ),
    "arg.bad_date": (
        "{value!r} is not a date; expected YYYY-MM-DD",
        "{value!r} 不是日期；应为 YYYY-MM-DD",
    ),
    "arg.mapping_needed": (
        "a table import needs --list LIST-ID",
        "导入表格需要指定 --list 清单编号",
    ),
    "arg.not_tabular": (
        "--mapping and --list apply to CSV or XLSX tables, not to {path}",
        "--mapping 和 --list 只用于 CSV 或 XLSX 表格，不适用于 {path}",
    ),
    "arg.catalogue_table": (
        "{list_id} is the matter catalogue; it exports as YAML only",
        "{list_id} 是事项目录，只能导出为 YAML",
    ),
    # labels of tables and reports
    "label.list": ("List", "清单"),
    "label.name": ("Name", "名称"),
    "label.kind": ("Kind", "类型"),
    "label.version": ("Version", "版本"),
    "label.versions": ("Versions", "版本"),
    "label.status": ("Status", "状态"),
    "label.effective": ("In force", "有效期"),
    "label.rows": ("Rows", "条目数"),
    "label.in_force": ("In force on {date}", "{date} 生效版本"),
    "label.hash": ("Content hash", "内容哈希"),
    "label.author": ("Author", "编制人"),
    "label.note": ("Note", "说明"),
    "label.matter": ("Matter", "事项"),
    "label.unit": ("Unit", "单位"),
    "label.role": ("Role", "角色"),
    "label.area": ("Area", "区域"),
    "label.conditions": ("Conditions", "条件"),
    "label.time_limit": ("Time limit", "时限"),
    "label.legal_basis": ("Legal basis", "法律依据"),
    "label.when": ("When", "时间"),
    "label.actor": ("By", "操作人"),
    "label.action": ("Action", "操作"),
    "label.details": ("Details", "详情"),
    "label.code": ("Code", "编码"),
    "label.parent": ("Parent", "上级"),
    "label.hit_policy": ("Hit policy", "命中策略"),
    "label.attributes": ("Attributes", "属性"),
    "label.none": ("none", "无"),
    "label.open_ended": ("open", "长期"),
    "label.snapshot": ("Snapshot on {date}", "{date} 快照"),
    "label.snapshot_hash": ("Snapshot hash", "快照哈希"),
    "label.catalogue": ("Catalogue", "事项目录"),
    "label.counts": (
        "{areas} areas, {units} units, {matters} matters, {lists} lists, {duties} duties in force",
        "区域 {areas} 个，单位 {units} 个，事项 {matters} 项，生效清单 {lists} 份，履职条目 {duties} 条",
    ),
    "label.dangling": (
        "{count} duties name matters missing from the catalogue in force and are left out",
        "{count} 条履职条目引用的事项不在生效目录中，已排除",
    ),
    "label.diff_title": ("{list_id}: version {a} → {b}", "{list_id}：第 {a} 版 → 第 {b} 版"),
    "label.added": ("added", "新增"),
    "label.removed": ("removed", "删除"),
    "label.changed": ("changed", "变更"),
    "label.unchanged": ("{count} rows unchanged", "{count} 条未变"),
    "label.no_diff": ("no differences", "没有差异"),
    "label.import_done": (
        "Imported {files} file(s): {areas} areas and {units} units added or changed, {lists} lists "
        "added or changed, {versions} version changes, {unchanged} versions already up to date.",
        "已导入 {files} 个文件：新增或变更区域 {areas} 个、单位 {units} 个、清单 {lists} 份，"
        "版本变更 {versions} 项，{unchanged} 个版本已是最新。",
    ),
    "label.import_change": (
        "{action:action}: {list_id} v{version} ({status:status}, {rows} rows)",
        "{action:action}：{list_id} 第 {version} 版（{status:status}，{rows} 条）",
    ),
    "label.published": (
        "Published {list_id} version {version}, in force from {date}.",
        "已发布 {list_id} 第 {version} 版，自 {date} 起生效。",
    ),
    "label.withdrawn": (
        "Withdrew {list_id} version {version}.",
        "已撤回 {list_id} 第 {version} 版。",
    ),
    "label.exported": ("Wrote {path} ({rows} rows).", "已写出 {path}（{rows} 条）。"),
    "label.initialised": ("Created an empty registry at {url}.", "已在 {url} 创建空登记库。"),
    # the check report as an HTML page (remit/checks/html.py)
    "html.title": ("Responsibility list check", "权责清单检查报告"),
    "html.as_of": ("As of", "检查基准日"),
    "html.snapshot": ("Snapshot", "快照"),
    "html.subject": ("Checked", "检查对象"),
    "html.filters": ("Filters", "筛选条件"),
    "html.filter_name.matter": ("matter", "事项"),
    "html.filter_name.area": ("area", "区域"),
    "html.filter_name.unit": ("unit", "单位"),
    "html.filter_name.list": ("list", "清单"),
    "html.filter_name.kind": ("kind", "问题类型"),
    "html.filter_name.severity": ("severity", "严重程度"),
    "html.summary": ("Summary", "概况"),
    "html.total": ("Findings", "问题总数"),
    "html.by_kind": ("Findings by kind", "按问题类型"),
    "html.checked": ("Checked", "检查范围"),
    "html.checked.matters": ("matters", "事项"),
    "html.checked.areas": ("areas", "区域"),
    "html.checked.leaf_areas": ("leaf areas", "末级区域"),
    "html.checked.cells": ("cells", "检查单元"),
    "html.checked.duties": ("duties", "履职条目"),
    "html.checked.units": ("units", "单位"),
    "html.checked.lists": ("lists", "清单"),
    "html.clusters_count": ("conflict clusters", "职能冲突集群"),
    "html.comparison": ("Compared with {baseline}", "与 {baseline} 比较"),
    "html.comparison.short": ("Changes", "变化"),
    "html.comparison.baseline": ("Baseline", "比较基准"),
    "html.comparison.baseline_hash": ("Baseline snapshot", "基准快照"),
    "html.comparison.introduced": ("Introduced: {count}", "新增问题：{count} 个"),
    "html.comparison.narrowed": ("Narrowed: {count}", "范围缩小：{count} 个"),
    "html.comparison.resolved": ("Resolved: {count}", "已消除问题：{count} 个"),
    "html.comparison.none_introduced": (
        "The change introduces no finding.",
        "本次变更没有引入新问题。",
    ),
    "html.comparison.none_resolved": ("The change resolves no finding.", "本次变更没有消除问题。"),
    "html.cells_n": ("{count} cells", "{count} 个检查单元"),
    "html.heatmap": ("Where the findings are", "问题分布热力图"),
    "html.heatmap.note": (
        "Matters × streets: a cell counts the findings of that matter touching that street "
        "(an area outside any street stands for itself). Hover for details.",
        "事项 × 街道：每格为该事项涉及该街道的问题数（不属于任何街道的区域单独成列）。鼠标悬停可查看详情。",
    ),
    "html.heatmap.capped": (
        "Showing the {rows} busiest of {total_rows} matters and the {cols} busiest of "
        "{total_cols} columns.",
        "仅显示问题最多的 {rows} 个事项（共 {total_rows} 个）和 {cols} 列（共 {total_cols} 列）。",
    ),
    "html.heatmap.unplaced": (
        "{count} findings name no matter or no area and are not on the map.",
        "{count} 个问题未涉及具体事项或区域，未列入热力图。",
    ),
    "html.heatmap.none": (
        "No finding concerns a matter in an area.",
        "没有涉及具体事项和区域的问题。",
    ),
    "html.heatmap.cell": (
        "{matter} — {area}: {count} findings, {cells} cells ({kinds})",
        "{matter} — {area}：问题 {count} 个，检查单元 {cells} 个（{kinds}）",
    ),
    "html.heatmap.legend": ("Findings per cell:", "每格问题数："),
    "html.clusters": ("Conflict clusters", "职能冲突集群"),
    "html.clusters.note": (
        "Units that all lead on the same cells (职能重叠), linked when they share cells; the "
        "number on a link is how many.",
        "在相同检查单元上均为主办的单位；两单位有重叠即连线，线上数字为重叠的检查单元数。",
    ),
    "html.clusters.none": (
        "No conflict clusters: no two units lead on the same cells.",
        "没有职能冲突集群：不存在两个单位在同一检查单元上均为主办。",
    ),
    "html.clusters.capped": (
        "Showing the {shown} largest of {total} clusters.",
        "仅显示最大的 {shown} 个集群（共 {total} 个）。",
    ),
    "html.cluster.title": (
        "Cluster {n}: {units} units, {cells} cells",
        "集群 {n}：{units} 个单位，{cells} 个检查单元",
    ),
    "html.cluster.matters": ("Matters: {matters}", "涉及事项：{matters}"),
    "html.cluster.capped": (
        "Showing the {shown} most involved of {total} units.",
        "仅显示重叠最多的 {shown} 个单位（共 {total} 个）。",
    ),
    "html.cluster.edge": (
        "{a} — {b}: {cells} cells ({matters})",
        "{a} — {b}：{cells} 个检查单元（{matters}）",
    ),
    "html.cluster.node": (
        "{name} ({code}): {cells} overlapping cells",
        "{name}（{code}）：重叠检查单元 {cells} 个",
    ),
    "html.findings": ("Findings", "问题明细"),
    "html.col.severity": ("Severity", "级别"),
    "html.col.kind": ("Kind", "问题类型"),
    "html.col.matter": ("Matter", "事项"),
    "html.col.areas": ("Areas", "区域"),
    "html.col.region": ("Region", "属性范围"),
    "html.col.cells": ("Cells", "单元数"),
    "html.col.units": ("Units", "单位"),
    "html.col.duties": ("Duty rows", "清单条目"),
    "html.col.message": ("Why", "说明"),
    "html.filter.kind": ("Kind", "问题类型"),
    "html.filter.severity": ("Severity", "级别"),
    "html.filter.search": ("Search", "搜索"),
    "html.filter.search_hint": ("matter, area, unit, list …", "事项、区域、单位、清单……"),
    "html.filter.all": ("all", "全部"),
    "html.filter.introduced": ("only introduced", "仅新增"),
    "html.filter.reset": ("Reset", "重置"),
    "html.shown": ("Showing {shown} of {total} findings", "显示 {shown} 个，共 {total} 个问题"),
    "html.no_match": ("No finding matches the filter.", "没有符合筛选条件的问题。"),
    "html.no_findings": (
        "No findings: the lists pass every check.",
        "未发现问题：清单通过全部检查。",
    ),
    "html.more": ("+{count} more", "等，另 {count} 个"),
    "html.new": ("new", "新增"),
    "html.load": ("Load (小马拉大车)", "履职负荷（小马拉大车）"),
    "html.load.source": ("Event volumes: {source}.", "事件量来源：{source}。"),
    "html.volume.catalogue": ("the catalogue's estimates", "事项目录估算"),
    "html.volume.history": ("the event history", "历史事件"),
    "html.load.note": (
        "Load index = yearly workload hours ÷ capacity hours (staff × {hours} h); above "
        "{threshold} a unit is overloaded.",
        "负荷指数 = 年工作量工时 ÷ 可用工时（人员 × {hours} 小时）；超过 {threshold} 即为超负荷。",
    ),
    "html.load.none": ("The report has no load figures.", "本报告没有负荷数据。"),
    "html.load.col.unit": ("Unit", "单位"),
    "html.load.col.level": ("Level", "层级"),
    "html.load.col.staff": ("Staff", "人员"),
    "html.load.col.capacity": ("Capacity (h/yr)", "可用工时（小时/年）"),
    "html.load.col.workload": ("Workload (h/yr)", "工作量（小时/年）"),
    "html.load.col.events": ("Events/yr", "年事件量"),
    "html.load.col.index": ("Load index", "负荷指数"),
    "html.overloaded": ("overloaded", "超负荷"),
    "html.footer": (
        "Made by remit (report schema {version}); a self-contained page that loads nothing.",
        "由 remit 生成（报告格式第 {version} 版）；本页自成一体，不加载任何外部资源。",
    ),
    "status.draft": ("draft", "草稿"),
    "status.published": ("published", "已发布"),
    "status.withdrawn": ("withdrawn", "已撤回"),
    "status.submitted": ("submitted", "已提交"),
    "status.approved": ("approved", "已批准"),
    "status.rejected": ("rejected", "已驳回"),
    "role.lead": ("lead", "主办"),
    "role.assist": ("assist", "协办"),
    "role.supervise": ("supervise", "监管"),
    "role.not_responsible": ("not responsible", "不负责"),
    "kind.catalogue": ("matter catalogue", "事项目录"),
    "kind.department": ("department list", "部门权责清单"),
    "kind.street_basic": ("street basic duties", "街镇基本履职事项"),
    "kind.street_assist": ("street assisting duties", "街镇配合履职事项"),
    "kind.street_reclaimed": ("reclaimed by departments", "上级部门收回事项"),
    "kind.refusal": ("refusal list", "不予受理清单"),
    # the graph check: finding kinds, severities, report sections and columns
    "kind.overlap": ("overlap", "职能重叠"),
    "kind.masked": ("masked (priority)", "被屏蔽（优先级）"),
    "kind.gap": ("gap", "遗漏"),
    "kind.assist_without_lead": ("assist without lead", "有协办无主办"),
    "kind.out_of_jurisdiction": ("out of jurisdiction", "超出辖区"),
    "kind.referral_cycle": ("referral cycle", "循环推诿"),
    "kind.stale": ("review overdue", "逾期未复核"),
    "kind.devolved_without_admission": ("devolved without admission", "未经准入下放"),
    "kind.overload": ("overload (小马拉大车)", "超负荷（小马拉大车）"),
    "severity.info": ("info", "提示"),
    "severity.warning": ("warning", "警告"),
    "severity.error": ("error", "错误"),
    "check.report_title": ("Responsibility list check", "权责清单检查报告"),
    "check.header": (
        "Subject: {subject} — as of {date}, snapshot {hash}",
        "检查对象：{subject} — 基准日 {date}，快照 {hash}",
    ),
    "check.filters": ("Filters: {filters}", "筛选条件：{filters}"),
    "check.checked": ("Checked {items}", "检查范围：{items}"),
    "check.checked.matters": ("{n} matters", "事项 {n} 项"),
    "check.checked.areas": ("{n} areas", "区域 {n} 个"),
    "check.checked.leaf_areas": ("{n} leaf areas", "末级区域 {n} 个"),
    "check.checked.cells": ("{n} cells", "检查单元 {n} 个"),
    "check.checked.duties": ("{n} duties", "履职条目 {n} 条"),
    "check.checked.units": ("{n} units", "单位 {n} 个"),
    "check.no_findings": ("No findings.", "未发现问题。"),
    "check.more": ("… +{count}", "… +{count}"),
    "check.section.summary": ("Summary", "概况"),
    "check.section.findings": ("Findings", "问题明细"),
    "check.section.kind": ("{kind} ({count})", "{kind}（{count}）"),
    "check.section.load": ("Load index", "负荷指数"),
    "check.section.clusters": ("Conflict clusters", "职能冲突集群"),
    "check.section.pairs": ("Contending pairs", "冲突单位对"),
    "check.section.comparison": (
        "Compared with {baseline} (snapshot {hash}): {introduced} introduced, {resolved} resolved",
        "与 {baseline}（快照 {hash}）比较：新增 {introduced} 个，消除 {resolved} 个",
    ),
    "check.section.introduced": ("Introduced", "新增问题"),
    "check.section.narrowed": ("Narrowed (smaller, nothing new)", "缩小（范围减小，无新增）"),
    "check.section.resolved": ("Resolved", "已消除问题"),
    "check.load_note": (
        "{source}; {hours} working hours per member of staff a year; overloaded above {threshold}",
        "{source}；每人每年 {hours} 工作小时；负荷指数超过 {threshold} 即为超负荷",
    ),
    "check.volume.catalogue": (
        "events per year from the catalogue estimates",
        "年事件量取自事项目录估算",
    ),
    "check.volume.history": ("events per year from the event history", "年事件量取自历史事件"),
    "check.overloaded": ("overloaded", "超负荷"),
    "check.change.introduced": ("introduced", "新增"),
    "check.change.narrowed": ("narrowed", "缩小"),
    "check.change.resolved": ("resolved", "已消除"),
    "check.col.id": ("ID", "编号"),
    "check.col.kind": ("Kind", "问题类型"),
    "check.col.severity": ("Severity", "级别"),
    "check.col.count": ("Findings", "数量"),
    "check.col.cells": ("Cells", "单元数"),
    "check.col.matter": ("Matter", "事项"),
    "check.col.matter_code": ("Matter code", "事项编码"),
    "check.col.matter_name": ("Matter name", "事项名称"),
    "check.col.areas": ("Areas", "区域"),
    "check.col.area_codes": ("Areas (codes)", "区域编码"),
    "check.col.area_names": ("Area names", "区域名称"),
    "check.col.region": ("Region", "属性范围"),
    "check.col.units": ("Units", "单位"),
    "check.col.unit_codes": ("Units (codes)", "单位编码"),
    "check.col.unit_names": ("Unit names", "单位名称"),
    "check.col.rows": ("Duty rows", "清单条目"),
    "check.col.message": ("Message", "说明"),
    "check.col.unit": ("Unit", "单位"),
    "check.col.unit_code": ("Unit code", "单位编码"),
    "check.col.level": ("Level", "层级"),
    "check.col.unit_kind": ("Unit kind", "单位类型"),
    "check.col.staff": ("Staff", "人员"),
    "check.col.capacity": ("Capacity (h/yr)", "可用工时（小时/年）"),
    "check.col.workload": ("Workload (h/yr)", "工作量（小时/年）"),
    "check.col.events": ("Events/yr", "年事件量"),
    "check.col.load_index": ("Load index", "负荷指数"),
    "check.col.overloaded": ("Overloaded", "超负荷"),
    "check.col.cluster": ("Cluster", "集群"),
    "check.col.matters": ("Matters", "事项"),
    "check.col.matter_codes": ("Matters (codes)", "事项编码"),
    "check.col.matter_names": ("Matter names", "事项名称"),
    "check.col.pairs": ("Pairs", "单位对"),
    "check.col.unit_a": ("Unit A", "单位甲"),
    "check.col.unit_b": ("Unit B", "单位乙"),
    "check.col.change": ("Change", "变化"),
    "check.col.item": ("Item", "项目"),
    "check.col.value": ("Value", "内容"),
    "check.total": ("Total", "合计"),
    "check.pair": (
        "{a} — {b}: {cells} cells ({matters})",
        "{a} — {b}：{cells} 个单元（{matters}）",
    ),
    "check.yes": ("yes", "是"),
    "check.sheet.summary": ("Summary", "概况"),
    "check.sheet.load": ("Load", "负荷指数"),
    "check.sheet.clusters": ("Clusters", "冲突集群"),
    "check.sheet.changes": ("Changes", "变化"),
    "check.unit_kind.line": ("line department", "职能部门（条）"),
    "check.unit_kind.block": ("territorial (block)", "属地（块）"),
    "check.unit_kind.platform": ("platform", "城运平台"),
    "check.unit_kind.owner": ("owner", "权属单位"),
    "check.unit_kind.community": ("community", "居村委"),
    "check.level.community": ("community", "居村"),
    "check.level.grid": ("grid", "网格"),
    "noun.key": ("key", "键"),
    "noun.list": ("list", "清单"),
    "noun.area": ("area", "区域"),
    "noun.unit": ("unit", "单位"),
    "noun.version": ("version", "版本"),
    "noun.matter": ("matter", "事项"),
    "noun.duty": ("duty", "履职条目"),
    "noun.set": ("set", "取值集合"),
    "noun.range": ("range", "取值范围"),
    "action.create": ("created", "新建"),
    "action.replace": ("replaced draft", "替换草稿"),
    "action.publish": ("published", "发布"),
    "action.withdraw": ("withdrew", "撤回"),
    "file.no_kind": (
        "no 'file:' key; a registry file starts with file: {expected}",
        "缺少 'file:' 键；登记库文件应以 file: {expected} 开头",
    ),
    "rules.too_many": (
        "{count} rules; the engine is run with at most {limit} (more can crash it)",
        "共 {count} 条规则；引擎最多运行 {limit} 条（过多会导致崩溃）",
    ),
    "rules.too_many_fields": (
        "rule {rule} asserts a fact with {count} fields; at most {limit}",
        "规则 {rule} 断言的事实有 {count} 个字段；最多 {limit} 个",
    ),
    "rules.too_many_conditions": (
        "{count} distinct conditions on {fact} facts; the engine hangs beyond about 511, so at most {limit}",
        "{fact} 事实上有 {count} 个不同条件；引擎超过约 511 个会卡死，上限 {limit}",
    ),
    "rules.too_many_patterns": (
        "{count} patterns match {fact} facts; one fact may meet at most 64 at once, so at most {limit}",
        "{count} 个模式匹配 {fact} 事实；单个事实同时最多满足 64 个，上限 {limit}",
    ),
    "rules.unstaged_negation": (
        "rule {rule} has a `none` pattern but does not wait for the stage fact ({{as: s, fact: stage, where: {{name: decide}}}}); durable_rules does not take back a negation when a fact arrives later",
        "规则 {rule} 含 `none` 模式却未等待阶段事实（{{as: s, fact: stage, where: {{name: decide}}}}）；durable_rules 不会在后到事实出现时撤销否定",
    ),
    "rules.unknown_config": (
        "rule {rule} uses $config.{key}, which the configuration does not have; known: {known}",
        "规则 {rule} 引用了 $config.{key}，配置中没有该项；已有：{known}",
    ),
    "rules.input_fact": (
        "rule {rule} asserts a {fact} fact; event and context facts come only from the event",
        "规则 {rule} 断言了 {fact} 事实；event 和 context 事实只能来自事件本身",
    ),
    # events
    "event.empty": (
        "the file holds no events; expected JSON, JSON Lines or a table with a header row",
        "文件中没有事件；应为 JSON、JSON Lines 或带表头的表格",
    ),
    "event.bad_json": (
        "not valid JSON: {detail} (column {column})",
        "不是有效的 JSON：{detail}（第 {column} 列）",
    ),
    "event.json_shape": (
        "expected an event object or a list of event objects, found {found}",
        "应为一个事件对象或事件对象列表，实际为 {found}",
    ),
    "event.missing_column": (
        "the table has no column {columns}; its header has {header}",
        "表格缺少列 {columns}；表头只有 {header}",
    ),
    "event.unknown_column": (
        "unknown column {column!r}; expected {known}, and attributes in one attributes column "
        "(JSON) or in attr.<name> columns",
        "未知列 {column!r}；应为 {known}，属性写在一个 attributes 列（JSON）或若干 attr.<属性名> 列",
    ),
    "event.duplicate_column": (
        "columns {first!r} and {second!r} both give {target}",
        "列 {first!r} 和 {second!r} 都对应 {target}",
    ),
    "event.mixed_attribute_columns": (
        "give attributes either in one attributes column (JSON) or in attr.<name> columns, not both",
        "属性应全部写在 attributes 列（JSON）或全部写在 attr.<属性名> 列，不能混用",
    ),
    "event.no_catalogue": (
        "no matter catalogue is in force on {date}",
        "{date} 没有生效的事项目录",
    ),
    "event.unknown_attribute": (
        "matter {matter} has no attribute {attr!r}; declared: {declared}",
        "事项 {matter} 没有属性 {attr!r}；已声明：{declared}",
    ),
    "event.attribute_twice": (
        "attribute {attr} is given twice, as {first!r} and as {second!r}",
        "属性 {attr} 重复给出：{first!r} 和 {second!r}",
    ),
    "event.attribute_value": (
        "attribute {attr} takes one value ({expected}), not {value!r}",
        "属性 {attr} 只能取一个值（{expected}），不能是 {value!r}",
    ),
    "route.title": (
        "Event {event} — {status:route_status}",
        "事件 {event} — {status:route_status}",
    ),
    "route.lead": ("Lead: {unit}", "主办：{unit}"),
    "route.lead_fallback": (
        "Lead: {unit}, the territorial street unit (属地管理兜底): no list in force names a lead — a gap to report",
        "主办：{unit}（属地管理兜底）：现行清单无主办单位，属清单遗漏，应报告",
    ),
    "route.lead_fallback_owner": (
        "Lead: {unit}, the territorial street unit (属地管理兜底): the owner (权属单位) must repair it, but the event names no owner",
        "主办：{unit}（属地管理兜底）：应由权属单位维修，但事件未载明权属单位",
    ),
    "route.contenders": (
        "Conflict (职能重叠): {units} all lead under the lists in force; sent to the territorial centre for arbitration",
        "职能重叠：{units} 均为现行清单中的主办单位；提交属地城运中心协调",
    ),
    "route.unroutable": (
        "Unroutable: no lead in the lists and no territorial unit for the area",
        "无法派遣：清单无主办单位，区域也无属地单位",
    ),
    "route.assists": ("Assisting: {units}", "协办：{units}"),
    "route.supervisors": ("Supervising: {units}", "监管：{units}"),
    "route.dispatch": ("Dispatched by: {unit} ({level} level)", "派遣平台：{unit}（{level}级）"),
    "route.escalated": (" — escalated one level for a repeat complaint", "——重复投诉，升级一级"),
    "route.commander": ("Command: {unit} (emergency)", "指挥：{unit}（突发事件）"),
    "route.deadline": (
        "Deadline: {deadline} ({limit} from {reported})",
        "处置时限：{deadline}（自 {reported} 起 {limit}）",
    ),
    "route.deadline_approx": (
        " — approximate: the official calendar of that year is not known yet",
        "——近似值：该年度法定节假日安排尚未收录",
    ),
    "route.basis": (
        "Because: {list} v{version} row {row} ({role}){basis}",
        "依据：{list} 第 {version} 版第 {row} 条（{role}）{basis}",
    ),
    "route.lost": ("Not chosen: {unit} — {reason}", "未采用：{unit}——{reason}"),
    "route.rules": ("Rules applied: {rules}", "适用规则：{rules}"),
    "route.stamp": (
        "Snapshot {hash} of {date}; rules {rules}",
        "快照 {hash}（{date}）；规则 {rules}",
    ),
    "route_status.routed": ("routed", "已派遣"),
    "route_status.fallback": ("territorial fallback", "属地兜底"),
    "route_status.conflict": ("conflict", "职能重叠"),
    "route_status.unroutable": ("unroutable", "无法派遣"),
    "reason.not_responsible": ("a not-responsible row (不负责) excludes it", "不负责条目排除"),
    "reason.masked": ("masked by a higher-priority lead", "被优先级更高的主办条目屏蔽"),
    "reason.duplicate": ("the same unit already leads", "同一单位已为主办"),
    "reason.no_owner": (
        "an owner row, but the event names no owner (权属单位)",
        "权属单位条目，但事件未载明权属单位",
    ),
    "level.street": ("street", "街镇"),
    "level.district": ("district", "区"),
    "level.city": ("city", "市"),
    "batch.summary": (
        "{total} events: {routed} routed, {fallback} fallback, {conflict} conflict, {unroutable} unroutable, {rejected} rejected",
        "共 {total} 件：已派遣 {routed}，属地兜底 {fallback}，职能重叠 {conflict}，无法派遣 {unroutable}，退回 {rejected}",
    ),
    "batch.wrote": ("Decisions: {path}; rejects: {rejects}", "决定：{path}；退回：{rejects}"),
    "rules.checked": (
        "{count} rules ({compiled} compiled into the engine) from {sources}: within the engine's limits",
        "共 {count} 条规则（编译为 {compiled} 条引擎规则），来源 {sources}：未超出引擎限制",
    ),
    # graph check: regions and findings
    "region.all": ("all cases", "全部情形"),
    "region.empty": ("nothing", "无"),
    "region.and": (", ", "，"),
    "region.or": ("; or ", "；或 "),
    "check.owner_unit": ("the owner named on the event (@owner)", "事件载明的权属单位（@owner）"),
    "check.and_more": ("{names} and {count} more", "{names}等另 {count} 个单位"),
    "check.bad_against": (
        "{value!r} is neither a date (YYYY-MM-DD) nor a list version (LIST-ID@VERSION)",
        "{value!r} 既不是日期（YYYY-MM-DD）也不是清单版本（清单编号@版本号）",
    ),
    "check.failed": (
        "{count} finding(s) at or above {level}",
        "{count} 项发现达到或超过“{level}”级别",
    ),
    "check.wrote": ("Report written to {path}", "报告已写入 {path}"),
    "file.is_directory": ("this is a directory; expected a file name", "这是一个目录；应为文件名"),
    "check.unknown_area": ("no area {code!r} in the snapshot", "快照中没有区划 {code!r}"),
    "check.unknown_matter": (
        "no matter {code!r} in the catalogue in force",
        "现行事项目录中没有事项 {code!r}",
    ),
    "check.unknown_list": ("no list {code!r} is in force", "没有现行的清单 {code!r}"),
    "finding.overlap_two": ("{units} both lead these cells", "{units} 均主办这些情形"),
    "finding.overlap": (
        "{count} units lead these cells, two or more in each: {units}",
        "{count} 个单位主办这些情形，每一情形有两个以上主办：{units}",
    ),
    "finding.masked": (
        "{masked} leads here but is masked by the higher priority of {by}",
        "{masked} 在此为主办，但被优先级更高的 {by} 屏蔽",
    ),
    "finding.gap": (
        "no unit leads these cells and no not-responsible row hands them on",
        "这些情形无主办单位，也无不负责条目转交",
    ),
    "finding.gap_supervised": (
        "no unit leads these cells and no not-responsible row hands them on ({units} only supervise or assist)",
        "这些情形无主办单位，也无不负责条目转交（{units} 仅监管或协办）",
    ),
    "finding.assist_without_lead": (
        "{units} assist, but no unit leads these cells",
        "{units} 为协办，但这些情形无主办单位",
    ),
    "finding.referral_cycle": (
        "not-responsible rows hand these cells round in a circle: {path}",
        "不负责条目使这些情形循环转交：{path}",
    ),
    "finding.out_of_jurisdiction": (
        "scoped outside the unit's jurisdiction: {detail}",
        "事项范围超出单位辖区：{detail}",
    ),
    "finding.out_of_jurisdiction_one": (
        "{unit} in {area}, jurisdiction {jurisdiction}",
        "{unit} 在 {area}，辖区为 {jurisdiction}",
    ),
    "finding.stale": (
        "{units}: review was due by {date} (checked on {as_of})",
        "{units}：应于 {date} 前复核（检查日 {as_of}）",
    ),
    "finding.devolved_without_admission": (
        "devolved from {source} to {units} with no admission record (准入记录)",
        "由 {source} 下放至 {units}，无准入记录",
    ),
    "finding.overload": (
        "{unit}: load index {index} — {hours} h of yearly work for {staff} staff ({capacity} h) exceeds {threshold}",
        "{unit}：负荷指数 {index}——年工作量 {hours} 小时，{staff} 人（{capacity} 小时），超过 {threshold}",
    ),
    # admission gate (事项准入)
    "admission.row_note": ("enacted by admission request {id}", "经准入申请 {id} 下放"),
    "admission.no_target": (
        "the target list {list} is not in force on {date}",
        "目标清单 {list} 在 {date} 不在施行中",
    ),
    "admission.pick_target": (
        "cannot tell which street list gets the new rows (candidates: {candidates}); name it with target_list",
        "无法确定新条目写入哪份街道清单（候选：{candidates}）；请用 target_list 指明",
    ),
    "admission.not_in_force": (
        "list {list} is not in force on {date}",
        "清单 {list} 在 {date} 不在施行中",
    ),
    "admission.not_departments": (
        "{department} leads none of the requested cells in the street of {unit}: there is nothing of its to devolve there",
        "{department} 在 {unit} 所在街道并不主办所申请的情形：无可下放的职责",
    ),
    "admission.already_leads": (
        "{unit} already leads the requested cells",
        "{unit} 已主办所申请的情形",
    ),
    "admission.pending_draft": (
        "list {list} has a pending draft (version {version}): publish or withdraw it before a new version can be enacted",
        "清单 {list} 有待发布的草稿（第 {version} 版）：须先发布或撤回，才能生成新版本",
    ),
    "admission.later_version": (
        "list {list} already has version {version} in force from {date}: the request must take effect after it",
        "清单 {list} 已有自 {date} 起施行的第 {version} 版：申请的生效日须在其后",
    ),
    "admission.duplicate": (
        "a request with id {id!r} is already recorded; give the new request its own id",
        "编号为 {id!r} 的申请已登记；请为新申请另行编号",
    ),
    "admission.unknown": (
        "no admission request {id!r}; recorded: {known}",
        "没有编号为 {id!r} 的准入申请；已登记：{known}",
    ),
    "admission.decided": (
        "request {id} is already {status:status}",
        "申请 {id} 的状态已为“{status:status}”",
    ),
    "admission.four_eyes": (
        "{actor} submitted request {id} and cannot also decide it (four eyes)",
        "{actor} 提交了申请 {id}，不能同时审批（双人复核）",
    ),
    "admission.not_approver": (
        "{actor} holds no approving role; approvers: {approvers} (approvers in the admission config)",
        "{actor} 不具有审批权限；审批人：{approvers}（见准入配置 approvers）",
    ),
    "admission.no_reason": ("a rejection needs a reason", "驳回须说明理由"),
    "admit.title": (
        "Admission request {id}: {matter}, from {department}",
        "准入申请 {id}：{matter}，申请部门 {department}",
    ),
    "admit.outcome": ("Outcome: {outcome}", "结论：{outcome}"),
    "admit.stamp": (
        "Checked on the lists in force on {date} (snapshot {hash}); yearly volume from {source}",
        "按 {date} 施行的清单检查（快照 {hash}）；年事项量来源：{source}",
    ),
    "admit.volume.request": ("the request", "申请"),
    "admit.volume.catalogue": ("the catalogue's estimate", "事项目录估算"),
    "admit.volume.history": ("the event history", "历史事件"),
    "admit.volume.none": ("nowhere (unknown)", "无（未知）"),
    "admit.col.n": ("#", "序号"),
    "admit.col.gate": ("Gate", "关口"),
    "admit.col.status": ("Verdict", "结果"),
    "admit.col.mode": ("Mode", "模式"),
    "admit.col.verdict": ("Why", "理由与证据"),
    "admit.col.rule": ("Rule", "规则"),
    "admit.col.street": ("Street", "街道"),
    "admit.col.events": ("Events a year", "年事项量"),
    "admit.col.staff_before": ("Staff before", "原有人员"),
    "admit.col.staff_after": ("Staff after", "下放后人员"),
    "admit.col.load_before": ("Load before", "原负荷指数"),
    "admit.col.load_after": ("Load after", "下放后负荷指数"),
    "admit.effect": (
        "Effect: {events} events a year move from the department to the streets",
        "影响：每年约 {events} 件事项由部门转至街道",
    ),
    "admit.enactment": ("Approval would write:", "批准后将生成："),
    "admit.version": (
        "{list} version {version} (from v{based_on}): {rows} rows, {added} added, {changed} changed",
        "{list} 第 {version} 版（基于第 {based_on} 版）：{rows} 条，新增 {added} 条，调整 {changed} 条",
    ),
    "admit.submitted": ("Recorded request {id} ({outcome}).", "已登记申请 {id}（{outcome}）。"),
    "admit.approved": (
        "Approved {id}: enacted {versions}.",
        "已批准 {id}：已生成 {versions}。",
    ),
    "admit.refused": (
        "Not approved: run again, the gates do not admit {id} ({outcome}); it stays submitted.",
        "未批准：重新检查后 {id} 未获准入（{outcome}），仍为已提交状态。",
    ),
    "admit.rejected": ("Rejected {id}.", "已驳回 {id}。"),
    "admit.overdue": ("overdue", "已超期"),
    "col.id": ("Request", "申请编号"),
    "col.matter": ("Matter", "事项"),
    "col.department": ("Department", "申请部门"),
    "col.status": ("Status", "状态"),
    "col.outcome": ("Gates", "检查结论"),
    "col.submitted": ("Submitted", "提交"),
    "col.decided": ("Decided", "决定"),
    "outcome.admit": ("admit", "准予准入"),
    "outcome.reject": ("reject", "不予准入"),
    "outcome.needs_info": ("needs information", "需补充材料"),
    "gate_status.pass": ("pass", "通过"),
    "gate_status.fail": ("fail", "不通过"),
    "gate_status.needs_info": ("needs info", "需补充"),
    "mode.dryrun": ("dry run", "试运行"),
    "mode.warn": ("warn", "警示"),
    "mode.deny": ("deny", "拒绝"),
    "gate.well_formed": ("well formed", "形式要件"),
    "gate.legal_basis": ("legal basis", "法律依据"),
    "gate.not_reclaimed": ("not reclaimed", "非收回事项"),
    "gate.resources": ("resources follow", "权随责走、费随事转"),
    "gate.capacity": ("capacity", "承载能力"),
    "gate.no_overlap": ("no overlap", "无重叠遗漏"),
    "gate.powers": ("powers", "权力配置"),
    "gate.ok": ("ok", "满足"),
    "gate.short": ("short", "不足"),
    "gate.over": ("over the threshold", "超过阈值"),
    "gate.not_evaluated": (
        "not evaluated: the request is not well formed",
        "未评估：申请不符合形式要求",
    ),
    "gate.well_formed.rule": (
        "the matter, the department, the receiving units and areas exist; the receiving units are street offices; the lists can take a new version",
        "事项、申请部门、承接单位和区域均存在；承接单位为街道（乡镇）；相关清单可生成新版本",
    ),
    "gate.well_formed.pass": ("the request is well formed", "申请符合形式要求"),
    "gate.well_formed.fail": ("the request is not well formed", "申请不符合形式要求"),
    "gate.well_formed.unenactable": (
        "the request cannot be enacted as the lists stand",
        "按现行清单无法实施该申请",
    ),
    "gate.well_formed.group_matter": (
        "{matter} is a group of matters; name a leaf matter",
        "{matter} 是事项分组；请指明具体事项",
    ),
    "gate.well_formed.department_street": (
        "the requesting unit {unit} is itself a street office",
        "申请单位 {unit} 本身是街道",
    ),
    "gate.well_formed.no_streets": ("no street office lies in {area}", "{area} 内没有街道"),
    "gate.well_formed.not_street": (
        "{unit} is not a street office (level {level})",
        "{unit} 不是街道（层级 {level}）",
    ),
    "gate.well_formed.matter": ("matter {matter} {name}", "事项 {matter} {name}"),
    "gate.well_formed.units": (
        "{count} receiving street(s): {names}",
        "承接街道 {count} 个：{names}",
    ),
    "gate.legal_basis.rule": (
        "devolve only by law (依法下放): at least one legal basis of an accepted kind",
        "依法下放：至少有一项属于认可类别的法律依据",
    ),
    "gate.legal_basis.item": ("{text} ({kind})", "{text}（{kind}）"),
    "gate.legal_basis.missing": (
        "no legal basis given; accepted: {kinds}",
        "未提供法律依据；认可：{kinds}",
    ),
    "gate.legal_basis.pass": (
        "a legal basis of an accepted kind ({kinds})",
        "有认可类别（{kinds}）的法律依据",
    ),
    "gate.legal_basis.fail": (
        "no legal basis of an accepted kind ({kinds}): a meeting minute or a notice alone is not enough",
        "无认可类别（{kinds}）的法律依据：仅有会议纪要或通知不足以下放",
    ),
    "legal.law": ("law", "法律"),
    "legal.regulation": ("regulation", "法规"),
    "legal.government_rule": ("government rule", "规章"),
    "legal.normative_document": ("normative document", "规范性文件"),
    "legal.meeting_minute": ("meeting minute", "会议纪要"),
    "legal.notice": ("notice", "通知"),
    "legal.other": ("other", "其他"),
    "gate.not_reclaimed.rule": (
        "nothing taken back by higher departments comes back down: the matter is on no reclaimed list (上级部门收回事项) in force for the receiving units",
        "上级部门收回的事项不得再次下放：该事项不在承接单位现行的收回事项清单中",
    ),
    "gate.not_reclaimed.row": (
        "{unit}: reclaimed in {list} v{version} row {row}",
        "{unit}：已列入 {list} 第 {version} 版第 {row} 条收回事项",
    ),
    "gate.not_reclaimed.fail": (
        "the matter was taken back from {count} receiving unit(s)",
        "该事项已从 {count} 个承接单位收回",
    ),
    "gate.not_reclaimed.pass": (
        "the matter was taken back from none of the receiving units",
        "承接单位均未收回该事项",
    ),
    "gate.resources.rule": (
        "powers and money follow the duty (权随责走、费随事转): staff and budget declared, at least what the norm requires for the expected volume",
        "权随责走、费随事转：申报人员和经费，且不少于按预计事项量测算的标准",
    ),
    "gate.resources.no_volume": (
        "no expected yearly volume: give expected_yearly_volume, an estimate in the catalogue, or --history",
        "无预计年事项量：请提供 expected_yearly_volume、事项目录中的估算或 --history",
    ),
    "gate.resources.no_staff": (
        "no staff declared (resources.staff)",
        "未申报人员（resources.staff）",
    ),
    "gate.resources.no_budget": (
        "no budget declared (resources.yearly_budget)",
        "未申报经费（resources.yearly_budget）",
    ),
    "gate.resources.missing": ("resources are not declared", "未申报随事转移的资源"),
    "gate.resources.street": (
        "{unit}: {volume} events a year need {staff} staff and {budget} yuan; given {given_staff} staff and {given_budget} yuan — {verdict}",
        "{unit}：年 {volume} 件，需 {staff} 人、{budget} 元；申报 {given_staff} 人、{given_budget} 元——{verdict}",
    ),
    "gate.resources.pass": (
        "staff and budget cover the norm ({hours} h a case, {year} h a staff-year, {cost} yuan a case)",
        "人员经费满足标准（每件 {hours} 小时，每人每年 {year} 小时，每件 {cost} 元）",
    ),
    "gate.resources.fail": (
        "staff or budget fall short of the norm ({hours} h a case, {year} h a staff-year, {cost} yuan a case)",
        "人员或经费低于标准（每件 {hours} 小时，每人每年 {year} 小时，每件 {cost} 元）",
    ),
    "gate.capacity.rule": (
        "no street pushed past its capacity: each receiving street's load index stays at or under the threshold",
        "不得超出街道承载能力：各承接街道的负荷指数不超过阈值",
    ),
    "gate.capacity.no_capacity": (
        "{unit}: no capacity (staff) on record",
        "{unit}：未登记承载能力（人员）",
    ),
    "gate.capacity.street": (
        "{unit}: load index {before} → {after} — {verdict}",
        "{unit}：负荷指数 {before} → {after}——{verdict}",
    ),
    "gate.capacity.fail": (
        "a receiving street would be over the threshold {threshold}",
        "有承接街道将超过阈值 {threshold}",
    ),
    "gate.capacity.no_volume": (
        "the expected volume is unknown, so the load after cannot be worked out",
        "预计事项量未知，无法测算下放后的负荷",
    ),
    "gate.capacity.unknown": ("a receiving street's capacity is unknown", "有承接街道承载能力未知"),
    "gate.capacity.pass": (
        "every receiving street stays at or under {threshold}",
        "各承接街道均不超过 {threshold}",
    ),
    "gate.no_overlap.rule": (
        "no new overlap, gap or referral cycle: the graph check on the lists as enacted finds none that the lists in force do not have, and no receiving unit contends for a lead",
        "不产生新的职能重叠、遗漏或循环推诿：按实施后的清单进行图检查，无新增问题，承接单位不与他人争主办",
    ),
    "gate.no_overlap.fail": (
        "enactment would create {count} overlap(s), gap(s) or referral cycle(s)",
        "实施后将新增 {count} 项重叠、遗漏或循环推诿",
    ),
    "gate.no_overlap.pass": ("enactment creates no overlap or gap", "实施后无新增重叠或遗漏"),
    "gate.powers.rule": (
        "a matter that needs a power goes only to units that hold it or receive it in the request",
        "需要特定权力的事项，只能下放给已具备或随申请获得该权力的单位",
    ),
    "gate.powers.none": ("the matter needs no particular power", "该事项无特定权力要求"),
    "gate.powers.missing": ("{unit} lacks {powers}", "{unit} 缺少 {powers}"),
    "gate.powers.pass": (
        "every receiving unit holds or receives {powers}",
        "各承接单位均具备或获得 {powers}",
    ),
    "gate.powers.fail": (
        "the matter needs {powers}, which a receiving unit lacks",
        "该事项需要 {powers}，有承接单位不具备",
    ),
    "error.header": (
        "{count} problem(s) found; nothing was written.",
        "发现 {count} 个问题；未写入任何内容。",
    ),
    "error.internal": (
        "internal error: {error}. This is a bug in remit; run again with REMIT_DEBUG=1 for the "
        "traceback and report it.",
        "内部错误：{error}。这是 remit 的缺陷；请设置 REMIT_DEBUG=1 重新运行以获得调用栈并报告。",
    ),
    "error.more": ("… and {count} more", "……另有 {count} 个"),
    # newcomer fixes
    "output.not_written": (
        "this command does not write {suffix} files; it writes {formats}",
        "本命令不能写出 {suffix} 文件；可写的格式：{formats}",
    ),
    "output.mismatch": (
        "the suffix {suffix} is for {named}, not for --format {fmt}; end the file name in {suffixes} or leave out --format",
        "后缀 {suffix} 对应 {named} 格式，与 --format {fmt} 不符；请让文件名以 {suffixes} 结尾，或省略 --format",
    ),
    "output.no_format": (
        "the file name does not say which format to write; give --format, or end the file name in the suffix of one of {formats}",
        "无法从文件名判断输出格式；请指定 --format，或让文件名以下列格式之一的后缀结尾：{formats}",
    ),
    "arg.bad_time": (
        "{value!r} is not a time ({detail}); expected ISO 8601 with or without an offset, e.g. 2026-03-02T10:00:00+08:00 or 2026-03-02 10:00 (without an offset: Asia/Shanghai time)",
        "{value!r} 不是有效的时间（{detail}）；应为 ISO 8601 格式，可带时区偏移，例如 2026-03-02T10:00:00+08:00 或 2026-03-02 10:00（不带偏移时按北京时间）",
    ),
    "route.from_options": ("command line", "命令行参数"),
}


_TERMS = ("status", "noun", "action", "route_status")


class _Formatter(string.Formatter):
    """Fills a template; a field formatted as a term (``{status:status}``) is translated."""

    def __init__(self, lang: Lang):
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec in _TERMS:
            key = f"{format_spec}.{value}"
            return t(key, self.lang) if key in MESSAGES else str(value)
        return super().format_field(value, format_spec)


def has(key: str) -> bool:
    """Is there a message ``key``? (Renderers show a code as is when it has no message.)"""
    return key in MESSAGES


def t(key: str, lang: Lang | None = None, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language) with ``params`` filled in."""
    lang = lang or current_lang.get()
    en, zh = MESSAGES[key]
    return _Formatter(lang).format(zh if lang == "zh" else en, **params)
