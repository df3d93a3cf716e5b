"""API tokens: created once (the plain token is shown only then), stored as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import ApiToken, Role, Site
from muniops.inventory.schemas import TokenPublic
from muniops.inventory.types import utcnow

TOKEN_PREFIX = "mo_"
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so one unsalted SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def _redacted(token: ApiToken) -> dict[str, object]:
    return audit.snapshot(token) | {"token_hash": "<secret>"}


def create_token(session: Session, name: str, role: Role, *, actor: str,
                 district: str | None = None) -> tuple[ApiToken, str]:
    if role == Role.LIAISON and not district:
        raise InvalidInput("district", "a liaison token needs the district it may manage")
    if role != Role.LIAISON and district:
        raise InvalidInput("district", "only liaison tokens are limited to a district")
    if district and not session.exec(select(Site).where(Site.district == district)).first():
        raise NotFound("district", repr(district))
    if session.exec(select(ApiToken).where(ApiToken.name == name)).first():
        raise Conflict(f"a token named {name!r} already exists")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=hash_token(plain), prefix=plain[:8], role=role,
                     district=district)
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.create", "token", token.id, after=_redacted(token))
    return token, plain


def authenticate(session: Session, plain: str) -> ApiToken | None:
    """The live token matching ``plain``, or None. Touches ``last_used_at`` at most once a
    minute so that reads do not turn into writes."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))).first()
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
        try:
            session.commit()
        except OperationalError:  # a full disk or a busy store: the caller is still known
            session.rollback()
    return token


def revoke_token(session: Session, name: str, *, actor: str) -> ApiToken:
    token = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
    if token is None:
        raise NotFound("token", repr(name))
    if token.revoked_at is not None:
        raise Conflict(f"token {name!r} is already revoked")
    before = _redacted(token)
    token.revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "token.revoke", "token", token.id, before=before,
                 after=_redacted(token))
    return token


def list_tokens(session: Session) -> list[TokenPublic]:
    return [TokenPublic(**t.model_dump())
            for t in session.exec(select(ApiToken).order_by(col(ApiToken.name)))]
