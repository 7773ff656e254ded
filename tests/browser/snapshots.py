"""Screenshots of the web console on the demo city (`nianbao demo --serve`), for docs/.

The board, the report left for review (its finding on its cell) and the roll-up, each as a whole
page 1,366 pixels wide, in headless Chromium over WebDriver. Run by scripts/snapshots.sh.

Environment: CONSOLE_URL, CITY_TOKEN, OFFICE_CODE (the office whose report has a finding),
SNAPSHOT_DIR.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser  # noqa: E402

URL = os.environ["CONSOLE_URL"].rstrip("/")
OUT = os.environ["SNAPSHOT_DIR"]


def shot(b: Browser, path: str, name: str) -> None:
    b.resize(1366, 768)
    b.get(URL + path)
    if b.url().endswith("/login"):
        raise SystemExit(f"not signed in at {path}")
    b.full_screenshot(os.path.join(OUT, name), 1366)
    print(os.path.join(OUT, name))


def main() -> None:
    b = Browser()
    try:
        b.get(URL + "/login")
        b.type("#token", os.environ["CITY_TOKEN"])
        b.submit("form[action='/login'] button")
        shot(b, "/board", "console-board.png")
        shot(b, f"/report/{os.environ['OFFICE_CODE']}/2023", "console-report.png")
        shot(b, "/rollup", "console-rollup.png")
    finally:
        b.quit()


if __name__ == "__main__":
    main()
