"""Device credentials: SNMP communities, SNMPv3 keys, SSH passwords and keys.

They live in their own YAML file (``credentials_file`` in the config), readable only by the
collector's user, never in the database. A value written ``${VAR}`` is read from the
environment. Devices name a credential; nothing else ever holds the secret, and every
secret is a ``SecretStr`` that prints as ``**********``."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, SecretStr, TypeAdapter, ValidationError

from muniops.collector.settings import ConfigError, Section

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
_CREDENTIALS = TypeAdapter(dict[str, Credential])


def _expand(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, str) and (m := _ENV_REF.match(value)):
        if m.group(1) not in os.environ:
            raise ConfigError(f"{where}: environment variable {m.group(1)} is not set")
        return os.environ[m.group(1)]
    return value


def load_credentials(path: Path) -> dict[str, SnmpCommunity | SnmpV3 | SshLogin]:
    """Read and validate the credentials file. Refuses a file others can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such credentials file") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: readable by others (mode {stat.S_IMODE(mode):o}); "
                          "run chmod 600 on it")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of credential names")
    try:
        return _CREDENTIALS.validate_python(_expand(raw, path.name))
    except ValidationError as exc:
        lines = [f"{path}: invalid credentials"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            # never echo the input: it may be a secret
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"  {loc}: {msg}")
        raise ConfigError("\n".join(lines)) from None
