"""`tepat demo` serves the product's own error pages (DEBUG off) and still its static files.

The demo is started for real in a subprocess (a tiny instance of its own: 20 households in a
temporary folder), asked over HTTP, then stopped with its background worker.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def _wait_until_up(base: str, demo: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            pytest.fail(f"tepat demo stopped: {demo.stdout.read()}")
        try:
            _get(base + "/masuk/")
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("tepat demo did not answer in time")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update({"TEPAT_HOME": str(home), "DATABASE_URL": f"sqlite:///{home}/demo.sqlite3"})
    addr = f"127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "tepat.cli", "demo", "--households", "20", "--addr", addr],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group: the worker it starts stops with it
    )
    try:
        _wait_until_up(f"http://{addr}", process)
        yield f"http://{addr}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.mark.slow
def test_a_missing_page_is_the_products_own_404(demo):
    status, content_type, html = _get(demo + "/tidak-ada/")
    assert status == 404 and content_type.startswith("text/html")
    assert "Tidak ditemukan" in html and "/static/web/tepat.css" in html
    assert "URLconf" not in html and "DEBUG = True" not in html  # not Django's technical page


@pytest.mark.slow
def test_the_stylesheet_is_still_served(demo):
    status, content_type, css = _get(demo + "/static/web/tepat.css")
    assert status == 200 and content_type.startswith("text/css") and css.strip()


@pytest.mark.slow
def test_the_login_page_opens(demo):
    status, _, html = _get(demo + "/masuk/")
    assert status == 200 and "Masuk ke Tepat" in html
