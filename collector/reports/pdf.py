"""PDF through Debian's headless Chromium (``--print-to-pdf``): it shapes Persian and lays
out right-to-left pages correctly, which the pure-Python PDF writers do not."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 120


class PdfUnavailable(Exception):
    """No headless browser to print with, or it failed; the message says what to do."""


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable("PDF reports need Chromium: install the Debian package `chromium` "
                         "(scripts/install-system-deps.sh does), or use --format html")


def _command(browser: str, source: Path, target: Path, profile: str) -> list[str]:
    args = [browser, "--headless", "--disable-gpu", "--no-first-run",
            "--no-pdf-header-footer", f"--user-data-dir={profile}",
            f"--print-to-pdf={target}", source.as_uri()]
    if os.geteuid() == 0:  # Chromium refuses to run its sandbox as root
        args.insert(1, "--no-sandbox")
    return args


def run_headless(args: list[str]) -> None:
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise PdfUnavailable(f"Chromium did not finish within {TIMEOUT_SECONDS}s") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PdfUnavailable(f"Chromium failed ({done.returncode}): {' | '.join(tail)}")


def html_to_pdf(document: bytes) -> bytes:
    """Print an HTML document to PDF bytes."""
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="muniops-pdf-") as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_bytes(document)
        run_headless(_command(browser, source, target, str(Path(tmp) / "profile")))
        if not target.exists():
            raise PdfUnavailable("Chromium wrote no PDF")
        return target.read_bytes()
