"""The FastAPI application: routers, and the translation of inventory errors to HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import IntegrityError

from muniops import __version__
from muniops.collector.api.limits import BodySizeLimit
from muniops.collector.api.routes import agents, documents, inventory, licences, system
from muniops.collector.settings import Settings
from muniops.inventory.db import Database
from muniops.inventory.errors import (
    AccessDenied,
    Conflict,
    ImportRejected,
    InvalidInput,
    InventoryError,
    NotFound,
)

ROUTERS = [system.router, inventory.router, agents.router, documents.router,
           licences.router]

STATUS_OF: list[tuple[type[InventoryError], int]] = [
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (AccessDenied, status.HTTP_403_FORBIDDEN),
    (ImportRejected, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
]


def create_app(settings: Settings, db: Database, registry: CollectorRegistry) -> FastAPI:
    app = FastAPI(title="muniops", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings
    app.state.db = db
    app.state.registry = registry
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(InventoryError)
    def _inventory_error(_request: Request, exc: InventoryError) -> JSONResponse:
        code = next((c for cls, c in STATUS_OF if isinstance(exc, cls)),
                    status.HTTP_400_BAD_REQUEST)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, InvalidInput):
            body["field"] = exc.field
        return JSONResponse(body, status_code=code)

    @app.exception_handler(IntegrityError)
    def _integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        # a concurrent writer won a race past the checks: the store's constraints held
        return JSONResponse({"detail": f"conflicts with what is stored: {exc.orig}"},
                            status_code=status.HTTP_409_CONFLICT)

    return app
