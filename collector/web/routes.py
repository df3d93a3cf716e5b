"""Signing in and out, preferences, "My work", the PM visit and the pages' own files."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from muniops.collector.web import directory
from muniops.collector.web.pages import (
    COOKIE,
    PATH,
    PRE_COOKIE,
    BadForm,
    User,
    WebRoute,
    Writer,
    check_csrf,
    client_address,
    db_of,
    render,
    see_other,
    set_session_cookie,
    settings_of,
)
from muniops.collector.web.work import evidence_view, my_work
from muniops.inventory import accounts, pm, pm_evidence, pm_photos
from muniops.inventory.accounts import SignInRefused, TooManyAttempts
from muniops.inventory.assets import get_asset
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models import Person, Site
from muniops.inventory.models.pm import OPEN_STATES
from muniops.inventory.models.web import WebAccount

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=WebRoute)
STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"web.css": "text/css"}


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "max-age=3600"})


def _safe_next(target: str) -> str:
    """Only a path of these pages: never an address elsewhere (an open redirect)."""
    if target.startswith(PATH + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PATH + "/"


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "") -> Response:
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "sign_in.html", csrf=token, next=_safe_next(next),
                      ldap=settings_of(request).web.ldap is not None)
    response.set_cookie(PRE_COOKIE, token, max_age=3600, path=PATH, secure=True,
                        httponly=True, samesite="strict")
    return response


@router.post("/sign-in")
def sign_in(request: Request, username: Annotated[str, Form()] = "",
            password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "") -> Response:
    expected = request.cookies.get(PRE_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf):
        raise BadForm("the sign-in form's CSRF token does not match")
    web = settings_of(request).web
    window = timedelta(minutes=web.sign_in_window_minutes)
    address, username = client_address(request), username.strip()[:120]
    db = db_of(request)
    try:
        with db.read() as session:
            accounts.check_rate(session, username, address, limit=web.sign_in_limit,
                                window=window)
        with db.write() as session:
            account = _verify(request, session, username, password)
            plain = accounts.start_session(session, account, hours=web.session_hours,
                                           address=address)
    except TooManyAttempts as exc:
        return render(request, "sign_in.html", 429, csrf=csrf, next=_safe_next(next),
                      ldap=web.ldap is not None, error="too_many", retry=exc.retry_after,
                      username=username)
    except SignInRefused:
        with db.write() as session:
            accounts.record_failure(session, username, address, window=window)
        return render(request, "sign_in.html", 401, csrf=csrf, next=_safe_next(next),
                      ldap=web.ldap is not None, error="wrong_password", username=username)
    except directory.DirectoryUnavailable:
        return render(request, "sign_in.html", 503, csrf=csrf, next=_safe_next(next),
                      ldap=True, error="directory_down", username=username)
    response = see_other(_safe_next(next))
    set_session_cookie(response, plain, web.session_hours)
    response.delete_cookie(PRE_COOKIE, path=PATH)
    return response


def _verify(request: Request, session: Session, username: str, password: str) -> WebAccount:
    """A local account's password first; else the directory, when one is configured."""
    ldap = settings_of(request).web.ldap
    local = session.exec(select(WebAccount).where(WebAccount.username == username)).first()
    if ldap is None or (local is not None and local.source == "local"):
        return accounts.verify_local(session, username, password)
    found = directory.authenticate(ldap, username, password)
    if found is None:
        raise SignInRefused("wrong user name or password")
    return accounts.directory_account(session, username, found.role, found.district)


