# remit — set-up commands. Needs only Python 3.11 or 3.12 on the machine.
# Exit status 0 when the interpreter given is Python 3.11 or 3.12.
GOOD_PYTHON := -c 'import sys; sys.exit(not ((3,11) <= sys.version_info[:2] <= (3,12)))'
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p $(GOOD_PYTHON) 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
REMIT := $(BIN)/remit
DEMO_DB := sqlite:///remit.db
SERVE_DB ?= sqlite:///serve.db
PORT ?= 8000
# the password of make serve's demo users (a local demo only: never a real deployment's)
DEMO_PASSWORD ?= remit-demo
export REMIT_USER ?= demo

# A .venv made with another Python (say `make demo PYTHON=python3.13` before this check) or
# whose Python no longer runs is made again: its activate script counts as out of date.
VENV_BAD := $(shell test -e $(VENV) && ! $(BIN)/python $(GOOD_PYTHON) >/dev/null 2>&1 && echo yes)
ifeq ($(VENV_BAD),yes)
.PHONY: $(BIN)/activate
endif

.PHONY: demo serve serve-db test lint format clean check-python

check-python:
	@test -n "$(PYTHON)" && $(PYTHON) $(GOOD_PYTHON) >/dev/null 2>&1 || { \
		echo "remit needs Python 3.11 or 3.12 (durable-rules does not import on 3.13)$(if $(PYTHON),; PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo 'not found'))"; \
		exit 1; }

