"""The 推诿 page, ``/ui/disputes``: the dispute report (``remit dispute report``, ``POST
/disputes/report``) over the cases the service recorded — per unit its returns and how they
were ruled (upheld, overruled, to arbitration), repeated returns (escalated), hours in the air,
and the list rows that cause most disputes — over a period chosen with a GET form."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from remit.events.model import LOCAL_ZONE
from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.present.pages_admission import dispute_view
from remit.routing.disputes.report import dispute_report
from remit.service.pages.common import NAVIGATION, PAGE_ROUTERS, PageEntry, page, page_for, title
from remit.service.state import Services, services

router = APIRouter(include_in_schema=False)
PAGE_ROUTERS.append(router)
NAVIGATION.append(PageEntry("/ui/disputes", "page.disputes.title", (Role.dispatcher,)))

CASES_READ = 20_000
"""The most recorded cases the page reads (newest first) for its report."""


def _day(text: str) -> tuple[dt.date | None, bool]:
    """A date from the form (empty: none); False when it is not a date."""
    if not text.strip():
        return None, True
    try:
        return dt.date.fromisoformat(text.strip()), True
    except ValueError:
        return None, False


@router.get("/ui/disputes")
def disputes(
    request: Request,
    user: Annotated[User, Depends(page_for(Role.dispatcher))],
    found: Annotated[Services, Depends(services)],
    date_from: str = "",
    date_to: str = "",
) -> Response:
    """The report over the recorded cases with returns whose return falls in the period
    (both ends inclusive, either may be open). A bad date or an empty period is said on the
    page (400), not a 500."""
    start, start_ok = _day(date_from)
    end, end_ok = _day(date_to)
    problems = []
    if not start_ok:
        problems.append(t("page.disputes.bad_date", value=date_from))
    if not end_ok:
        problems.append(t("page.disputes.bad_date", value=date_to))
    if start and end and start > end:
        problems.append(t("dispute.bad_period", start=start, end=end))
    view = None
    if not problems:
        # a case is reported before its returns: none reported after the period counts
        after = end + dt.timedelta(days=1) if end else None
        reported_to = dt.datetime.combine(after, dt.time(), LOCAL_ZONE) if after else None
        records = found.book.find(reported_to=reported_to, limit=CASES_READ)
        cases = [
            r.as_case()
            for r in records
            if r.rounds and all(round_.ruling is not None for round_ in r.rounds)
        ]
        report = dispute_report(cases, start, end, [t("page.disputes.source")])
        view = dispute_view(report, current_lang.get())
    return page(
        request,
        "disputes.html.j2",
        title("page.disputes.title"),
        user,
        status=400 if problems else 200,
        report=view,
        problems=problems,
        date_from=date_from,
        date_to=date_to,
    )
