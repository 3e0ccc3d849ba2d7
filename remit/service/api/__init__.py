"""The service's endpoints, one module per capability (as the CLI has one per command group)."""

from __future__ import annotations

from fastapi import APIRouter

from remit.service.api import cases, open311, routing, session

API_ROUTERS: tuple[APIRouter, ...] = (session.router, routing.router, cases.router, open311.router)
