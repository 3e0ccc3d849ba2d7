"""The graph check over HTTP: the lists in force checked for overlaps, gaps, masked leads …
as ``remit check`` reports them (JSON, or the self-contained HTML report)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from remit.checks import check_registry
from remit.checks.report import CheckReport
from remit.i18n import current_lang
from remit.identity import User
from remit.present.check_html import render_html
from remit.service.api.common import HTML, JSON, known_at_value
from remit.service.auth import current_user
from remit.service.state import Services, services

router = APIRouter(tags=["check"])


@router.get(
    "/check",
    summary="Check the lists in force: overlaps, gaps, masked leads, cycles, loads …",
    response_model=CheckReport,
    responses={200: {"content": {"text/html": {}}, "description": "format=html: the report"}},
)
def check(
    found: Annotated[Services, Depends(services)],
    _user: Annotated[User, Depends(current_user)],
    on: Annotated[dt.date | None, Query(description="the day checked (default today)")] = None,
    area: Annotated[str | None, Query(description="only the leaf areas under this area")] = None,
    matter: Annotated[str | None, Query(description="only this matter (or group)")] = None,
    list_id: Annotated[
        str | None, Query(alias="list", description="only findings about this list")
    ] = None,
    against: Annotated[
        str | None,
        Query(description="compare: a date, or LIST-ID@VERSION (a draft too) put in force"),
    ] = None,
    known_at: Annotated[
        str | None, Query(description="the registry as it stood at this revision")
    ] = None,
    format: Annotated[Literal["json", "html"], Query(description="the report's format")] = "json",
) -> Response:
    """The check ``remit check`` runs (with the filters and ``against`` it takes) as its JSON
    report (``CheckReport``), or with ``format=html`` as the self-contained HTML report, in the
    request's language. Findings are the report, not a refusal: the answer is 200 whatever
    they say."""
    lang = current_lang.get()
    report = check_registry(
        found.registry,
        on,
        against=against,
        area=area,
        matter=matter,
        list_id=list_id,
        lang=lang,
        known_at=known_at_value(known_at),
    )
    if format == "html":
        return Response(render_html(report, lang), media_type=HTML)
    return Response(report.model_dump_json(), media_type=JSON)
