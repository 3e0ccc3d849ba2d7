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

from remit.service.pages import admission as _admission  # noqa: F401  (事项准入)
from remit.service.pages import cases as _cases  # noqa: F401  (the case pages)
from remit.service.pages import check as _check  # noqa: F401  (the check report)
from remit.service.pages import desk as _desk  # noqa: F401  (the dispatch desk)
from remit.service.pages import disputes as _disputes  # noqa: F401  (the 推诿 report)
from remit.service.pages import lists as _lists  # noqa: F401  (the list pages)
from remit.service.pages.common import NAVIGATION, PAGE_ROUTERS
from remit.service.pages.session import router as session_router

PAGE_ROUTERS.insert(0, session_router)

ORDER = [
    "/ui/desk",
    "/ui/cases",
    "/ui/inbox",
    "/ui/lists",
    "/ui/check",
    "/ui/admission",
    "/ui/disputes",
    "/ui/audit",
]
"""The navigation's order: the work of the day first (a page not named goes last)."""
NAVIGATION.sort(key=lambda e: ORDER.index(e.path) if e.path in ORDER else len(ORDER))

__all__ = ["PAGE_ROUTERS"]
