"""The ``web:`` section: sessions, the sign-in limit, photos, labels and the directory."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LdapSettings(_Strict):
    """An LDAP / Active Directory bind. ``user_dn`` names the user's entry from the user
    name (``uid={username},ou=people,dc=city,dc=example``, or ``{username}@city.local``
    for Active Directory); groups are searched under ``group_base`` for entries whose
    ``member`` is that entry. ``roles`` maps a group's DN to admin, technician or viewer;
    ``liaisons`` a group's DN to the district its members serve."""

    url: str = Field(pattern=r"^ldaps?://")
    user_dn: str = Field(pattern=r"\{username\}")
    # AD: the bind name is a UPN, the entry is found by this filter under search_base
    search_base: str = ""
    user_filter: str = "(sAMAccountName={username})"
    group_base: str
    group_filter: str = "(member={dn})"
    roles: dict[str, str] = Field(default_factory=dict)  # group DN -> role
    liaisons: dict[str, str] = Field(default_factory=dict)  # group DN -> district
    start_tls: bool = False
    ca_file: str | None = None
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    # a service account that may read groups, when a user may not read them itself
    bind_dn: str | None = None
    bind_password: SecretStr | None = None

    @model_validator(mode="after")
    def _roles_known(self) -> LdapSettings:
        for group, role in self.roles.items():
            if role not in ("admin", "technician", "viewer"):
                raise ValueError(f"roles: group {group!r} maps to {role!r}; use admin, "
                                 "technician or viewer (liaisons go under liaisons)")
        return self


class WebSettings(_Strict):
    session_hours: int = Field(default=12, ge=1, le=24 * 14)
    # failed sign-ins allowed per user name and per address within the window
    sign_in_limit: int = Field(default=5, ge=1, le=1000)
    sign_in_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    photo_max_bytes: int = Field(default=6 * 1024 * 1024, gt=0)
    # the address QR labels point to (the collector as phones reach it), e.g.
    # https://muniops.city.example ; unset: the address the page was asked on
    public_url: str | None = Field(default=None, pattern=r"^https?://")
    ldap: LdapSettings | None = None