$(BIN)/activate: | check-python
	@if test -e $(VENV); then \
		found=$$($(BIN)/python --version 2>/dev/null); \
		if test -z "$$found"; then echo "$(VENV) has no working Python: making it again with $$($(PYTHON) --version)"; \
		elif $(BIN)/python $(GOOD_PYTHON); then echo "$(VENV) is incomplete: making it again"; \
		else echo "$(VENV) runs $$found, but remit needs Python 3.11 or 3.12: making it again with $$($(PYTHON) --version)"; fi; \
		rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	@echo "== a fresh registry from the sample lists (data/responsibility_lists/)"
	$(REMIT) init --db $(DEMO_DB) --force
	$(REMIT) registry import --db $(DEMO_DB) data/responsibility_lists/ data/calendar/
	$(REMIT) registry lists --db $(DEMO_DB)
	@echo "== what the 2025 street reform changed"
	$(REMIT) registry diff --db $(DEMO_DB) HP-JZ-JB 1 2
	@echo "== an office's revision table (GB18030 CSV) becomes a draft of its list"
	$(REMIT) registry import --db $(DEMO_DB) data/tables/hp-qz-scj-2027.csv \
		--mapping data/tables/scj-mapping.yaml --list HP-QZ-SCJ --note "2027 revision (draft)"
	$(REMIT) registry diff --db $(DEMO_DB) HP-QZ-SCJ 1 2
	@echo "== what is in force today, and its hash"
	$(REMIT) registry snapshot --db $(DEMO_DB)
	@echo "== routing the sample events (data/events/), each on the lists in force when reported"
	@mkdir -p out
	$(REMIT) route-batch --db $(DEMO_DB) data/events/huangpu-2026.jsonl --rules data/rules/ \
		-o out/decisions.jsonl --rejects out/rejects.jsonl
	@echo "== one event, explained: unlicensed vending on a road, where two lists both lead —"
	@echo "   the street handles it provisionally (先行处置) while the centre rules"
	$(REMIT) route --db $(DEMO_DB) --matter 无照经营游商 --area 南京东路街道 --attr 地点类型=道路 \
		--reported-at 2026-03-02T10:00:00 --lang zh
	@echo "== the same without 地点类型: who is accountable hinges on it, so it is asked for (needs info)"
	$(REMIT) route --db $(DEMO_DB) --matter 无照经营游商 --area 南京东路街道 \
		--reported-at 2026-03-02T10:20:00 --lang zh
	@echo "== from July 2027 the streets' reclaimed list takes 无主井盖 back, handed on to 区建管委:"
	@echo "   referred there (转交), not left to the street; 噪声扰民, taken back with no one named,"
	@echo "   goes to the district centre (no 兜底 by the street it was taken from)"
	$(REMIT) route --db $(DEMO_DB) --matter 无主井盖 --area 南京东路街道 --reported-at 2027-07-05T10:00:00 --lang zh
	$(REMIT) route --db $(DEMO_DB) --matter 公共区域噪声扰民 --area 南京东路街道 \
		--reported-at 2027-07-05T10:05:00 --lang zh
	@echo "== one event across two streets: every area counts. 淮海中路's list leads it, nobody leads it in"
	@echo "   瑞金二路 (that street falls back, a gap): split, the district centre coordinates"
	$(REMIT) route --db $(DEMO_DB) --matter 飞线充电 --area 瑞金二路街道 --area 淮海中路街道 \
		--reported-at 2026-07-03T09:30:00 --lang zh
	@echo "== a gap: litter in a park, which no list covers"
	$(REMIT) route --db $(DEMO_DB) --matter SJ0106 --area 310101018001 --attr location_type=park \
		--reported-at 2026-04-07T10:00:00 --lang en
	@echo "== returns (退单) ruled from the lists: upheld, overruled, to arbitration, a second return escalated"
	$(REMIT) dispute --db $(DEMO_DB) data/disputes/cases.yaml --rules data/rules/ -o out/disputes.jsonl --lang zh
	@echo "== the 推诿 report: returns per unit, how they were ruled, hours in the air, the rows to revise"
	$(REMIT) dispute report --db $(DEMO_DB) out/disputes.jsonl --lang zh
	@echo "== what the draft HP-QZ-FGJ v2 would change in the check (exit 1: findings remain)"
	$(REMIT) check --db $(DEMO_DB) --against HP-QZ-FGJ@2 --format md --lang en | sed -n '/^## Compared/,$$p'
	@echo "== the admission gate (事项准入): a pilot that passes every gate …"
	$(REMIT) admit check --db $(DEMO_DB) --config data/admission_requests/config.yaml \
		data/admission_requests/admitted.yaml --lang zh
	@echo "== … and one the capacity gate rejects: 瑞金二路街道 is already over its load (exit 1)"
	$(REMIT) admit check --db $(DEMO_DB) --config data/admission_requests/config.yaml \
		data/admission_requests/reject-capacity.yaml --lang zh || test $$? -eq 1
	@echo "== the check report as a self-contained HTML page"
	$(REMIT) check --db $(DEMO_DB) --format html -o out/check-report.html || test $$? -eq 1
	@echo "== the check report of the lists in force today (exit 1: errors found, as documented)"
	$(REMIT) check --db $(DEMO_DB) --lang zh || test $$? -eq 1
	@echo "== a retroactive correction: HP-QZ-SCJ's draft in force from 2026-01-01 would change"
	@echo "   past snapshots and cases already decided, so it is refused (exit 2) …"
	$(REMIT) registry publish --db $(DEMO_DB) HP-QZ-SCJ --effective-from 2026-01-01 || test $$? -eq 2
	@echo "== … and made on purpose, with a note: the dates whose snapshots change, the decisions it touches"
	$(REMIT) registry publish --db $(DEMO_DB) HP-QZ-SCJ --effective-from 2026-01-01 \
		--retroactive --note "更正：2027年修订自2026年1月1日起施行" --decisions out/decisions.jsonl
	@echo "== the sample decisions decided again on the snapshots they name: all the same"
	$(REMIT) replay --db $(DEMO_DB) out/decisions.jsonl --rules data/rules/
	@echo "== … and on the corrected registry: what the correction does to them (exit 1: some change)"
	$(REMIT) replay --db $(DEMO_DB) out/decisions.jsonl --rules data/rules/ --known-at latest \
		|| test $$? -eq 1
	@echo "== the history verifies: every hash, parent and the audit chain"
	$(REMIT) registry verify --db $(DEMO_DB)
	@echo "== a 处置责任分解表 as cities publish it (data/tables/hp-chuzhi-2027.xlsx: 部件 and 事件 sheets,"
	@echo "   merged cells, one row per 立案条件, 所属街办/各产权单位, cells naming several units) becomes a new list"
	$(REMIT) registry import --db $(DEMO_DB) data/tables/hp-chuzhi-2027.xlsx \
		--mapping data/tables/chuzhi-mapping.yaml --list HP-CZ-2027 --create --kind department \
		--name 黄浦区数字化城市管理部件事件处置责任分解表（示例） --note "2027 分解表 (draft)"
	@echo "== what it would change in the check: where it and the lists in force both lead (exit 1);"
	@echo "   its joint cells (区城管执法局、南京东路街道办事处) are lead and assist rows, no overlap"
	$(REMIT) check --db $(DEMO_DB) --against HP-CZ-2027@1 --format md --lang en \
		| sed -n '/^## Compared/,/^### Narrowed/p' | sed '$$d'
	@echo "== in force from 2027-01-01, routed on it: a joint cell names the 牵头 and the 协办; no case"
	@echo "   standard (立案标准) named: the one whose time limit ends first, and the decision says so …"
	$(REMIT) registry publish --db $(DEMO_DB) HP-CZ-2027 --effective-from 2027-01-01 --retroactive \
		--note "2027 分解表" >/dev/null
	$(REMIT) route --db $(DEMO_DB) --matter 施工占道 --area 南京东路街道 --reported-at 2027-03-02T10:00:00 --lang zh
	@echo "== … the standard named by its 立案条件: its own limit (1工作日) and closing condition …"
	$(REMIT) route --db $(DEMO_DB) --matter 施工占道 --area 南京东路街道 --reported-at 2027-03-02T10:00:00 --lang zh \
		--standard 未经许可占用道路的 | grep -E '^(主办|处置时限|立案标准|结案条件)'
	@echo "== … and 属地街道 is the street office of the event's street, with its 1紧急工作日"
	$(REMIT) route --db $(DEMO_DB) --matter 防洪墙 --area 豫园街道 --reported-at 2027-03-02T10:00:00 --lang zh

