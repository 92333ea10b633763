"""plotly.js served from the installed package: no CDN, cached for a year, gzip when accepted."""

from __future__ import annotations

import gzip

from django.test import Client
from django.urls import reverse

from tepat.web.views.assets import PLOTLY_JS, plotly_version


def _url() -> str:
    return reverse("plotly_js", args=[plotly_version()])


def test_plotly_js_is_served_from_the_package_with_long_caching(db):
    response = Client().get(_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = b"".join(response.streaming_content)
    assert body == PLOTLY_JS.read_bytes()


def test_plotly_js_is_gzipped_when_the_browser_accepts_it(db):
    response = Client().get(_url(), headers={"Accept-Encoding": "gzip, deflate"})
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == PLOTLY_JS.read_bytes()
    assert len(response.content) < PLOTLY_JS.stat().st_size / 2


def test_an_old_version_is_not_found(db):
    assert Client().get(reverse("plotly_js", args=["0.0.1"])).status_code == 404


def test_the_stylesheet_is_a_local_static_file(db):
    response = Client().get("/static/web/tepat.css")
    assert response.status_code == 200
