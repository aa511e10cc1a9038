"""Screenshots for the README: `make screenshots` (or `.venv/bin/python -m tools.screenshots`).

Starts Casusbank on a temporary instance with the seed content of content/, opens a few
pages in Debian's Chromium (the browser the tests use; Playwright's own download is never
used) and saves them as PNG files in docs/screenshots/. Run it again when those pages
change and commit the new PNGs.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app.config import PROJECT_DIR
from bench.instance import temporary_casusbank

CHROMIUM = "/usr/bin/chromium"
OUTPUT = PROJECT_DIR / "docs" / "screenshots"
# File name (without .png) and address of every page shown in the README.
PAGES = {
    "home": "/",
    "leergroep-water": "/leergroepen/water",
    "zoeken-bewoners": "/zoeken?q=bewoners",
}


def serve(app):
    """The app on a free local port in a thread; returns its address and a stop function."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=False)

    def run():
        try:
            server.serve_forever()
        finally:
            app.extensions["casusbank.searchers"].close()

    thread = threading.Thread(target=run)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(5)
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def take(base: str, output: Path, width: int) -> list[Path]:
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(locale="nl-NL", viewport={"width": width, "height": 1000})
        for name, address in PAGES.items():
            response = page.goto(base + address)
            if response is None or response.status != 200:
                raise SystemExit(f"{address} answered {response and response.status}")
            path = output / f"{name}.png"
            page.screenshot(path=str(path))  # the first screen, as a visitor sees it
            saved.append(path)
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder for the PNGs")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no browser at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    with temporary_casusbank() as (app, _folder):
        base, stop = serve(app)
        try:
            saved = take(base, args.output, args.width)
        finally:
            stop()
    for path in saved:
        print(path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
