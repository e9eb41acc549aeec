"""A real headless browser for the page tests: Debian's Chromium, started by the test with a
fresh profile, driven over the Chrome DevTools Protocol (chromedevtools.github.io/
devtools-protocol: ``Page.navigate``, ``Runtime.evaluate``, ``Page.captureScreenshot``,
``Emulation.setDeviceMetricsOverride``) through aiohttp's websocket client, the one HTTP
library the project has already.

Chromium is started as ``make setup`` and ``.ci/run`` install it: ``/usr/bin/chromium``,
``--headless --no-sandbox`` with a new ``--user-data-dir`` under the test's temporary folder,
and the flags that keep it off the network (this machine's network is closed; without them
Chromium keeps trying Google's hosts).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["CHROMIUM", "Browser", "chromium"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_QUIET = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    """One page of a running Chromium, driven over its DevTools websocket."""

    def __init__(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket_
        self._ids = itertools.count(1)
        self.console: list[str] = []
        # Pages that stand in for hosts the closed network cannot reach (zoom.us): a URL
        # prefix and the HTML answered for it (Fetch.requestPaused, then fulfillRequest).
        self._stand_ins: dict[str, str] = {}
        self.requested: list[str] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        await self._socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self._socket.receive_json(), timeout=30)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if message.get("method") == "Runtime.consoleAPICalled":
                self.console.append(json.dumps(message["params"].get("args")))
            if message.get("method") == "Fetch.requestPaused":
                await self._answer_stand_in(message["params"])

    async def stand_in(self, prefix: str, html: str) -> None:
        """Answer every request whose URL starts with ``prefix`` with ``html``."""
        self._stand_ins[prefix] = html
        patterns = [{"urlPattern": f"{known}*"} for known in self._stand_ins]
        await self.send("Fetch.enable", patterns=patterns)

    async def _answer_stand_in(self, paused: dict[str, Any]) -> None:
        url = str(paused["request"]["url"])
        self.requested.append(url)
        html = next(
            (body for prefix, body in self._stand_ins.items() if url.startswith(prefix)), ""
        )
        await self._socket.send_json(
            {
                "id": next(self._ids),
                "method": "Fetch.fulfillRequest",
                "params": {
                    "requestId": paused["requestId"],
                    "responseCode": 200,
                    "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                    "body": base64.b64encode(html.encode()).decode(),
                },
            }
        )

    async def open(self, url: str) -> str:
        """Load ``url`` and wait until the document is complete; the URL the tab ends at."""
        await self.send("Page.navigate", url=url)
        return await self.settled()

    async def settled(self, seconds: float = 15.0) -> str:
        """Wait for the tab's document to be complete; its URL."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = await self.evaluate("[document.readyState, location.href]")
            if state[0] == "complete" and not str(state[1]).startswith("about:"):
                return str(state[1])
            await asyncio.sleep(0.1)
        raise TimeoutError("the page did not finish loading")

    async def evaluate(self, expression: str) -> Any:
        """``expression``'s value in the page (DevTools' own evaluation, not the page's
        script: the page has none and its policy allows none)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def click(self, selector: str) -> str:
        """Click the element ``selector`` names, as a person would (mouse events at its
        centre); the URL the tab then ends at."""
        box = await self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        before = await self.evaluate("location.href")
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                clickCount=1,
            )  # fmt: skip
        deadline = time.monotonic() + 15
        while await self.evaluate("location.href") == before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"clicking {selector} went nowhere")
            await asyncio.sleep(0.1)
        return await self.settled()

    async def phone(self) -> None:
        """A phone's screen: 390 x 844 CSS pixels at 3x, touch, mobile."""
        await self.send(
            "Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=3,
            mobile=True,
        )  # fmt: skip

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        return path


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Browser]:
    """A headless Chromium with a fresh profile in ``profile``, and one tab of it."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        CHROMIUM, *_QUIET, f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
        "--remote-allow-origins=*", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            target = await _first_tab(session, port, process)
            async with session.ws_connect(target, max_msg_size=64 * 1024 * 1024) as socket_:
                browser = Browser(socket_)
                await browser.send("Page.enable")
                await browser.send("Runtime.enable")
                yield browser
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()


async def _first_tab(
    session: aiohttp.ClientSession, port: int, process: asyncio.subprocess.Process
) -> str:
    """The DevTools websocket of Chromium's first tab, once it listens."""
    deadline = time.monotonic() + 30
    while True:
        try:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as answer:
                pages = [t for t in await answer.json() if t.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline or process.returncode is not None:
            raise RuntimeError("Chromium did not start (is it installed? make setup)")
        await asyncio.sleep(0.2)
