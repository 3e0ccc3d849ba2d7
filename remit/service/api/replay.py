"""Stored decisions decided again over HTTP — ``remit replay``: the check that decisions can be
reproduced, or what a corrected or proposed registry would have decided instead."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from remit.checks import GraphCheck
from remit.errors import InputError, Problem
from remit.files.names import list_version
from remit.i18n import t
from remit.identity import Role, User
from remit.routing.replay import RECORDED, replay
from remit.routing.replay_report import ReplayReport
from remit.service.api.common import JSON, known_at_value
from remit.service.auth import require
from remit.service.state import Services, services
from remit.service.uploads import uploads

router = APIRouter(tags=["replay"])


@router.post(
    "/replay",
    response_model=ReplayReport,
    summary="Decide stored decisions again and report those that differ",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "one decision (JSON) a line"}
                }
            },
        }
    },
)
async def replay_decisions(
    request: Request,
    found: Annotated[Services, Depends(services)],
    _user: Annotated[User, Depends(require(Role.dispatcher, Role.policy_officer))],
    known_at: Annotated[
        str | None,
        Query(
            description="decide them on the registry as it stood at this revision (a number, "
            "a time, or latest); absent: each on the revision it names (the check)"
        ),
    ] = None,
    against: Annotated[
        list[str] | None,
        Query(description="LIST-ID@VERSION put in force as if published (repeatable)"),
    ] = None,
) -> Response:
    """The decisions (JSON Lines, as ``POST /route/batch`` and ``remit route-batch`` write
    them) decided again with the service's rules, and the report (``ReplayReport``): each on
    the snapshot it names when no ``known_at`` or ``against`` is given (every one must come
    out the same), else on the registry at ``known_at`` (``against`` a draft: on the latest
    revision) — counts before → after, the cases each unit gains and loses, the decisions that
    change. A report that finds differences is still 200: ``clean`` says whether all agree."""
    from starlette.concurrency import run_in_threadpool

    versions: dict[str, int] = {}
    bad: list[Problem] = []
    for value in against or []:
        found_version = list_version(value)
        if found_version is None:
            where = {"source": t("http.part.query"), "field": "against"}
            bad.append(Problem.at(where, "http.bad_list_version", value=value))
        else:
            versions[found_version[0]] = found_version[1]
    if bad:
        raise InputError(bad)
    revision = known_at_value(known_at) if known_at is not None else RECORDED
    body = await request.body()

    def run() -> str:
        with uploads() as spool:
            path = spool.add("decisions.jsonl", body, shown_as=t("http.part.body"))
            report = replay(
                found.registry,
                path,
                known_at=revision,
                versions=versions,
                rules_dir=found.settings.rules_dir,
                loads=GraphCheck(),
            )
            # the report names the decisions file: the request body, not a temporary file
            return spool.shown(report.model_dump_json())

    return Response(await run_in_threadpool(run), media_type=JSON)
