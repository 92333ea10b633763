"""PDF of the rakor pack and the quarterly report: HTML templates rendered by WeasyPrint.

A4, Indonesian, the summary (or the cover of the quarterly report) on page 1, "Halaman X dari
Y" from CSS page counters, table headers repeated on every page, charts and maps as the inline
SVGs of the pack. No external resource: the stylesheet is inlined, fonts come from the system
(DejaVu), and a URL fetcher refuses anything that is not a `data:` URL.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from tepat.reports.pack import RakorPack
from tepat.reports.quarterly import QuarterlyPack


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Offline by construction: only data: URLs may be read (none are needed today).
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def rakor_html(pack: RakorPack) -> str:
    with translation.override("id"):
        return render_to_string("reports/rakor.html", {"pack": pack, "s": pack.summary})


def quarterly_html(pack: QuarterlyPack) -> str:
    with translation.override("id"):
        return render_to_string("reports/quarterly.html", {"pack": pack})


def rakor_pdf(pack: RakorPack) -> bytes:
    return html_to_pdf(rakor_html(pack))


def quarterly_pdf(pack: QuarterlyPack) -> bytes:
    return html_to_pdf(quarterly_html(pack))
