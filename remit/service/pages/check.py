"""The check report as pages (everyone signed in): ``/ui/check`` (summary, streets × matter
groups heat map, findings with filters, conflict clusters, load, exports) and
``/ui/check/streets/{area}`` (a street's duties, load and findings).

The report is the one ``GET /check`` answers (:func:`remit.checks.check_registry`, in the
request's language), kept in the worker per registry revision, date and language: on the
sample district a page took 150 ms through the ASGI client made afresh each time (snapshot and
check most of it), 22 ms from the cache (a street 13 ms, the JSON 3 ms).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections import OrderedDict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from remit.checks import check_registry
from remit.i18n import Lang, current_lang
from remit.identity import User
from remit.present.check_xlsx import build_workbook
from remit.present.pages_check import CheckFilters, CheckPages, MatterGroups
from remit.registry.snapshot import Snapshot
from remit.service.pages.common import NAVIGATION, PAGE_ROUTERS, PageEntry, page, title, viewer
from remit.service.problems import HTTPProblem
from remit.service.state import Services, services

router = APIRouter(include_in_schema=False)
PAGE_ROUTERS.append(router)
NAVIGATION.append(PageEntry("/ui/check", "page.check.title"))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_CACHE: OrderedDict[tuple[str, int, dt.date, str], tuple[CheckPages, Snapshot]] = OrderedDict()
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()


def _checked(found: Services, lang: Lang) -> tuple[CheckPages, Snapshot]:
    """Today's report (as ``GET /check`` makes it), the snapshot it checked, and the pages'
    view of them: kept per registry revision, date and language in the worker (the pages ask
    for the same report again and again; a write makes a new revision, so a new report)."""
    registry = found.registry
    today = dt.date.today()
    key = (registry.url, registry.revision(), today, lang)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    snapshot = registry.snapshot(today, known_at=key[1])
    report = check_registry(registry, today, lang=lang, known_at=snapshot.revision)
    made = CheckPages(report, lang, MatterGroups.of_catalogue(snapshot.matters)), snapshot
    with _CACHE_LOCK:
        _CACHE[key] = made
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return made


def _pages(found: Services) -> tuple[CheckPages, Snapshot]:
    return _checked(found, current_lang.get())


@router.get("/ui/check", response_class=HTMLResponse)
def check_page(
    request: Request,
    kind: str = "",
    severity: str = "",
    street: str = "",
    group: str = "",
    q: str = "",
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """The check report: summary, heat map, findings (filtered by the GET form), clusters,
    load, exports."""
    pages, _snapshot = _pages(found)
    filters = CheckFilters(kind[:64], severity[:16], street[:32], group[:32], q[:200])
    view = pages.check_view(filters)
    return page(request, "check_page.html.j2", title("page.check.title"), user, view=view)


@router.get("/ui/check/streets/{area_code}", response_class=HTMLResponse)
def street_page(
    request: Request,
    area_code: str,
    user: User = Depends(viewer),
    found: Services = Depends(services),
) -> Response:
    """A street: its duties in force, its units' load, its findings."""
    pages, snapshot = _pages(found)
    if not pages.is_street(area_code):
        raise HTTPProblem(404, "http.not_found", what=title("page.check.street.what"), id=area_code)
    view = pages.street_view(area_code, snapshot)
    heading = title("page.check.street.title", street=view.name)
    return page(request, "check_street.html.j2", heading, user, view=view)


@router.get("/ui/check/streets.geojson")
def streets_geojson(_user: User = Depends(viewer), found: Services = Depends(services)) -> Response:
    """The streets with a shape, their findings and load: what the map on /ui/check draws."""
    pages, snapshot = _pages(found)
    return Response(
        json.dumps(pages.map_geojson(snapshot), ensure_ascii=False),
        media_type="application/geo+json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/ui/check/report.json")
def check_json(_user: User = Depends(viewer), found: Services = Depends(services)) -> Response:
    """The JSON report (as ``GET /check``), as a download."""
    report = _checked(found, current_lang.get())[0].report
    return Response(
        report.model_dump_json(indent=2),
        media_type="application/json",
        headers=_download(f"check-{report.as_of.isoformat()}.json"),
    )


@router.get("/ui/check/report.xlsx")
def check_xlsx(_user: User = Depends(viewer), found: Services = Depends(services)) -> Response:
    """The report as a workbook (``remit check --format xlsx``), as a download."""
    lang = current_lang.get()
    report = _checked(found, lang)[0].report
    buffer = io.BytesIO()
    build_workbook(report, lang).save(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers=_download(f"check-{report.as_of.isoformat()}.xlsx"),
    )


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
