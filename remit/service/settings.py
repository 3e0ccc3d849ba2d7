"""How a service is set up: the registry database, the rules, the limits, who is trusted.

``remit serve`` hands its options to its worker processes as ``REMIT_*`` environment variables
(uvicorn starts each worker by importing :func:`remit.service.app.app_from_env`), so one
definition of every setting serves both: :meth:`ServiceSettings.from_env`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from remit.i18n import Lang

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    db_url: str | None = None
    """The registry database (and the case records and users with it): an SQLAlchemy URL or
    an SQLite path; None: ``$REMIT_DB``, else ``sqlite:///remit.db``."""
    rules_dir: Path | None = None
    """A district's routing rules (``DIR/*.yaml``, disputes in ``DIR/disputes/``); None: the
    default policies."""
    max_body: int = 16 * MiB
    """The largest request body accepted (bytes); a larger one is refused with 413."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed to call the API from a browser page; none: CORS is off."""
    trusted_header: str | None = None
    """Behind the city's single sign-on proxy: the header that carries the signed-in login
    (e.g. ``X-Remit-User``). Believed only from ``trusted_proxies``."""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    """The addresses the trusted header is believed from (the proxy's)."""
    session_ttl: dt.timedelta = field(default=dt.timedelta(hours=8))
    """How long a login session lasts without signing in again."""
    revision_check: float = 1.0
    """Seconds between looks for a new registry revision (a publish by anyone): routing uses
    it within this time. 0: look on every request."""
    token_cache: float = 5.0
    """Seconds a worker remembers the user a bearer token names: a revoked token or a disabled
    user is refused within this time. 0: ask the database on every request."""
    lang: Lang = "zh"
    """The language of messages when the request asks for none (``?lang=`` or
    ``Accept-Language``)."""
    batch_processes: int = 0
    """Processes (per worker) that route ``POST /route/batch``'s events, each keeping a router
    (memory: a router's snapshots each); 0: a batch is routed in the worker's own thread, on
    one core, between its other requests."""
    admission_config: Path | None = None
    """The admission gate's settings (file ``admission-config``): its norms, modes and the
    ``approvers`` who may decide (docs/api.md); None: the built-in defaults, any user of the
    approver role deciding."""

    def to_env(self) -> dict[str, str]:
        """These settings as the environment :meth:`from_env` reads."""
        env = {
            "REMIT_MAX_BODY": str(self.max_body),
            "REMIT_CORS_ORIGINS": ",".join(self.cors_origins),
            "REMIT_TRUSTED_HEADER": self.trusted_header or "",
            "REMIT_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "REMIT_SESSION_HOURS": str(self.session_ttl.total_seconds() / 3600),
            "REMIT_SERVICE_LANG": self.lang,
            "REMIT_REVISION_CHECK": str(self.revision_check),
            "REMIT_TOKEN_CACHE": str(self.token_cache),
            "REMIT_BATCH_PROCESSES": str(self.batch_processes),
        }
        if self.db_url:
            env["REMIT_DB"] = self.db_url
        if self.rules_dir is not None:
            env["REMIT_RULES"] = str(self.rules_dir)
        if self.admission_config is not None:
            env["REMIT_ADMISSION_CONFIG"] = str(self.admission_config)
        return env

    @classmethod
    def from_env(cls) -> ServiceSettings:
        env = os.environ

        def listed(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            value = env.get(name)
            if value is None:
                return default
            return tuple(part.strip() for part in value.split(",") if part.strip())

        lang = env.get("REMIT_SERVICE_LANG", "zh")
        return cls(
            db_url=env.get("REMIT_DB") or None,
            rules_dir=Path(env["REMIT_RULES"]) if env.get("REMIT_RULES") else None,
            max_body=int(env.get("REMIT_MAX_BODY", 16 * MiB)),
            cors_origins=listed("REMIT_CORS_ORIGINS"),
            trusted_header=env.get("REMIT_TRUSTED_HEADER") or None,
            trusted_proxies=listed("REMIT_TRUSTED_PROXIES", ("127.0.0.1", "::1")),
            session_ttl=dt.timedelta(hours=float(env.get("REMIT_SESSION_HOURS", 8))),
            revision_check=float(env.get("REMIT_REVISION_CHECK", 1.0)),
            token_cache=float(env.get("REMIT_TOKEN_CACHE", 5.0)),
            batch_processes=int(env.get("REMIT_BATCH_PROCESSES", 0)),
            lang="en" if lang == "en" else "zh",
            admission_config=(
                Path(env["REMIT_ADMISSION_CONFIG"]) if env.get("REMIT_ADMISSION_CONFIG") else None
            ),
        )
