"""Web accounts and sessions: who may sign in to the web pages, with which role.

An account carries the API tokens' role and district (``inventory/scope.py``), so a page
applies the same scope as the API. Passwords are hashed with argon2id (argon2-cffi);
session tokens are 256 random bits, stored as a SHA-256 like API tokens. Failed sign-ins
are stored, so the limit holds across restarts and worker processes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, delete, or_, select

from muniops.inventory import audit
from muniops.inventory.errors import Conflict, InvalidInput, MuniopsError, NotFound
from muniops.inventory.models import Person, Role, Site
from muniops.inventory.models.web import SignInFailure, WebAccount, WebSession
from muniops.inventory.scope import Scope
from muniops.inventory.sites import get_person
from muniops.inventory.tokens import hash_token
from muniops.inventory.types import utcnow

ACCOUNT = "web_account"
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# verified when the user name is unknown, so both answers take the same time
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class SignInRefused(MuniopsError):
    """Wrong user name or password, a disabled account: one message for all of them."""

    exit_code, http_status = 6, 401


class TooManyAttempts(MuniopsError):
    exit_code, http_status = 6, 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """The account behind a live session, as the pages need it."""

    account_id: int
    username: str
    role: Role
    district: str | None
    team: str
    site: str | None
    lang: str
    calendar: str
    csrf: str

    @property
    def scope(self) -> Scope:
        return Scope(self.district)

    @property
    def actor(self) -> str:
        return f"web:{self.username}"

    @property
    def can_write(self) -> bool:
        return self.role != Role.VIEWER


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _check_role(session: Session, role: Role, district: str | None) -> None:
    if role == Role.LIAISON and not district:
        raise InvalidInput("district", "a liaison account needs the district it may manage")
    if role != Role.LIAISON and district:
        raise InvalidInput("district", "only liaison accounts are limited to a district")
    if district and not session.exec(select(Site).where(Site.district == district)).first():
        raise NotFound("district", repr(district))


def _public(account: WebAccount) -> dict[str, object]:
    return audit.snapshot(account) | {"password_hash": "<secret>" if account.password_hash
                                      else None}


def create_account(session: Session, username: str, role: Role, *, actor: str,
                   person: str | None = None, password: str | None = None,
                   district: str | None = None, team: str = "", site: str | None = None,
                   source: str = "local") -> WebAccount:
    """An account for a person of the register (``person``: employee id, e-mail or name)."""
    username = username.strip()
    if not username or len(username) > 120:
        raise InvalidInput("username", "1 to 120 characters")
    _check_role(session, role, district)
    if session.exec(select(WebAccount).where(WebAccount.username == username)).first():
        raise Conflict(f"an account named {username!r} already exists")
    if source == "local" and password is None:
        raise InvalidInput("password", "a local account needs a password")
    account = WebAccount(username=username, role=role, district=district, source=source,
                         team=team.strip(),
                         password_hash=hash_password(password) if password else None)
    if person:
        account.person_id = get_person(session, person).id
    if site:
        found = session.exec(select(Site).where(Site.name == site)).first()
        if found is None:
            raise NotFound("site", repr(site))
        account.site_id = found.id
    session.add(account)
    session.flush()
    audit.record(session, actor, "account.create", ACCOUNT, account.id, after=_public(account))
    return account


def get_account(session: Session, username: str) -> WebAccount:
    account = session.exec(select(WebAccount).where(WebAccount.username == username)).first()
    if account is None:
        raise NotFound("account", repr(username))
    return account


def set_password(session: Session, username: str, password: str, *, actor: str) -> None:
    account = get_account(session, username)
    if account.source != "local":
        raise Conflict(f"account {username!r} signs in with the directory; its password "
                       "is changed there")
    account.password_hash = hash_password(password)
    session.flush()
    audit.record(session, actor, "account.password", ACCOUNT, account.id)


def disable_account(session: Session, username: str, *, actor: str) -> WebAccount:
    """Disable an account and end its sessions at once."""
    account = get_account(session, username)
    if account.disabled_at is not None:
        raise Conflict(f"account {username!r} is already disabled")
    before = _public(account)
    account.disabled_at = utcnow()
    _end_sessions(session, account.id or 0)
    session.flush()
    audit.record(session, actor, "account.disable", ACCOUNT, account.id, before=before,
                 after=_public(account))
    return account


def enable_account(session: Session, username: str, *, actor: str) -> WebAccount:
    account = get_account(session, username)
    if account.disabled_at is None:
        raise Conflict(f"account {username!r} is not disabled")
    before = _public(account)
    account.disabled_at = None
    session.flush()
    audit.record(session, actor, "account.enable", ACCOUNT, account.id, before=before,
                 after=_public(account))
    return account


def set_preferences(session: Session, account_id: int, *, lang: str, calendar: str) -> None:
    account = session.get(WebAccount, account_id)
    if account is None:
        raise NotFound("account", account_id)
    account.lang, account.calendar = lang, calendar
    session.flush()


def list_accounts(session: Session) -> list[dict[str, object]]:
    rows = session.exec(select(WebAccount, Person.name, Site.name)
                        .outerjoin(Person, col(Person.id) == WebAccount.person_id)
                        .outerjoin(Site, col(Site.id) == WebAccount.site_id)
                        .order_by(col(WebAccount.username)))
    return [{"username": a.username, "person": p, "role": a.role.value, "district": a.district,
             "source": a.source, "team": a.team, "site": s,
             "last_sign_in_at": a.last_sign_in_at, "disabled_at": a.disabled_at}
            for a, p, s in rows]


# --- signing in -------------------------------------------------------------------------

def check_rate(session: Session, username: str, address: str, *, limit: int,
               window: timedelta, now: datetime | None = None) -> None:
    """Refuse before checking a password once ``limit`` sign-ins for this user name, or
    from this address, failed within ``window``."""
    now = now or utcnow()
    since = now - window
    for column, value in ((SignInFailure.username, username), (SignInFailure.address, address)):
        count, oldest = session.exec(
            select(func.count(), func.min(SignInFailure.at))
            .where(column == value, col(SignInFailure.at) > since)).one()
        if count >= limit and oldest is not None:
            raise TooManyAttempts(max(1, int((oldest + window - now).total_seconds()) + 1))


def record_failure(session: Session, username: str, address: str, *, window: timedelta) -> None:
    session.add(SignInFailure(username=username[:120], address=address[:64]))
    session.exec(delete(SignInFailure).where(
        col(SignInFailure.at) < utcnow() - 4 * window))
    audit.record(session, f"web:{username[:100]}", "web.sign_in_refused", ACCOUNT, None,
                 after={"address": address})


def verify_local(session: Session, username: str, password: str) -> WebAccount:
    """The enabled local account with this password, or SignInRefused."""
    account = session.exec(select(WebAccount).where(WebAccount.username == username)).first()
    stored = account.password_hash if account and account.source == "local" else None
    try:
        ok = _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None or account.disabled_at is not None:
        raise SignInRefused("wrong user name or password")
    if _hasher.check_needs_rehash(stored or ""):
        account.password_hash = _hasher.hash(password)
    return account


def directory_account(session: Session, username: str, role: Role, district: str | None,
                      ) -> WebAccount:
    """The account of a directory user who just bound: made at the first sign-in, its
    role and district following the directory's groups at every sign-in."""
    account = session.exec(select(WebAccount).where(WebAccount.username == username)).first()
    if account is None:
        return create_account(session, username, role, actor="ldap", district=district,
                              source="ldap")
    if account.source != "ldap" or account.disabled_at is not None:
        raise SignInRefused("wrong user name or password")
    if (account.role, account.district) != (role, district):
        before = _public(account)
        account.role, account.district = role, district
        session.flush()
        audit.record(session, "ldap", "account.role", ACCOUNT, account.id, before=before,
                     after=_public(account))
    return account


