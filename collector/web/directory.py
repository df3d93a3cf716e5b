"""Signing in with the city's directory: an LDAP / Active Directory bind (ldap3), then the
groups the user belongs to, mapped to a role. The only module that speaks LDAP."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass

from ldap3 import NONE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from muniops.collector.web.config import LdapSettings
from muniops.inventory.models import Role

log = logging.getLogger(__name__)

_RANK = {Role.VIEWER: 0, Role.LIAISON: 1, Role.TECHNICIAN: 2, Role.ADMIN: 3}


class DirectoryUnavailable(Exception):
    """The directory did not answer; the page says so instead of "wrong password"."""


@dataclass(frozen=True)
class DirectoryUser:
    username: str
    dn: str
    role: Role
    district: str | None


def _server(cfg: LdapSettings) -> Server:
    tls = None
    if cfg.url.startswith("ldaps://") or cfg.start_tls:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cfg.ca_file)
    return Server(cfg.url, tls=tls, get_info=NONE, connect_timeout=cfg.timeout_seconds)


def role_of(cfg: LdapSettings, groups: set[str]) -> tuple[Role, str | None] | None:
    """The most powerful role the groups give (None: no mapped group, no entry)."""
    groups = {g.lower() for g in groups}
    found: list[tuple[Role, str | None]] = [
        (Role(role), None) for dn, role in cfg.roles.items() if dn.lower() in groups]
    found += [(Role.LIAISON, district) for dn, district in cfg.liaisons.items()
              if dn.lower() in groups]
    return max(found, key=lambda r: _RANK[r[0]]) if found else None


def _bind_name(cfg: LdapSettings, username: str) -> str:
    return cfg.user_dn.replace("{username}", escape_rdn(username))


def authenticate(cfg: LdapSettings, username: str, password: str) -> DirectoryUser | None:
    """Bind as the user; None when the directory refuses the password or the user is in
    no mapped group. An empty password is refused here: LDAP would take it as an
    anonymous bind and say yes."""
    if not password or not username:
        return None
    server = _server(cfg)
    try:
        conn = Connection(server, _bind_name(cfg, username), password,
                          receive_timeout=cfg.timeout_seconds, raise_exceptions=True)
        if cfg.start_tls:
            conn.open()
            conn.start_tls()
        try:
            conn.bind()
        except (LDAPBindError, LDAPInvalidCredentialsResult):
            log.info("directory refused sign-in of %r", username)
            return None
        try:
            dn = _entry_dn(cfg, conn, username)
            groups = _groups(cfg, conn, dn)
        finally:
            conn.unbind()
    except LDAPException as exc:
        log.warning("directory %s unavailable: %s", cfg.url, type(exc).__name__)
        raise DirectoryUnavailable(f"the directory {cfg.url} did not answer") from None
    mapped = role_of(cfg, groups)
    if mapped is None:
        log.info("directory user %r is in no group mapped to a role", username)
        return None
    return DirectoryUser(username, dn, *mapped)


def _entry_dn(cfg: LdapSettings, conn: Connection, username: str) -> str:
    """The user's DN: the bind name itself, or (AD, a UPN bind) found by ``user_filter``."""
    if not cfg.search_base:
        return _bind_name(cfg, username)
    flt = cfg.user_filter.replace("{username}", escape_filter_chars(username))
    conn.search(cfg.search_base, flt, attributes=[])
    if not conn.entries:
        return _bind_name(cfg, username)
    return str(conn.entries[0].entry_dn)


def _groups(cfg: LdapSettings, user_conn: Connection, dn: str) -> set[str]:
    conn = user_conn
    if cfg.bind_dn and cfg.bind_password:
        conn = Connection(user_conn.server, cfg.bind_dn, cfg.bind_password.get_secret_value(),
                          receive_timeout=cfg.timeout_seconds, raise_exceptions=True,
                          auto_bind=True)
    flt = cfg.group_filter.replace("{dn}", escape_filter_chars(dn))
    conn.search(cfg.group_base, flt, attributes=[])
    groups = {str(e.entry_dn) for e in conn.entries}
    if conn is not user_conn:
        conn.unbind()
    return groups
