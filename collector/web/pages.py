"""What every page shares: the signed-in user from the session cookie, the CSRF check,
the templates and the one translation of muniops' errors to an HTML page."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError

from muniops.collector.core.settings import Settings
from muniops.collector.reports.config import Calendar, Lang
from muniops.collector.web.i18n import Words
from muniops.inventory import accounts
from muniops.inventory.accounts import SignedIn
from muniops.inventory.db import Database
from muniops.inventory.errors import AccessDenied, MuniopsError, NotFound

log = logging.getLogger(__name__)

COOKIE = "muniops_session"
PRE_COOKIE = "muniops_presign"  # the sign-in form's CSRF token, before any session
PATH = "/web"
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


class NotSignedIn(Exception):
    """No live session: the page sends the browser to the sign-in form."""


class BadForm(MuniopsError):
    """A form without the CSRF token of the session it came from (or a stale one)."""

    exit_code, http_status = 6, 403


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def current_user(request: Request) -> SignedIn:
    plain = request.cookies.get(COOKIE)
    if not plain:
        raise NotSignedIn
    with db_of(request).read() as session:
        user = accounts.resume(session, plain)
    if user is None:
        raise NotSignedIn
    request.state.user = user
    return user


User = Annotated[SignedIn, Depends(current_user)]


def writer(user: User) -> SignedIn:
    if not user.can_write:
        raise AccessDenied(f"role {user.role.value} only reads")
    return user


Writer = Annotated[SignedIn, Depends(writer)]


def check_csrf(user: SignedIn, token: str) -> None:
    if not hmac.compare_digest(user.csrf.encode(), token.encode()):
        raise BadForm("the form's CSRF token does not match this session")


def words_for(request: Request, user: SignedIn | None = None) -> Words:
    reports = settings_of(request).reports
    lang = request.query_params.get("lang") if user is None else None
    try:
        language = Lang((user.lang if user else lang) or reports.lang)
    except ValueError:
        language = reports.lang
    try:
        calendar = Calendar((user.calendar if user else "") or reports.calendar)
    except ValueError:
        calendar = reports.calendar
    return Words(language, calendar, reports.persian_digits)


def render(request: Request, template: str, status_code: int = 200,
           user: SignedIn | None = None, **context: Any) -> HTMLResponse:
    user = user or getattr(request.state, "user", None)
    words = words_for(request, user)
    return templates.TemplateResponse(
        request, template, {"user": user, "t": words, "path": PATH, **context},
        status_code=status_code, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    # every script and style comes from the collector itself, never from a CDN
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _error_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotSignedIn):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return see_other(f"{PATH}/sign-in?next={quote(target, safe='')}")
    if isinstance(exc, OperationalError):
        return render(request, "error.html", 503, key="error",
                      message="the store is unavailable; try again in a minute")
    assert isinstance(exc, MuniopsError)
    key = {NotFound: "not_found", AccessDenied: "forbidden", BadForm: "bad_form"}.get(
        type(exc), "error")
    # a NotFound says only "not found": never whether it exists in another district
    message = "" if isinstance(exc, NotFound | BadForm) else str(exc)
    return render(request, "error.html", exc.http_status, key=key, message=message)


class WebRoute(APIRoute):
    """A page route: errors become HTML pages with their status, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except (NotSignedIn, MuniopsError, OperationalError) as exc:
                return _error_page(request, exc)

        return page


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def set_session_cookie(response: Response, plain: str, hours: int) -> None:
    response.set_cookie(COOKIE, plain, max_age=hours * 3600, path=PATH, secure=True,
                        httponly=True, samesite="lax")
