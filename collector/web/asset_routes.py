"""The asset page and its actions, QR label sheets, and a liaison's district page. Every
lookup goes through the inventory with the user's scope: outside it, "not found"."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from muniops.collector.kpi.periods import period_of
from muniops.collector.web.labels import SHEETS, Label, sheet_pdf
from muniops.collector.web.pages import (
    PATH,
    User,
    WebRoute,
    Writer,
    check_csrf,
    db_of,
    render,
    see_other,
    settings_of,
)
from muniops.inventory import assets, discovery, fleet, pm, repairs, sites
from muniops.inventory.accounts import SignedIn
from muniops.inventory.errors import InvalidInput, NotFound
from muniops.inventory.models import AssetKind, AssetStatus, Site
from muniops.inventory.models.pm import PmState
from muniops.inventory.pm import local_day
from muniops.inventory.schemas import AssetCreate, AssetFilter, RepairOpen
from muniops.inventory.types import utcnow

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=WebRoute)
ACTIONS = ("assign", "return", "move", "retire", "repair")


@router.get("/assets/{asset_id}")
def asset_page(request: Request, user: User, asset_id: int, saved: str = "") -> Response:
    with db_of(request).read() as session:
        asset = assets.get_asset(session, f"#{asset_id}", user.scope)
        public = assets.to_public(session, [asset])[0]
        holding = assets.holder(session, asset_id)
        tasks = [t for t in pm.list_tasks(session, scope=user.scope) if t.asset_id == asset_id]
        tickets = [r for r in repairs.list_tickets(session, open_only=False, scope=user.scope)
                   if r.asset_id == asset_id]
        history = assets.asset_history(session, asset)
        site = session.get(Site, asset.site_id) if asset.site_id else None
        site_names = [s.name for s in sites.list_sites(session, user.scope)]
    return render(request, "asset.html", asset=public, holding=holding, tasks=tasks,
                  tickets=tickets, history=history[-15:][::-1], saved=saved,
                  tz=site.timezone if site else None, site_names=site_names,
                  retired=asset.status == AssetStatus.RETIRED)


@router.post("/assets/{asset_id}/{action}")
def asset_action(request: Request, user: Writer, asset_id: int, action: str,
                 csrf: Annotated[str, Form()] = "", person: Annotated[str, Form()] = "",
                 note: Annotated[str, Form()] = "", site: Annotated[str, Form()] = "",
                 location: Annotated[str, Form()] = "", part: Annotated[str, Form()] = "",
                 vendor: Annotated[str, Form()] = "", problem: Annotated[str, Form()] = ""
                 ) -> Response:
    check_csrf(user, csrf)
    if action not in ACTIONS:
        raise NotFound("page", action)
    with db_of(request).write() as session:
        asset = assets.get_asset(session, f"#{asset_id}", user.scope)
        kw = {"actor": user.actor, "scope": user.scope}
        if action == "assign":
            if not person.strip():
                raise InvalidInput("person", "say who receives the asset")
            assets.assign(session, asset, person.strip(), note=note, **kw)  # type: ignore[arg-type]
        elif action == "return":
            assets.return_asset(session, asset, note=note, **kw)  # type: ignore[arg-type]
        elif action == "move":
            assets.move(session, asset, site=site or None, location=location, **kw)  # type: ignore[arg-type]
        elif action == "retire":
            assets.retire(session, asset, reason=note, **kw)  # type: ignore[arg-type]
        else:
            repairs.open_ticket(session, f"#{asset_id}", _repair_form(part, vendor, problem),
                                **kw)  # type: ignore[arg-type]
    return see_other(f"{PATH}/assets/{asset_id}?saved={action}")


def _repair_form(part: str, vendor: str, problem: str) -> RepairOpen:
    if not part.strip() or not vendor.strip():
        raise InvalidInput("part", "say which part and which vendor it goes to")
    return RepairOpen(part=part.strip()[:200], vendor=vendor.strip()[:200],
                      problem=problem.strip()[:2000])


@router.get("/labels")
def labels_form(request: Request, user: User) -> Response:
    with db_of(request).read() as session:
        site_names = [s.name for s in sites.list_sites(session, user.scope)]
    return render(request, "labels.html", site_names=site_names, sheets=SHEETS)


@router.get("/labels.pdf")
def labels_pdf(request: Request, user: User, site: str = "", tags: str = "",
               sheet: str = "a4-24") -> Response:
    if sheet not in SHEETS:
        raise InvalidInput("sheet", f"one of {', '.join(SHEETS)}")
    wanted = [t.strip() for t in tags.splitlines() if t.strip()]
    if not wanted and not site:
        raise InvalidInput("site", "choose a site or list asset tags")
    base = (settings_of(request).web.public_url or str(request.base_url)).rstrip("/")
    with db_of(request).read() as session:
        if wanted:
            chosen = [assets.get_asset(session, ref, user.scope) for ref in wanted]
            rows = assets.to_public(session, chosen)
        else:
            sites.get_site(session, site, user.scope)
            rows = assets.list_assets(session, AssetFilter(site=site, include_retired=False),
                                      scope=user.scope)
    labels = [Label(r.asset_tag or r.serial or f"#{r.id}", r.site or "",
                    f"{base}{PATH}/assets/{r.id}") for r in rows]
    pdf = sheet_pdf(labels, SHEETS[sheet])
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="labels-{sheet}.pdf"',
        "Cache-Control": "no-store"})


def _district_of(user: SignedIn, session: Session, wanted: str) -> tuple[str, list[str]]:
    """A liaison sees their own district only (any other is "not found"); others choose."""
    names = sorted({s.district for s in session.exec(select(Site)) if s.district})
    if user.district is not None:
        if wanted and wanted != user.district:
            raise NotFound("district", repr(wanted))
        return user.district, [user.district]
    if wanted and wanted not in names:
        raise NotFound("district", repr(wanted))
    if not names:
        raise NotFound("district", "(none in the register)")
    return wanted or names[0], names


@router.get("/district")
def district_page(request: Request, user: User, district: str = "") -> Response:
    settings = settings_of(request)
    with db_of(request).read() as session:
        name, choices = _district_of(user, session, district)
        site_rows = list(session.exec(select(Site).where(Site.district == name)
                                      .order_by(col(Site.name))))
        scope = type(user.scope)(name)
        asset_rows = assets.list_assets(session, AssetFilter(district=name,
                                                             include_retired=False), scope)
        start, end = period_of("six-monthly", local_day(utcnow(), site_rows[0].timezone
                                                        if site_rows else None), settings.kpis)
        tasks = pm.list_tasks(session, district=name, due_from=start, scope=scope)
        tasks = [t for t in tasks if t.due_date < end]
        done = sum(t.state == PmState.DONE for t in tasks)
        av = [r for r in fleet.av_compliance(session, settings.agents.antivirus, scope)
              if not r.compliant]
        names = {s.name for s in site_rows}
        unknown = [u for u in discovery.list_unknown(session) if u.site in names]
        open_repairs = repairs.list_tickets(session, scope=scope)
    rate = f"{100 * done / len(tasks):.0f}%" if tasks else "—"
    return render(request, "district.html", district=name, choices=choices, assets=asset_rows,
                  period=(start, end - timedelta(days=1)), total=len(tasks), done=done,
                  rate=rate, av=av, unknown=unknown, repairs=open_repairs, kinds=list(AssetKind),
                  sites=[s.name for s in site_rows])


@router.post("/unknown/{mac}/{action}")
def unknown_action(request: Request, user: Writer, mac: str, action: str,
                   csrf: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                   asset_tag: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "pc",
                   district: Annotated[str, Form()] = "") -> Response:
    check_csrf(user, csrf)
    with db_of(request).write() as session:
        if action == "ignore":
            discovery.ignore_unknown(session, mac, actor=user.actor, note=note,
                                     scope=user.scope)
        elif action == "register":
            seen = [u for u in discovery.list_unknown(session) if u.mac == mac.lower()]
            site = sites.get_site(session, seen[0].site, user.scope) if seen else None
            if site is None:
                raise NotFound("unknown device", mac)
            try:
                kind_value = AssetKind(kind)
            except ValueError:
                raise InvalidInput("kind", f"one of {', '.join(k.value for k in AssetKind)}"
                                   ) from None
            assets.add_asset(session, AssetCreate(
                asset_tag=asset_tag.strip() or None, kind=kind_value, site=site.name,
                macs=[mac], status=AssetStatus.DEPLOYED, notes=note or None),
                actor=user.actor, scope=user.scope)
        else:
            raise NotFound("page", action)
    return see_other(f"{PATH}/district?district={quote(district)}")