# The service on the sample registry: a fresh serve.db (unless SERVE_DB names another database:
# `make serve SERVE_DB=postgresql+psycopg://…`), a dispatcher, a unit user and a policy officer
# whose tokens are written to out/tokens/ (the README's curl examples read them), then
# `remit serve` on 127.0.0.1:$(PORT) until Ctrl-C.
serve-db: $(VENV)/.installed
	$(REMIT) init --db $(SERVE_DB) --force
	$(REMIT) registry import --db $(SERVE_DB) data/responsibility_lists/ data/calendar/
	@mkdir -p out/tokens
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) dispatcher --name 区城运中心调度员 --role dispatcher --password-stdin
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) scj --name 区市场监管局派单员 --role unit --unit HP-SCJ --password-stdin
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) nj --name 南京东路街道派单员 --role unit --unit HP-NJDL --password-stdin
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) officer --name 区政务办政策专员 --role policy_officer --password-stdin
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) sfj --name 区司法局审核人 --role approver --password-stdin
	@echo "$(DEMO_PASSWORD)" | $(REMIT) users add --db $(SERVE_DB) bb --name 区委编办审核人 --role approver --password-stdin
	@for who in dispatcher scj officer; do \
		$(REMIT) users token --db $(SERVE_DB) $$who --note "make serve" > out/tokens/$$who 2>/dev/null; done
	@echo "tokens written to out/tokens/ (dispatcher, scj, officer)"
	@echo "pages: http://127.0.0.1:$(PORT)/ — sign in as dispatcher, scj, nj, officer, sfj or bb with the demo password '$(DEMO_PASSWORD)'"

serve: serve-db
	$(REMIT) serve --db $(SERVE_DB) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check remit tests bench
	$(BIN)/ruff format --check remit tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format remit tests bench
	$(BIN)/ruff check --fix remit tests bench

clean:
	rm -rf $(VENV) remit.db serve.db .pytest_cache .hypothesis *.egg-info
