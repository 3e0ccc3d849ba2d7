"""The pages of ``remit serve`` for people at a browser (docs/pages.md): signing in, the home
page, and each capability's pages in a module of its own (registered in :data:`PAGE_ROUTERS`).

Pages use the same identities and roles as the API: a person signs in with login and password
(``/login``; the session cookie of ``POST /session``, HttpOnly and SameSite=Strict, so a form
posted from another site carries no session); a page the user may not open is 403, a page
opened signed out goes to ``/login`` and back. Pages render through the presentation layer
(:func:`remit.present.pages.render_page`); this package only builds what they show from the
Python API, as the JSON endpoints do.
"""

from __future__ import annotations

from remit.service.pages import lists  # noqa: F401  (the list pages)
from remit.service.pages.common import PAGE_ROUTERS
from remit.service.pages.session import router as session_router

PAGE_ROUTERS.insert(0, session_router)

__all__ = ["PAGE_ROUTERS"]