def start_session(session: Session, account: WebAccount, *, hours: int,
                  address: str) -> str:
    """A new session for ``account``; the plain token goes into the cookie only."""
    plain = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(WebSession(token_hash=hash_token(plain), account_id=account.id or 0,
                           created_at=now, expires_at=now + timedelta(hours=hours)))
    account.last_sign_in_at = now
    session.exec(delete(WebSession).where(
        or_(col(WebSession.expires_at) < now, col(WebSession.ended_at).is_not(None))))
    audit.record(session, f"web:{account.username}", "web.sign_in", ACCOUNT, account.id,
                 after={"address": address, "source": account.source})
    return plain


def csrf_token(plain_session: str) -> str:
    """The form token of a session: derived from its secret, never stored."""
    return hmac.new(plain_session.encode(), b"muniops-csrf", hashlib.sha256).hexdigest()


def resume(session: Session, plain: str) -> SignedIn | None:
    """Who holds the live session ``plain``, or None (expired, ended, account disabled)."""
    row = session.exec(
        select(WebSession, WebAccount, Site.name)
        .join(WebAccount, col(WebAccount.id) == WebSession.account_id)
        .outerjoin(Site, col(Site.id) == WebAccount.site_id)
        .where(WebSession.token_hash == hash_token(plain))).first()
    if row is None:
        return None
    web_session, account, site = row
    if (web_session.ended_at is not None or web_session.expires_at <= utcnow()
            or account.disabled_at is not None):
        return None
    return SignedIn(account.id or 0, account.username, account.role, account.district,
                    account.team, site, account.lang, account.calendar, csrf_token(plain))


def end_session(session: Session, plain: str) -> None:
    row = session.exec(select(WebSession).where(WebSession.token_hash == hash_token(plain))
                       ).first()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        account = session.get(WebAccount, row.account_id)
        audit.record(session, f"web:{account.username if account else '?'}", "web.sign_out",
                     ACCOUNT, row.account_id)


def _end_sessions(session: Session, account_id: int) -> None:
    for row in session.exec(select(WebSession).where(WebSession.account_id == account_id,
                                                     col(WebSession.ended_at).is_(None))):
        row.ended_at = utcnow()
