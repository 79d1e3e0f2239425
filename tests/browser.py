"""Headless Chromium for the tests, driven over the DevTools protocol (no extra package: the
pinned ``websockets`` speaks it).

One browser per test session (``tests/conftest.py``: ``chromium``); each page load blocks the
network — every request that is not ``file:`` or ``data:`` is failed and recorded — so a test
sees exactly what a reader offline would: nothing fetched from the internet, nothing broken.
The browser listens on 127.0.0.1 only and is stopped by PID.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_SCHEMES = ("file:", "data:", "about:")


def executable() -> str | None:
    """Debian's ``chromium`` (installed by ``tests/system_deps.sh``), if present."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    """What one page load requested, and what failed."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


class Chromium:
    """A headless Chromium with one page; ``open`` loads a file with the network blocked."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900) -> None:
        from websockets.sync.client import connect

        self.profile = Path(tempfile.mkdtemp(prefix="chromium-test-"))
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "--allow-file-access-from-files",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        self._browser = connect(
            f"ws://127.0.0.1:{port}{port_file.read_text().splitlines()[1]}", max_size=None
        )
        self._next_id = 0
        self._session: str | None = None
        self._load: PageLoad | None = None
        self._urls: dict[str, str] = {}
        self._loaded = False
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
        )
        self._session = attached["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        self.viewport(width, height)

    # -- protocol -------------------------------------------------------------------------
    def call(self, method: str, params: dict | None = None, browser: bool = False) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if not browser and self._session:
            message["sessionId"] = self._session
        self._browser.send(json.dumps(message))
        while True:
            reply = json.loads(self._browser.recv(timeout=60))
            if reply.get("id") == self._next_id and "method" not in reply:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _send(self, method: str, params: dict) -> None:
        """A command whose reply is not awaited (answers to paused requests)."""
        self._next_id += 1
        self._browser.send(
            json.dumps(
                {
                    "id": self._next_id,
                    "method": method,
                    "params": params,
                    "sessionId": self._session,
                }
            )
        )

    def _event(self, event: dict) -> None:
        method, params = event.get("method"), event.get("params", {})
        load = self._load
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url.startswith(LOCAL_SCHEMES):
                self._send("Fetch.continueRequest", {"requestId": params["requestId"]})
            else:
                if load:
                    load.blocked.append(url)
                self._send(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                )
        elif method == "Network.requestWillBeSent" and load:
            load.requests.append(params["request"]["url"])
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and load:
            url = self._urls.get(params.get("requestId"), "?")
            load.failed.append(f"{url}: {params.get('errorText')}")
        elif method == "Log.entryAdded" and load and params["entry"]["level"] == "error":
            load.console_errors.append(params["entry"].get("text", ""))
        elif method == "Page.loadEventFired":
            self._loaded = True

    # -- what the tests use -------------------------------------------------------------------
    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def open(self, path: Path, settle: float = 0.3) -> PageLoad:
        """Load ``path`` with the network blocked; returns what it requested."""
        self._load, self._loaded = PageLoad(), False
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        deadline = time.monotonic() + 30
        while not self._loaded:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not finish loading")
            self.call("Runtime.evaluate", {"expression": "1"})
            time.sleep(0.05)
        end = time.monotonic() + settle  # late requests (scripts, fonts)
        while time.monotonic() < end:
            self.call("Runtime.evaluate", {"expression": "1"})
            time.sleep(0.05)
        return self._load

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def pdf(self) -> bytes:
        """The page as it prints (its own @page size), backgrounds included."""
        result = self.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
        return base64.b64decode(result["data"])

    def screenshot(self, path: Path, full_page: bool = True) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))

    def close(self) -> None:
        browser = getattr(self, "_browser", None)
        if browser is not None:
            try:
                browser.close()
            except Exception:  # closing a broken connection
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
