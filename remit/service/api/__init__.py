"""The service's endpoints, one module per capability (as the CLI has one per command group)."""

from __future__ import annotations

from fastapi import APIRouter

from remit.service.api import (
    admission,
    cases,
    check,
    disputes,
    open311,
    registry,
    replay,
    routing,
    session,
)

API_ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    routing.router,
    cases.router,
    registry.router,
    check.router,
    admission.router,
    disputes.router,
    replay.router,
    open311.router,
)
