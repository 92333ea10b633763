"""plotly.js, served from the installed plotly package: offices are often offline, so no CDN.

The URL carries the plotly.js version, so the file can be cached for a year and a plotly upgrade
still reaches every browser. Browsers that accept gzip get it compressed (4.8 MB -> 1.4 MB),
compressed once per process.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import plotly
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from plotly.offline import get_plotlyjs_version

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
YEAR = 365 * 24 * 3600


@cache
def plotly_version() -> str:
    return get_plotlyjs_version()


@cache
def _gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=6, mtime=0)


@require_GET
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    if version != plotly_version():
        raise Http404("unknown plotly.js version")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response: HttpResponse = HttpResponse(_gzipped(), content_type="text/javascript")
        response["Content-Encoding"] = "gzip"
    else:
        response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript")
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Vary"] = "Accept-Encoding"
    return response
