"""A real ``muniops serve`` holding the small city of ``muniops/lab/web_city.py``, and
Debian's Chromium driven by Playwright (``executable_path``: no browser is downloaded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from muniops.inventory.db import Database, sqlite_url
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.web_city import PASSWORDS, seed, write_config

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCollector]:
    folder = tmp_path_factory.mktemp("web")
    seed(folder).dispose()
    with running_collector(write_config(folder, sign_in_limit=3)) as collector:
        yield collector


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright_sync.Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/debian-packages.txt)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=["phone", "desktop"])
def page(request: pytest.FixtureRequest, browser: playwright_sync.Browser
         ) -> Iterator[playwright_sync.Page]:
    context = browser.new_context(**(PHONE if request.param == "phone" else DESKTOP),
                                  accept_downloads=True)
    yield context.new_page()
    context.close()


def sign_in(page: playwright_sync.Page, base: str, user: str,
            password: str | None = None) -> None:
    page.goto(f"{base}/web/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password or PASSWORDS[user])
    page.click("button[type=submit]")


@pytest.fixture
def desktop(browser: playwright_sync.Browser) -> Iterator[playwright_sync.Page]:
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    yield context.new_page()
    context.close()


def store(collector: RunningCollector) -> Database:
    """The store of a running test collector (its config sits beside its log)."""
    return Database(sqlite_url(collector.log.parent / "data"))


def fits_width(page: playwright_sync.Page) -> bool:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"] if page.viewport_size else False
