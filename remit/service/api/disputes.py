"""Returns (退单) ruled from the lists, the 推诿 report, and the rules over HTTP — what
``remit dispute``, ``remit dispute report`` and ``remit rules list|show`` do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from remit.errors import InputError
from remit.events.case_files import LocatedCase, read_cases
from remit.events.cases import Case
from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.present.dispute import render_html
from remit.routing.disputes.desk import DisputeDesk, load_dispute_rules
from remit.routing.disputes.report import DisputeReport, dispute_report
from remit.routing.rules.compile import RuleSet, load_rules
from remit.service.api.common import HTML, JSON, json_response
from remit.service.auth import current_user, require
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services
from remit.service.uploads import uploads

router = APIRouter(tags=["disputes"])

Found = Annotated[Services, Depends(services)]
Dispatcher = Annotated[User, Depends(require(Role.dispatcher))]

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

CASES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Case"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
                    ]
                }
            },
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


async def _cases_body(request: Request) -> tuple[str, bytes]:
    """The body as a case file ``remit dispute`` reads: its suffix (JSON Lines or YAML) and
    content. A JSON body (one case, or an array of cases) becomes JSON Lines, one case a line
    (a problem's ``line`` is then the case's place in the array)."""
    kind = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    body = await request.body()
    if kind in JSONL_TYPES:
        return ".jsonl", body
    if kind in YAML_TYPES:
        return ".yaml", body
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError.one("http.json", source=t("http.part.body"), detail=str(exc)) from None
    items = data if isinstance(data, list) else [data]
    return ".jsonl", b"\n".join(orjson.dumps(item) for item in items) + b"\n"


def _read(suffix: str, content: bytes, rule: bool, found: Services) -> list[Case]:
    """The body's cases; rounds not ruled yet are ruled (all of them when ``rule``)."""
    with uploads() as spool:
        path = spool.add("cases" + suffix, content, shown_as=t("http.part.body"))
        located = read_cases(path)
        if not rule and all(r.ruling is not None for item in located for r in item.case.rounds):
            return [item.case for item in located]
        return _rule(found, located)


def _rule(found: Services, located: Sequence[LocatedCase]) -> list[Case]:
    with (
        found.routing() as routing,
        DisputeDesk(routing, rules_dir=found.settings.rules_dir) as desk,
    ):
        return desk.rule_cases(located)


def _cases_json(cases: Sequence[Case]) -> bytes:
    return orjson.dumps([case.model_dump(mode="json") for case in cases])


@router.post(
    "/disputes",
    response_model=list[Case],
    summary="Rule every return (退单) of the cases sent, from the lists in force",
    openapi_extra=CASES_BODY,
)
async def rule(request: Request, found: Found, _user: Dispatcher) -> Response:
    """The cases (a case file's content: JSON — one case or an array —, JSON Lines as
    ``application/x-ndjson``, or YAML as ``application/yaml``) with every return ruled from
    the lists in force on each event's date: upheld, overruled or arbitrate, with the rows
    cited (``remit dispute FILE``). Rounds already ruled keep their ruling. Problems name the
    request body, the line (the case's place) and the field. Nothing is recorded."""
    from starlette.concurrency import run_in_threadpool

    suffix, content = await _cases_body(request)
    cases = await run_in_threadpool(_read, suffix, content, True, found)
    return Response(_cases_json(cases), media_type=JSON)


@router.post(
    "/disputes/report",
    response_model=DisputeReport,
    summary="The 推诿 report over the cases sent",
    openapi_extra=CASES_BODY,
    responses={200: {"content": {"text/html": {}}, "description": "format=html: the report"}},
)
async def report(
    request: Request,
    found: Found,
    _user: Dispatcher,
    date_from: Annotated[
        dt.date | None, Query(alias="from", description="first day of the period")
    ] = None,
    date_to: Annotated[
        dt.date | None, Query(alias="to", description="last day of the period")
    ] = None,
    format: Annotated[Literal["json", "html"], Query(description="the report's format")] = "json",
) -> Response:
    """``remit dispute report``: per unit, its returns and the shares upheld / overruled / to
    arbitration, escalations and hours in the air; rounds and hours per case; the list rows
    that cause most disputes. Cases as ``POST /disputes`` answers carry their rulings; rounds
    not ruled yet are ruled first."""
    from starlette.concurrency import run_in_threadpool

    if date_from and date_to and date_from > date_to:
        raise InputError.one(
            "dispute.bad_period", source=t("http.part.query"), start=date_from, end=date_to
        )
    suffix, content = await _cases_body(request)
    cases = await run_in_threadpool(_read, suffix, content, False, found)
    result = dispute_report(cases, date_from, date_to, [t("http.part.body")])
    if format == "html":
        return Response(render_html(result, current_lang.get()), media_type=HTML)
    return Response(result.model_dump_json(), media_type=JSON)


# --- the rules ----------------------------------------------------------------------------------


def _ruleset(found: Services, disputes: bool) -> RuleSet:
    rules_dir = found.settings.rules_dir
    return load_dispute_rules(rules_dir) if disputes else load_rules(rules_dir)


DisputesQuery = Annotated[
    bool, Query(description="the dispute (退单) rules instead of the routing rules")
]


def _rules_document(ruleset: RuleSet, chosen: Sequence[Any]) -> dict[str, Any]:
    return {
        "config": ruleset.config.model_dump(mode="json"),
        "sources": list(ruleset.sources),
        "digest": ruleset.digest,
        "rules": [r.model_dump(mode="json", by_alias=True, exclude_defaults=True) for r in chosen],
    }


@router.get("/rules", summary="The rules in force, in the order they fire")
def rules(
    found: Found, _user: Annotated[User, Depends(current_user)], disputes: DisputesQuery = False
) -> Response:
    """The routing rules (the defaults and the service's ``--rules``), or with
    ``disputes=true`` the dispute rules, with the configuration in force — ``remit rules
    list`` / ``show``."""
    ruleset = _ruleset(found, disputes)
    return json_response(_rules_document(ruleset, ruleset.rules))


@router.get("/rules/{rule_id}", summary="One rule, with the configuration in force")
def rule_one(
    rule_id: str,
    found: Found,
    _user: Annotated[User, Depends(current_user)],
    disputes: DisputesQuery = False,
) -> Response:
    """``remit rules show RULE-ID``; 404 naming the rules there are."""
    ruleset = _ruleset(found, disputes)
    chosen = [r for r in ruleset.rules if r.id == rule_id]
    if not chosen:
        known = ", ".join(r.id for r in ruleset.rules)
        raise HTTPProblem(404, "http.unknown_rule", rule=rule_id, known=known)
    return json_response(_rules_document(ruleset, chosen))
