"""A minimal W3C WebDriver client (standard library only) for headless Chromium via chromedriver."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(Exception):
    pass


class Browser:
    """One headless Chromium session; `downloads` is where downloaded files land."""

    def __init__(self, width: int = 1366, height: int = 768):
        self.profile = tempfile.mkdtemp(prefix="nianbao-chromium-")
        self.downloads = tempfile.mkdtemp(prefix="nianbao-downloads-")
        port = free_port()
        driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = subprocess.Popen(
            [driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                self._call("GET", "/status")
                break
            except (urllib.error.URLError, ConnectionError, WebDriverError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        args = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
            "--lang=zh-CN",
        ]
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": shutil.which("chromium") or "/usr/bin/chromium",
                "args": args,
                "prefs": {
                    "download.default_directory": self.downloads,
                    "download.prompt_for_download": False,
                },
            },
        }
        value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = value["sessionId"]
        # Headless Chromium saves downloads only when told where.
        try:
            self.cmd("POST", "/goog/cdp/execute", {
                "cmd": "Browser.setDownloadBehavior",
                "params": {"behavior": "allow", "downloadPath": self.downloads},
            })
        except WebDriverError:
            pass

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None

    def cmd(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url: str) -> None:
        self.cmd("POST", "/url", {"url": url})

    def url(self) -> str:
        return self.cmd("GET", "/url")

    def find(self, css: str) -> str:
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css: str) -> list[str]:
        return [e[ELEMENT] for e in self.cmd("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, css: str) -> None:
        self.cmd("POST", f"/element/{self.find(css)}/click", {})

    def submit(self, css: str, timeout: float = 60) -> None:
        """Clicks an element that navigates, and waits until the next page has loaded."""
        self.run("window.__nianbao_old_page = true;")
        self.click(css)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.run("return !window.__nianbao_old_page && document.readyState === 'complete';"):
                    return
            except WebDriverError:
                pass
            time.sleep(0.1)
        raise WebDriverError(f"clicking {css} did not load a page")

    def type(self, css: str, text: str) -> None:
        self.cmd("POST", f"/element/{self.find(css)}/value", {"text": text})

    def text(self, css: str = "body") -> str:
        return self.cmd("GET", f"/element/{self.find(css)}/text")

    def source(self) -> str:
        return self.cmd("GET", "/source")

    def run(self, script: str, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script: str, *args):
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def alert_open(self) -> bool:
        try:
            self.cmd("GET", "/alert/text")
            return True
        except WebDriverError:
            return False

    def resize(self, width: int, height: int) -> None:
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))

    def full_screenshot(self, path: str, width: int) -> None:
        """The whole page: the window grown to the document's height first."""
        height = self.run("return Math.min(document.documentElement.scrollHeight, 4000);")
        self.resize(width, int(height) + 140)
        self.screenshot(path)

    def wait_download(self, suffix: str, timeout: float = 60) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = [f for f in os.listdir(self.downloads) if f.endswith(suffix)]
            if done:
                return os.path.join(self.downloads, done[0])
            time.sleep(0.2)
        raise WebDriverError(f"no {suffix} downloaded into {self.downloads}: {os.listdir(self.downloads)}")

    def quit(self) -> None:
        try:
            self.cmd("DELETE", "")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)
