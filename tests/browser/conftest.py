"""A real Streamlit server and the system Chromium, for the journeys people take."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SHOUWANG_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts"
# Playwright's patience for an element or a condition. Generous: under pytest-xdist two workers,
# their Streamlit servers and their Chromiums share a small CI machine's two cores.
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PortTaken(RuntimeError):
    """The server stopped before answering: on a free port, that is another process's bind."""


def _listens_on(pid: int, port: int) -> bool:
    """Whether the process `pid` itself listens on `port`, not another xdist worker's server
    that was handed the same free port a moment earlier."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


def _wait_healthy(url: str, port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until our server answers; generous, as two workers and their Chromiums share the
    cores. A server that exits (its port taken meanwhile) raises PortTaken."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PortTaken(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                if response.status == 200 and _listens_on(process.pid, port):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def app_server(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port over this test's database.

    A port found free can be taken before Streamlit binds it (by another xdist worker's server
    or a client socket); Streamlit then exits, and the server starts again on another port.
    """
    env = {**os.environ, "DATABASE_URL": db_url, "SHOUWANG_DEMO": "1"}
    for attempt in range(3):
        port = _free_port()
        log = (tmp_path / f"streamlit-{attempt}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, port, process)
        except PortTaken:
            log.close()
            if attempt == 2:
                raise
            continue
        except BaseException:
            _stop(process, log)
            raise
        try:
            yield url
        finally:
            _stop(process, log)
        return


WORKERS = 2


def _free_ports(count: int) -> int:
    """A port P with P … P+count-1 all free just now (the proxy's and its workers')."""
    for _ in range(50):
        base = _free_port()
        if base + count > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no run of free ports")


def workers_up(socket_path: Path) -> dict[str, str]:
    """Each worker's state as HAProxy sees it ("UP", "DOWN" …), from its stats socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(b"show stat\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    states = {}
    for line in b"".join(chunks).decode().splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == "workers" and fields[1] not in ("BACKEND", ""):
            states[fields[1]] = fields[17]
    return states


@dataclass(frozen=True)
class Proxied:
    url: str
    stats: Path  # HAProxy's stats socket


@pytest.fixture
def proxied_app(db_url: str, tmp_path: Path) -> Iterator[Proxied]:
    """`scripts/serve.sh --workers 2` over this test's database: HAProxy in front of two
    Streamlit processes, ready once HAProxy reports both workers UP."""
    require(shutil.which("haproxy") is not None, "no HAProxy (apt-get install haproxy)")
    run_dir = Path(tempfile.mkdtemp(prefix="sw-", dir="/tmp"))
    env = {**os.environ, "DATABASE_URL": db_url, "SHOUWANG_DEMO": "1",
           "SHOUWANG_DATA_DIR": str(tmp_path / "data"), "SHOUWANG_RUN_DIR": str(run_dir),
           "SHOUWANG_COOKIE_KEY": "proxied-journey-cookie-key-0123456789"}
    for attempt in range(3):
        port = _free_ports(WORKERS + 1)
        log = (tmp_path / f"serve-{attempt}.log").open("w")
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh", "--workers", str(WORKERS), "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_proxied(url, run_dir / f"haproxy-{port}.sock", process)
        except PortTaken:
            _stop_group(process, log)
            if attempt == 2:
                raise
            continue
        except BaseException:
            _stop_group(process, log)
            raise
        try:
            yield Proxied(url, run_dir / f"haproxy-{port}.sock")
        finally:
            _stop_group(process, log)
            shutil.rmtree(run_dir, ignore_errors=True)
        return


def _wait_proxied(url: str, stats: Path, process: subprocess.Popen,
                  timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PortTaken(f"serve.sh exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_proxy/health", timeout=5) as response:
                if response.status == 200 and stats.exists() and set(
                        workers_up(stats).values()) == {"UP"}:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the proxied workers did not become healthy")


def _stop_group(process: subprocess.Popen, log: object) -> None:
    """Stop serve.sh, its workers and HAProxy (one process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


def _stop(process: subprocess.Popen, log: object) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # the same patience as the page's own waits

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)  # generous: CI machines are small and shared
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()



def settle(page: object, quiet_ms: int = 900, limit_ms: int = 40_000) -> None:
    """Wait until the script has finished its run and the page has stopped changing.

    After each page load the login cookie's component reports back and Streamlit reruns the
    page once more; elements clicked during that rerun are stale copies that do nothing. The
    app root's script state says whether a run is still going: on a busy machine a run can
    pause longer than any quiet interval, so quiet text alone is not enough.
    """
    page.wait_for_function(
        """([quiet, limit]) => {
            const now = Date.now();
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app ? app.getAttribute("data-test-script-state") : "";
            const text = document.body.innerText + "|" + state;
            const w = window;
            if (w.__settleText !== text || state !== "notRunning") {
                w.__settleText = text; w.__settleSince = now;
            }
            w.__settleStart = w.__settleStart || now;
            const done = now - w.__settleSince >= quiet || now - w.__settleStart >= limit;
            if (done) { w.__settleStart = 0; }
            return done;
        }""", arg=[quiet_ms, limit_ms], polling=150, timeout=limit_ms + 5_000)


def open_expander(page: object, label: str) -> None:
    """Open the first expander called `label` and wait for its opening animation to end.

    A click while the expander still grows can land where a button was a frame earlier: on a
    loaded machine the 保存 of 记录帮扶 was tapped and nothing was sent (about 1 run in 4).
    """
    page.get_by_text(label, exact=True).first.click()
    still(page)


def log_home_visit(page: object, url: str) -> None:
    """On 我的结对, the logged-in helper saves a 家访 with their first child, dated today."""
    from playwright.sync_api import expect

    page.goto(f"{url}/my")
    page.get_by_role("heading", name="我的结对").first.wait_for()
    settle(page)
    open_expander(page, "记录帮扶")
    page.get_by_text("家访", exact=True).first.click()  # a pill
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已记录").first).to_be_visible()


def steady_box(locator: object) -> dict[str, float]:
    """The element's box once it has not moved for ten frames: measure, then click at once.

    Clicking a pager button scrolls the page; a box measured while the page still scrolls
    sends a click by coordinates (a grid cell) to the wrong place.
    """
    locator.scroll_into_view_if_needed()
    x, y, width, height = locator.evaluate("""(el) => new Promise((resolve) => {
        let last = "", same = 0;
        const tick = () => {
            const r = el.getBoundingClientRect();
            const key = [r.x, r.y, r.width, r.height].join();
            same = key === last ? same + 1 : 0;
            last = key;
            if (same >= 10) { resolve([r.x, r.y, r.width, r.height]); }
            else { requestAnimationFrame(tick); }
        };
        tick();
    })""")
    return {"x": x, "y": y, "width": width, "height": height}


def still(page: object) -> None:
    """Wait until no animation or transition is running (an opening expander, a grid that
    scrolls), so that a click lands where the element is."""
    page.wait_for_function(
        "document.getAnimations().every((a) => a.playState !== 'running')", polling=100)


def open_login_form(page: object, url: str) -> None:
    """Open the app at its login form and wait for the page to settle.

    The login cookie's component reports back after the first run and the page runs again: a
    form filled and sent during that rerun is a stale copy, and nothing is sent (a loaded run
    waited 60 s for the logout button after such a click)."""
    page.goto(url)
    page.get_by_role("textbox", name="登录名", exact=True).wait_for()
    settle(page)


def log_in(page: object, url: str, username: str, display_name: str | None = None) -> None:
    """Log in through the form and wait until the app has settled on the home page: its
    greeting when the display name is given, else the sidebar's logout button."""
    from tests.factories import DEFAULT_PASSWORD

    open_login_form(page, url)
    page.get_by_role("textbox", name="登录名", exact=True).fill(username)
    page.get_by_role("textbox", name="密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    if display_name is None:
        # Attached, not visible: on a phone the sidebar holding it is closed (or closing).
        page.get_by_role("button", name="退出登录", include_hidden=True).first.wait_for(
            state="attached")
    else:
        page.get_by_role("heading", name=f"您好，{display_name}").first.wait_for()
    settle(page)
