"""Device credentials: SNMP communities, SNMPv3 keys, SSH passwords and keys.

They live in their own YAML file (``credentials_file`` in the config), readable only by the
collector's user, never in the database. A value written ``${VAR}`` is read from the
environment. Devices name a credential; nothing else ever holds the secret, and every
secret is a ``SecretStr`` that prints as ``**********``. ``CredentialStore`` is the one
reader of the file."""

from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, SecretStr, TypeAdapter, ValidationError

from muniops.collector.core.settings import Section
from muniops.inventory.errors import ConfigError, CredentialError
from muniops.inventory.validation import problems

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class SnmpCommunity(Section):
    type: Literal["snmp_v1", "snmp_v2c"]
    community: SecretStr


class SnmpV3(Section):
    """SNMPv3 USM. The protocols are always explicit: MD5 and DES only when named here."""

    type: Literal["snmp_v3"]
    username: str
    security_level: Literal["authPriv", "authNoPriv", "noAuthNoPriv"] = "authPriv"
    auth_protocol: Literal["sha", "sha224", "sha256", "sha384", "sha512", "md5"] | None = None
    auth_key: SecretStr | None = None
    priv_protocol: Literal["aes128", "aes192", "aes256", "des"] | None = None
    priv_key: SecretStr | None = None
    context: str = ""


class SshLogin(Section):
    type: Literal["ssh"]
    username: str
    password: SecretStr | None = None
    key_file: Path | None = None
    enable_secret: SecretStr | None = None


Credential = Annotated[SnmpCommunity | SnmpV3 | SshLogin, Field(discriminator="type")]
_CREDENTIAL = TypeAdapter(Credential)
KINDS: dict[str, str] = {"snmp_v1": "snmp", "snmp_v2c": "snmp", "snmp_v3": "snmp", "ssh": "ssh"}


def _expand(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, name) for k, v in value.items()}
    if isinstance(value, str) and (m := _ENV_REF.match(value)):
        if m.group(1) not in os.environ:
            raise CredentialError(name, f"environment variable {m.group(1)} is not set")
        return os.environ[m.group(1)]
    return value


class _AliasRefused(yaml.YAMLError):
    pass


class _NoAliases(yaml.SafeLoader):
    """No anchors and aliases in the credentials file: a few hundred bytes of nested
    aliases expand to gigabytes (a "billion laughs"), and a credential needs none."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(f"aliases are not allowed (line {event.start_mark.line + 1})")
        return super().compose_node(parent, index)


def _read_file(path: Path) -> dict[str, Any]:
    """The file's entries, unvalidated. Refuses a file others can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such credentials file") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: readable by others (mode {stat.S_IMODE(mode):o}); "
                          "run chmod 600 on it")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliases) or {}
    except _AliasRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        # only where: the YAML library's message quotes the line, which may hold a secret
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{at}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ConfigError(f"{path}: expected a mapping of credential names to mappings")
    return {str(k): v for k, v in raw.items()}


def _validate(name: str, entry: dict[str, Any]) -> SnmpCommunity | SnmpV3 | SshLogin:
    try:
        return _CREDENTIAL.validate_python(_expand(entry, name))
    except ValidationError as exc:
        # never echo the input: it may be a secret (problems() never does)
        raise CredentialError(name, "; ".join(problems(exc, top="value"))) from None


class CredentialStore:
    """The credentials file, read once and again whenever it changes on disk. Each
    credential is checked when a device uses it, so one broken entry (an unset
    ``${VAR}``) fails only the devices that name it."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._raw: dict[str, Any] = {}
        self._checked: dict[str, SnmpCommunity | SnmpV3 | SshLogin] = {}
        self._lock = threading.Lock()

    def _entries(self) -> dict[str, Any]:
        if self.path is None:
            raise ConfigError("credentials_file is not set in the configuration; devices "
                              "name a credential from it")
        try:
            st = self.path.stat()
            stamp: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp is None or stamp != self._stamp:
                self._raw = _read_file(self.path)
                self._checked = {}
                self._stamp = stamp
            return self._raw

    def names(self, kind: str | None = None) -> list[str]:
        """Credential names, of one kind (``snmp`` or ``ssh``) if given; reads no secret."""
        return sorted(n for n, e in self._entries().items()
                      if kind is None or KINDS.get(str(e.get("type"))) == kind)

    def get(self, name: str) -> SnmpCommunity | SnmpV3 | SshLogin:
        """The credential ``name``, validated; CredentialError naming it otherwise."""
        entries = self._entries()
        if name not in entries:
            raise CredentialError(name, f"no credential of that name in {self.path}")
        with self._lock:
            found = self._checked.get(name)
        if found is None:
            found = _validate(name, entries[name])
            with self._lock:  # only a valid entry is kept: an unset variable may be set later
                self._checked[name] = found
        return found

    def snmp(self, name: str) -> SnmpCommunity | SnmpV3:
        found = self.get(name)
        if not isinstance(found, SnmpCommunity | SnmpV3):
            raise CredentialError(name, f"is an {found.type} credential; SNMP needs "
                                        "snmp_v1, snmp_v2c or snmp_v3")
        return found

    def ssh(self, name: str) -> SshLogin:
        found = self.get(name)
        if not isinstance(found, SshLogin):
            raise CredentialError(name, f"is an {found.type} credential; SSH needs ssh")
        return found

    def problems(self) -> list[CredentialError]:
        """Every credential that cannot be used now, for ``muniops config check``."""
        out = []
        for name in self.names():
            try:
                self.get(name)
            except CredentialError as exc:
                out.append(exc)
        return out
