"""The write-off policy, a config section of its own module: the config is read by every
command, and this module loads no table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WriteOffPolicy(BaseModel):
    """When an asset becomes a candidate, and what an old PC needs to be reused."""

    model_config = ConfigDict(extra="forbid")

    repairs: int = Field(default=3, ge=1)  # this many repair tickets make it a candidate
    # reuse: a PC of at least this age, with a CPU of at least this many cores, whose
    # memory or disk is below what a unit needs today
    reuse_min_age_years: int = Field(default=4, ge=0)
    reuse_min_cores: int = Field(default=4, ge=1)
    reuse_memory_gib: int = Field(default=8, ge=1)
