"""Phone budget (issue 19 §5): every page a desa operator or an official uses, on a slow link.

    uv run python bench/phone_bench.py [--households 3000] [--repeat 3]
                                       [--users desa.malesanwetan,pejabat] [--url URL]

Builds (or reuses) a small demo instance in bench/out/phone/home (`tepat demo --no-serve`),
serves it with gunicorn on a free port (DEBUG off, WhiteNoise serving the static files, as the
demo does), then drives Debian's Chromium through Playwright with the link emulated over CDP:
`Network.emulateNetworkConditions` (300 ms latency, 1.6 Mbit/s = 200,000 B/s down and up) and
`Emulation.setCPUThrottlingRate` 4, on a 390×844 screen. For each user it signs in, then for
every page in their navigation plus the pages behind it (a family to verify, the usulan form,
a Gesek family) measures

- first visit: the browser's cache cleared, then the page loaded;
- second visit: the same page again with the cache it left;

each `--repeat` times (the median is shown), and reports the bytes transferred (the sum of
`encodedDataLength` of every response: headers and body as they crossed the wire), the
largest contentful paint (PerformanceObserver 'largest-contentful-paint'), and the time to
the load event. Rows over budget (first visit
> 200 KB or LCP > 3 s) are flagged with "!". Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "bench" / "out" / "phone" / "home"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "tepat-demo-2026"  # DEMO_PASSWORD of `tepat demo`
BUDGET_BYTES = 200_000
BUDGET_LCP_MS = 3000
LINK = {"offline": False, "latency": 300, "downloadThroughput": 200_000,
        "uploadThroughput": 200_000}
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 390, "height": 844}
LCP_SCRIPT = """
window.__lcp = 0;
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { window.__lcp = Math.max(window.__lcp, e.startTime); });
  }).observe({type: "largest-contentful-paint", buffered: true});
} catch (e) {}
"""
# Pages behind the navigation: (user, label, how to find its link on which page)
BEHIND = {
    "desa.malesanwetan": [
        ("verify family", "/verval/", r"^/verval/\d+/$"),
        ("usulan list", "/verval/", r"^/verval/usulan/$"),
        ("usulan form", "/verval/usulan/", r"^/verval/usulan/baru/"),
        ("musdes", "/verval/", r"^/verval/musdes/$"),
    ],
    "pejabat": [
        ("gesek family", "/gesek/", r"^/gesek/keluarga/\d+/$"),
    ],
}


def env_for(home: Path) -> dict[str, str]:
    env = {**os.environ, "TEPAT_HOME": str(home), "DEBUG": "0", "TEPAT_ENV": "development"}
    env.pop("DATABASE_URL", None)
    return env


def build(home: Path, households: int) -> None:
    subprocess.run([sys.executable, "-m", "tepat.cli", "demo", "--no-serve", "--households",
                    str(households)], env=env_for(home), check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tepat.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env_for(home), cwd=ROOT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def warm(base: str) -> None:
    """One unthrottled request per worker first: the first answer of a fresh process loads
    Django and the templates (~20 s at CPU ×4), which is no page's weight."""
    for _ in range(4):
        urllib.request.urlopen(base + "/masuk/", timeout=60).read()


@dataclass
class Row:
    user: str
    page: str
    path: str
    first_bytes: float
    first_lcp: float
    first_load: float
    second_bytes: float
    second_lcp: float
    second_load: float

    @property
    def over(self) -> bool:
        return self.first_bytes > BUDGET_BYTES or self.first_lcp > BUDGET_LCP_MS


class Meter:
    """Bytes over the wire of one page's load, from the CDP Network domain."""

    def __init__(self, cdp) -> None:
        self.cdp, self.bytes = cdp, 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))

    def visit(self, page, url: str) -> tuple[int, float, float]:
        self.bytes = 0
        started = time.perf_counter()
        page.goto(url, wait_until="load", timeout=120_000)
        load_ms = (time.perf_counter() - started) * 1000
        page.wait_for_timeout(300)  # LCP entries are reported after the paint
        lcp = float(page.evaluate("window.__lcp || 0"))
        return self.bytes, lcp, load_ms