@router.post("/sign-out")
def sign_out(request: Request, user: User, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(user, csrf)
    with db_of(request).write() as session:
        accounts.end_session(session, request.cookies.get(COOKIE, ""))
    response = see_other(f"{PATH}/sign-in")
    response.delete_cookie(COOKIE, path=PATH)
    return response


@router.get("/preferences")
def preferences_form(request: Request, user: User) -> Response:
    return render(request, "preferences.html")


@router.post("/preferences")
def preferences(request: Request, user: User, csrf: Annotated[str, Form()] = "",
                lang: Annotated[str, Form()] = "", calendar: Annotated[str, Form()] = ""
                ) -> Response:
    check_csrf(user, csrf)
    if lang not in ("en", "fa", "tr") or calendar not in ("gregorian", "jalali"):
        raise InvalidInput("lang", "choose a language and a calendar from the lists")
    with db_of(request).write() as session:
        accounts.set_preferences(session, user.account_id, lang=lang, calendar=calendar)
    return see_other(f"{PATH}/")


@router.get("/")
def home(request: Request, user: User) -> Response:
    with db_of(request).read() as session:
        work = my_work(session, user)
    return render(request, "my_work.html", work=work)


@router.get("/pm/{task_id}")
def pm_task(request: Request, user: User, task_id: int, saved: str = "") -> Response:
    settings = settings_of(request)
    with db_of(request).read() as session:
        task = pm.show(session, task_id, settings.pm, scope=user.scope)
        asset = get_asset(session, f"#{task.asset_id}", user.scope)
        site = session.get(Site, asset.site_id) if asset.site_id else None
        evidence = evidence_view(pm_evidence.capture(session, asset, settings.backups),
                                 session, asset, settings.agents.antivirus)
        photos = pm_photos.photos_of(session, task_id)
        person = None
        account = session.get(WebAccount, user.account_id)
        if account is not None and account.person_id:
            found = session.get(Person, account.person_id)
            person = found.name if found else None
    return render(request, "pm.html", task=task, asset=asset, evidence=evidence,
                  photos=photos, tz=site.timezone if site else None, saved=saved,
                  open=task.state in OPEN_STATES, done_by=person or user.username)


@router.post("/pm/{task_id}")
async def pm_record(request: Request, user: Writer, task_id: int,
                    photo: Annotated[UploadFile | None, File()] = None) -> Response:
    form = await request.form()
    check_csrf(user, str(form.get("csrf", "")))
    data = photo.file.read() if photo is not None and photo.filename else b""
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    await run_in_threadpool(_record_visit, request, user, task_id, fields, data)
    return see_other(f"{PATH}/pm/{task_id}?saved=1")


def _record_visit(request: Request, user: accounts.SignedIn, task_id: int,
                  form: dict[str, str], photo: bytes) -> None:
    """One step, one transaction: the record ``muniops pm done`` writes (or the skip),
    the repair ticket for the failed items, and the photo."""
    settings = settings_of(request)
    with db_of(request).write() as session:
        if form.get("action") == "skip":
            pm.skip(session, task_id, form.get("skip_reason", ""), actor=user.actor,
                    settings=settings.pm, scope=user.scope)
        else:
            detail = pm.show(session, task_id, settings.pm, scope=user.scope)
            failed, ok_notes = {}, []
            for n, item in enumerate(detail.checklist, 1):
                note = form.get(f"note_{n}", "").strip()
                if form.get(f"result_{n}") == "not_ok":
                    failed[item] = note
                elif note:
                    ok_notes.append(f"{item}: {note}")
            notes = "\n".join([form.get("notes", "").strip(), *ok_notes]).strip()
            pm.complete(session, task_id, settings.pm, performed_by=form.get("by", ""),
                        actor=user.actor, failed=failed, notes=notes,
                        open_repair=form.get("repair") == "1" and bool(failed),
                        scope=user.scope, backup_policy=settings.backups)
        if photo:
            pm_photos.attach(session, task_id, photo, actor=user.actor,
                             max_bytes=settings.web.photo_max_bytes, scope=user.scope)


@router.get("/photos/{photo_id}")
def photo(request: Request, user: User, photo_id: int) -> Response:
    with db_of(request).read() as session:
        found = pm_photos.get(session, photo_id, user.scope)
        return Response(found.data, media_type=found.content_type,
                        headers={"Cache-Control": "private, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

