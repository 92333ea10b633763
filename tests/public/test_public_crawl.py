"""A crawler walks every public page and export, as an anonymous visitor, and looks for every
name, NIK, KK, address and coordinate of the registry: none may appear (issue 5 §4)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import reverse

from tepat.web.metric_maps import METRICS

FULL_NUMBER = re.compile(r"(?<![0-9.])[0-9]{16}(?![0-9])")
LINK = re.compile(r'(?:href|src|action)="([^"]+)"')


def _links(base: str, body: str) -> set[str]:
    found = set()
    for raw in LINK.findall(body):
        url = urljoin(base, unescape(raw))
        parts = urlsplit(url)
        if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(start: str) -> dict[str, tuple[int, str]]:
    """Every same-site URL reachable from `start` by GET: url -> (status, body)."""
    client, seen, queue = Client(), {}, [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url, follow=True)
        content = (b"".join(response.streaming_content) if response.streaming
                   else response.content)
        body = content.decode("utf-8", errors="replace")
        seen[url] = (response.status_code, body)
        if "html" in response.get("Content-Type", ""):
            queue += sorted(_links(url, body) - set(seen))
    return seen


def test_no_personal_data_on_any_public_page_or_export(public_world):
    from tepat.indicators.services import load_packaged

    load_packaged()  # the page as it will be: with the indicator series and targets
    pages = crawl(reverse("public"))
    for metric in METRICS:  # every map of the switcher
        assert f"/publik/?peta={metric}" in pages
    assert "/publik/progres.csv" in pages and "/publik/cakupan.csv" in pages
    assert all(status == 200 for status, _ in pages.values()), {
        url: status for url, (status, _) in pages.items() if status != 200}
    secrets = public_world.secrets()
    assert len(secrets) > 100  # names, numbers, addresses, coordinates of ~150 families
    leaks = {(url, secret) for url, (_, body) in pages.items() for secret in secrets
             if secret in body}
    assert leaks == set()
    numbers = {url: FULL_NUMBER.findall(body) for url, (_, body) in pages.items()}
    assert not any(numbers.values()), numbers


def test_the_crawler_would_notice_a_leak(public_world):
    """The search above can fail: a page that shows a head of family is caught."""
    family = public_world.registry.all_families[0]
    body = f"<p>{family.kepala_keluarga} {family.nik}</p>"
    assert {s for s in public_world.secrets() if s in body} >= {family.kepala_keluarga,
                                                                 family.nik}