def measure_page(page, meter: Meter, cdp, base: str, path: str, repeat: int = 1,
                 ) -> tuple[float, ...]:
    """(bytes, LCP, load) of the first and the second visit, each the median of `repeat`
    runs (the VM is shared: one run can catch another process's burst). An LCP the browser
    did not report (0) is left out of its median."""
    runs = []
    for _ in range(repeat):
        cdp.send("Network.clearBrowserCache")
        first = meter.visit(page, urljoin(base, path))
        second = meter.visit(page, urljoin(base, path))
        runs.append((*first, *second))
    figures = []
    for column in zip(*runs, strict=True):
        seen = [v for v in column if v] or [0]
        figures.append(statistics.median(seen))
    return tuple(figures)


def throttled_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    context.add_init_script(LCP_SCRIPT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", LINK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, cdp


def nav_paths(page) -> list[tuple[str, str]]:
    found = page.eval_on_selector_all(
        "nav.main a", "els => els.map(e => [e.textContent.trim(), e.getAttribute('href')])")
    return [(label, href) for label, href in found if href and href.startswith("/")]


def first_link(page, base: str, path: str, pattern: str) -> str | None:
    page.goto(urljoin(base, path), wait_until="load", timeout=120_000)
    hrefs = page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    regex = re.compile(pattern)
    return next((h for h in hrefs if h and regex.search(urlsplit(h).path)), None)


def measure_user(browser, base: str, username: str, repeat: int) -> list[Row]:
    context, page, cdp = throttled_page(browser)
    meter = Meter(cdp)
    rows = []
    try:
        figures = measure_page(page, meter, cdp, base, "/masuk/", repeat)
        rows.append(Row(username, "landing (sign-in)", "/masuk/", *figures))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/$"), timeout=120_000)
        pages = nav_paths(page)
        for label, path, pattern in BEHIND.get(username, []):
            href = first_link(page, base, path, pattern)
            if href:
                pages.append((label, href))
        for label, path in pages:
            figures = measure_page(page, meter, cdp, base, path, repeat)
            rows.append(Row(username, label, path, *figures))
    finally:
        context.close()
    return rows


def print_table(rows: list[Row], repeat: int) -> None:
    print(f"\nPhone budget: {platform.node()} ({os.cpu_count()} CPU), {date.today()}, median of "
          f"{repeat} runs, "
          f"Chromium via Playwright, 390×844, latency {LINK['latency']} ms, "
          f"{LINK['downloadThroughput'] * 8 / 1e6:.1f} Mbit/s, CPU ×{CPU_SLOWDOWN}. "
          f"Budget: first visit ≤ {BUDGET_BYTES // 1000} KB and LCP ≤ {BUDGET_LCP_MS / 1000:.0f} s"
          " (! = over)\n")
    print("| user | page | path | 1st KB | 1st LCP s | 1st load s | 2nd KB | 2nd LCP s "
          "| 2nd load s | |")
    print("|---|---|---|--:|--:|--:|--:|--:|--:|---|")
    for r in rows:
        print(f"| {r.user} | {r.page} | `{r.path}` | {r.first_bytes / 1000:.1f} | "
              f"{r.first_lcp / 1000:.2f} | {r.first_load / 1000:.2f} | "
              f"{r.second_bytes / 1000:.1f} | {r.second_lcp / 1000:.2f} | "
              f"{r.second_load / 1000:.2f} | {'!' if r.over else ''} |")
    over = [r for r in rows if r.over]
    print(f"\n{len(rows)} pages, {len(over)} over budget; largest first visit "
          f"{max(r.first_bytes for r in rows) / 1000:.1f} KB, slowest LCP "
          f"{max(r.first_lcp for r in rows) / 1000:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--home", type=Path, default=HOME)
    parser.add_argument("--users", default="desa.malesanwetan,pejabat")
    parser.add_argument("--url", help="measure a server already running here (no build)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page (median)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        args.home.mkdir(parents=True, exist_ok=True)
        build(args.home, args.households)
        port = free_port()
        server = serve(args.home, port)
        base = f"http://127.0.0.1:{port}"
        warm(base)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            rows = []
            for username in args.users.split(","):
                rows += measure_user(browser, base, username, args.repeat)
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
    print_table(rows, args.repeat)
    return 1 if any(r.over for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
