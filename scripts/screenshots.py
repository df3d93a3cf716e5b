"""Screenshots of the main web pages, in Persian and English, on a 360 px phone and a
desktop, so a person can look at them: ``python scripts/screenshots.py [OUT_DIR]``
(default ``docs/screenshots/``).

It seeds the small city of ``muniops/lab/web_city.py`` in a temporary folder, starts a
real ``muniops serve`` on a free port and drives Debian's Chromium with Playwright."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from muniops.lab.collector import running_collector
from muniops.lab.web_city import PASSWORDS, seed, write_config

ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 860}}
# (file name, user, path): the pages a technician and a liaison use most
PAGES = [("sign-in", None, "/web/sign-in"), ("my-work", "tech", "/web/"),
         ("pm-visit", "tech", "/web/pm/{pc2_task}"), ("asset", "tech", "/web/assets/2"),
         ("labels", "tech", "/web/labels"), ("district", "liaison1", "/web/district")]


def _sign_in(page: Page, base: str, user: str, lang: str) -> None:
    page.goto(f"{base}/web/sign-in?lang={lang}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")
    page.goto(f"{base}/web/preferences")
    page.select_option("select[name=lang]", lang)
    page.select_option("select[name=calendar]", "jalali" if lang == "fa" else "gregorian")
    page.click("form.stack button[type=submit]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="muniops-shots-") as tmp:
        folder = Path(tmp)
        seed(folder).dispose()
        with running_collector(write_config(folder)) as collector, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium)
            for lang in ("fa", "en"):
                for name, size in VIEWPORTS.items():
                    _shoot(browser, collector.url, lang, name, size, args.out)
            browser.close()


def _shoot(browser: object, base: str, lang: str, viewport: str, size: dict[str, int],
           out: Path) -> None:
    signed_in: str | None = None
    context = browser.new_context(viewport=size, device_scale_factor=1)  # type: ignore[attr-defined]
    page = context.new_page()
    for name, user, path in PAGES:
        if user != signed_in:
            context.clear_cookies()
            if user:
                _sign_in(page, base, user, lang)
            signed_in = user
        page.goto(base + path.format(pc2_task=2) + (f"?lang={lang}" if user is None else ""))
        target = out / f"{name}-{lang}-{viewport}.png"
        page.screenshot(path=str(target), full_page=True)
        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
    context.close()


if __name__ == "__main__":
    main()
