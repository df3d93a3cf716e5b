"""The platform registry (``platforms.yaml``): one entry per platform name."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter


class Platform(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    driver: Literal["netmiko", "paramiko"]
    device_type: str | None = None
    enable: bool = False
    templates: str


@cache
def platforms() -> dict[str, Platform]:
    raw = yaml.safe_load((Path(__file__).parent / "platforms.yaml").read_text(encoding="utf-8"))
    return TypeAdapter(dict[str, Platform]).validate_python(raw)


def get_platform(name: str) -> Platform:
    """The platform called ``name``; an unknown name is an error listing the known ones."""
    try:
        return platforms()[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; known: "
                         f"{', '.join(sorted(platforms()))}") from None
