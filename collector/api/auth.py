"""Who is asking: every API route depends on one of these. Tokens are Bearer tokens;
a liaison's token carries the district that limits what it sees and changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from muniops.inventory import tokens
from muniops.inventory.db import Database
from muniops.inventory.models import Role
from muniops.inventory.scope import Scope

_bearer = HTTPBearer(auto_error=False, description="An API token from `muniops tokens create`.")


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    scope: Scope

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


BearerCreds = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def authenticate(request: Request, creds: BearerCreds) -> Caller:
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an API token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    db = get_db(request)
    with db.read() as session:
        token = tokens.authenticate(session, creds.credentials)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return Caller(token.name, token.role, Scope(token.district))


def _needs(*roles: Role) -> object:
    def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if caller.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {caller.role.value} may not do this")
        return caller

    return check


AnyCaller = Annotated[Caller, Depends(authenticate)]
Writer = Annotated[Caller, Depends(_needs(Role.LIAISON, Role.TECHNICIAN, Role.ADMIN))]
Admin = Annotated[Caller, Depends(_needs(Role.ADMIN))]
# changes that reach the whole city at once (the PM plan): not a liaison's
Staff = Annotated[Caller, Depends(_needs(Role.TECHNICIAN, Role.ADMIN))]
DB = Annotated[Database, Depends(get_db)]
