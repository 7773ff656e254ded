"""The web console in a real browser (headless Chromium over WebDriver), on the demo city.

City staff sign in and see the board (3 late, 2 missing; a publication with its check and the
latest reminders) and the reminder log, open a report with a finding and see
its message on its cell, return it with a reason; the office signs in, sees the reason, uploads
a corrected DOCX and submits it; the city accepts it and downloads the roll-up XLSX, whose total
is checked with openpyxl. An office named with HTML and prose with HTML show as text. Every page
is checked with axe-core: no serious or critical violation.

Environment: CONSOLE_URL, CITY_TOKEN, OFFICE_TOKEN, OFFICE_CODE, DOCUMENT (the corrected DOCX),
HOSTILE_CODE (an office named `<script>alert(1)</script>` with a report whose prose holds HTML).
The screenshots of docs/ are taken on the demo city alone (tests/browser/snapshots.py).
"""

from __future__ import annotations

import json
import os
import sys

import openpyxl

sys.path.insert(0, os.path.dirname(__file__))
from webdriver import Browser  # noqa: E402

URL = os.environ["CONSOLE_URL"].rstrip("/")
AXE = os.path.join(os.path.dirname(__file__), "node_modules", "axe-core", "axe.min.js")
checked: list[str] = []


def check(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def axe(b: Browser, name: str) -> None:
    """Runs axe-core on the page; fails on any serious or critical violation."""
    with open(AXE, encoding="utf-8") as f:
        b.run(f.read() + "\nreturn true;")
    violations = b.run_async(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    check(not bad, f"axe on {name}: {json.dumps(bad, ensure_ascii=False)}")
    checked.append(name)


def sign_in(b: Browser, token: str) -> None:
    b.get(URL + "/login")
    axe(b, "login")
    b.type("#token", token)
    b.submit("form[action='/login'] button")


def sign_out(b: Browser) -> None:
    b.submit("form[action='/logout'] button")
    check(b.url().endswith("/login"), "sign-out leads to the sign-in page")


def main() -> None:
    office, hostile = os.environ["OFFICE_CODE"], os.environ["HOSTILE_CODE"]
    b = Browser()
    try:
        # City staff: the board.
        sign_in(b, os.environ["CITY_TOKEN"])
        check(b.url().endswith("/board"), f"city staff land on the board, not {b.url()}")
        totals = b.text("p.totals")
        check("3 逾期" in totals and "2 未报送" in totals, f"board totals: {totals}")
        check(os.environ["CITY_TOKEN"] not in b.source(), "the token is on the page")
        axe(b, "board")
        # Publication, its check and the latest reminder per office; the reminder log.
        board = b.text("table.data")
        check("页面未找到" in board, "the stored check of a published page is on the board")
        check("逾期 3 天提醒" in board and "发送失败" in board, "the latest reminders are on the board")
        check("@example.org" not in b.source(), "contacts are not on the board")
        check(len(b.find_all("a[href^='/reminders']")) == 1, "the board links the reminder log")
        b.get(URL + "/reminders")
        log = b.text("table.data")
        check("jyj@example.org" in log and "550 mailbox unavailable" in log, f"the reminder log: {log[:300]}")
        axe(b, "reminders")
        # Filter and sort without script: late offices, most late first.
        b.get(URL + "/board?state=late&sort=late&dir=desc")
        rows = b.find_all("table.data tbody tr")
        check(len(rows) == 3, f"3 late offices, saw {len(rows)}")
        # Hostile data shows as text and runs nothing.
        b.get(URL + "/board")
        check("<script>alert(1)</script>" in b.text("table.data"), "the hostile office name is shown as text")
        check(not b.alert_open(), "a script from data ran on the board")
        b.get(f"{URL}/report/{hostile}/2023")
        check("<b>HTML</b>" in b.text(".official"), "prose HTML shown as text")
        check(not b.alert_open(), "a script from data ran on the report")
        # A report with a finding: its message on its cell.
        b.get(URL + "/board")
        b.submit(f"a[href='/report/{office}/2023']")
        note = b.text("td[data-key='s3.new_received.total'] .cellnote")
        check("R9" in note and "应为" in note, f"the finding on its cell: {note}")
        axe(b, "report")
        # Return it with a reason.
        reason = "正文所述收到申请数与表三不一致，请核对后重新报送"
        b.type("#reason", reason)
        b.submit("button.danger")
        check("已退回" in b.text("main"), "the report is returned")
        sign_out(b)

        # The office: the reason, the upload of a corrected DOCX, the submission.
        sign_in(b, os.environ["OFFICE_TOKEN"])
        check(b.url().endswith("/office"), f"an office lands on its reports, not {b.url()}")
        check(reason in b.text("main"), "the office sees the return reason")
        axe(b, "office")
        b.get(URL + "/office/upload")
        axe(b, "upload")
        b.type("#file", os.environ["DOCUMENT"])
        b.submit("form[action='/office/upload'] button")
        check("读取到" in b.text("main"), "the preview of the upload")
        check(not b.find_all("td[data-key='s3.new_received.total'] .cellnote"), "the corrected report has no finding there")
        axe(b, "preview")
        b.submit("button[name='draft'][value='0']")
        check("已提交" in b.text("main"), f"submitted: {b.text('main')[:300]}")
        sign_out(b)

        # The city accepts, then the roll-up and its XLSX.
        sign_in(b, os.environ["CITY_TOKEN"])
        b.get(f"{URL}/report/{office}/2023")
        b.submit("form[action$='/review'] button[type='submit']")
        check("已接受" in b.text("main"), "accepted")
        b.get(URL + "/rollup")
        axe(b, "rollup")
        shown = int(b.text(".official td[data-key='s3.new_received.total']").split()[0])
        b.click("a[href^='/rollup/export/xlsx']")
        path = b.wait_download(".xlsx")
        book = openpyxl.load_workbook(path, read_only=True)
        sheet = book[[n for n in book.sheetnames if "三" in n][0]]
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        col = next(i for i, h in enumerate(header) if h and "新收" in str(h) and "总计" in str(h))
        offices = [r for r in rows[1:] if r[0] and "合计" not in (r[0], r[1])]
        total_row = [r for r in rows[1:] if "合计" in (r[0], r[1])]
        summed = sum(int(r[col] or 0) for r in offices)
        check(summed == shown, f"the XLSX offices add up to {summed}, the roll-up shows {shown}")
        check(len(total_row) == 1 and int(total_row[0][col]) == shown, f"the XLSX total row: {total_row[:1]}")
        check("各单位质量与复核标记" in b.text("main"), "the roll-up's quality view per office")
        # A phone-sized window still shows the board.
        b.resize(390, 844)
        b.get(URL + "/board")
        axe(b, "board-phone")
        print(json.dumps({"pages_checked": checked, "rollup_received": shown, "offices_in_xlsx": len(offices)}, ensure_ascii=False))
    finally:
        b.quit()


if __name__ == "__main__":
    main()
