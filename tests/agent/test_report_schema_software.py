"""The software list is validated in one pass (speed); it must still clean and bound
every package as the other sections are."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from muniops.inventory.agent_schema import MAX_EXTRA_DEPTH, Report


def _report(software: list[dict[str, Any]]) -> bytes:
    return json.dumps({"schema_version": 1, "report_id": "5b0c7c7e-3f1e-4a8e-9d9b-0c2a1c1d6e01",
                       "kind": "full", "agent_version": "1.0",
                       "created_at": "2026-12-01T10:00:00+00:00",
                       "host": {"hostname": "pc-1"}, "software": software}).encode()


def test_package_text_loses_control_characters_and_keeps_extras() -> None:
    report = Report.model_validate_json(_report([
        {"name": "7-Zip\x1b[2J", "version": "23.01\x00", "publisher": "Igor\r Pavlov",
         "arch": "x64"},
        {"name": "zlib"}]))
    assert report.software is not None
    first, second = report.software
    assert first == {"name": "7-Zip[2J", "version": "23.01", "publisher": "Igor Pavlov",
                     "arch": "x64"}
    assert second == {"name": "zlib"}


@pytest.mark.parametrize(("package", "where"), [
    ({"name": ""}, "software.0.name"),
    ({"name": "x" * 301}, "software.0.name"),
    ({"name": "x", "version": "1" * 121}, "software.0.version"),
    ({"name": "x", "arch": "a" * 5000}, "software.0"),
    ({"name": "x", "deep": json.loads("[" * (MAX_EXTRA_DEPTH + 2) + "]" * (MAX_EXTRA_DEPTH + 2))},
     "software.0"),
])
def test_package_bounds_name_the_package(package: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Report.model_validate_json(_report([package]))
    assert ".".join(str(p) for p in caught.value.errors()[0]["loc"]) == where
