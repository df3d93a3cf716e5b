"""``/api/docs`` works on a municipal network without internet: the page names no other
host, and the Swagger UI it loads is served by the collector itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from muniops.collector.api.app import create_app
from muniops.collector.core.settings import Settings


def _client() -> TestClient:
    return TestClient(create_app(Settings(), None, CollectorRegistry()))  # type: ignore[arg-type]


def test_the_docs_page_loads_everything_from_the_collector() -> None:
    client = _client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.text, re.I), \
        "the docs page names another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        assert asset.startswith("/api/docs/static/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
    bundle = client.get("/api/docs/static/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/v1/pm/due" in schema.json()["paths"]


def test_the_validator_badge_is_off() -> None:
    """Swagger UI would otherwise fetch a badge from validator.swagger.io."""
    page = _client().get("/api/docs").text
    assert re.search(r'"validatorUrl":\s*null', page), page
