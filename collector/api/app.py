"""The FastAPI application: the features' routers, and the one translation of muniops'
errors to HTTP (each ``MuniopsError`` carries its status)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline  # /api/docs served from the package, no CDN
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import IntegrityError, OperationalError

from muniops import __version__
from muniops.collector.api.direct import DirectRoutes, Endpoint, direct_routes
from muniops.collector.api.limits import RETRY_AFTER, BodySizeLimit
from muniops.collector.core.feature import load
from muniops.collector.core.settings import Settings
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput, MuniopsError


def create_app(settings: Settings, db: Database, registry: CollectorRegistry,
               routers: Sequence[str] | None = None) -> FastAPI:
    """The API of the features whose routers are named (default: every feature's)."""
    if routers is None:
        from muniops.collector.features import FEATURES

        routers = [r for f in FEATURES for r in f.routers]
    app = FastAPIOffline(title="muniops", version=__version__, docs_url="/api/docs",
                         openapi_url="/api/openapi.json", redoc_url=None,
                         static_url="/api/docs/static",
                         # no badge fetched from validator.swagger.io: nothing leaves the LAN
                         swagger_ui_parameters={"validatorUrl": None})
    app.state.settings = settings
    app.state.db = db
    app.state.registry = registry
    app.state.runtimes = {}
    direct: dict[tuple[str, str], Endpoint] = {}
    for target in routers:
        router = load(target)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{target} is not an APIRouter")
        app.include_router(router)
        direct.update(direct_routes(router))
    app.add_middleware(DirectRoutes, routes=direct)  # the agents' reports: api/direct.py
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)  # outermost

    @app.exception_handler(MuniopsError)
    def _muniops_error(_request: Request, exc: MuniopsError) -> JSONResponse:
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, InvalidInput):
            body["field"] = exc.field
        return JSONResponse(body, status_code=exc.http_status)

    @app.exception_handler(OperationalError)
    def _store_error(_request: Request, exc: OperationalError) -> JSONResponse:
        # the store is away, locked or its disk full: the caller should come back later
        return JSONResponse({"detail": f"store unavailable: {type(exc.orig).__name__}"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                            headers=RETRY_AFTER)

    @app.exception_handler(IntegrityError)
    def _integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        # a concurrent writer won a race past the checks: the store's constraints held
        return JSONResponse({"detail": f"conflicts with what is stored: {exc.orig}"},
                            status_code=status.HTTP_409_CONFLICT)

    return app
