"""Every upload endpoint and the import command refuse every hostile file of the corpus
(tests/hostile.py) with a message naming it; the database is untouched, this process lives and
its memory, and the parsing children's, stay under the caps (issue 16 §1)."""

from __future__ import annotations

import resource
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from hostile import BUILDERS, Hostile, corpus
from tepat.pipeline.workbook import ParseLimits

SHEETS = [kind for kind, (_n, _b, image) in BUILDERS.items() if not image]
IMAGES = [kind for kind, (_n, _b, image) in BUILDERS.items() if image]
PARENT_GROWTH_CAP_MB = 150
CHILD_PEAK_CAP_MB = ParseLimits().memory_mb

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sheets():
    return corpus(SHEETS)


@pytest.fixture(scope="module")
def images():
    return corpus(IMAGES)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return int(next(ln for ln in fh if ln.startswith("VmRSS:")).split()[1]) / 1024


def _counts() -> dict[str, int]:
    from tepat.gesek.models import Official, Visit
    from tepat.indicators.models import Observation
    from tepat.interventions.models import Intervention
    from tepat.registry.models import Family, Person
    from tepat.registry.scoping import unscoped_access
    from tepat.verification.models import Evidence, Musdes

    models = (Family, Person, Official, Observation, Intervention, Evidence, Musdes, Visit)
    with unscoped_access("test: counting every table's rows"):
        return {model.__name__: model.objects.count() for model in models}


def _upload(item: Hostile, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(item.name, item.data, content_type=content_type)


def _refused_everywhere(items: list[Hostile], post) -> None:
    """Post each file; each answer names it, nothing is written, memory stays bounded."""
    before = _counts()
    for item in items:
        start = _rss_mb()
        shown = post(item)
        assert item.name in shown, (item.kind, shown[:400])
        assert "Traceback" not in shown, item.kind
        assert _counts() == before, item.kind
        assert _rss_mb() - start < PARENT_GROWTH_CAP_MB, item.kind
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert children_mb < CHILD_PEAK_CAP_MB


def _page(response) -> str:
    assert response.status_code < 500
    return unescape(response.content.decode())


# --- spreadsheets --------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch, settings, tmp_path):
    """The registry imports the page queues, to be run as the worker would run them."""
    from tepat.registry import importing

    settings.IMPORT_DIR = tmp_path / "imports"
    calls: list[tuple] = []
    monkeypatch.setattr(importing, "import_task",
                        SimpleNamespace(enqueue=lambda *args: calls.append(args)))
    return calls


def test_the_registry_import_page_refuses_every_hostile_file(client_for, users, sheets, queued):
    from tepat.registry.importing import run_import

    client = client_for("admin")

    def post(item):
        response = client.post(reverse("import_new"), {
            "source": "p3ke", "period": "2024-03", "family_file": _upload(item)})
        assert response.status_code == 302
        batch_id, family_path, _person = queued.pop()
        run_import(batch_id, Path(family_path), None)  # what `tepat worker` does
        return _page(client.get(response["Location"]))

    _refused_everywhere(sheets, post)


def test_the_import_command_refuses_every_hostile_file(regions, sheets, tmp_path):
    def post(item):
        with pytest.raises(CommandError) as caught:
            call_command("import_source", str(item.write(tmp_path)), source="p3ke",
                         period="2024-03", verbosity=0)
        return str(caught.value)

    _refused_everywhere(sheets, post)


def test_the_programme_beneficiary_upload_refuses_every_hostile_file(client_for, gesek, sheets):
    client = client_for("admin")
    programme = gesek.programmes["PKH"]

    def post(item):
        return _page(client.post(reverse("programme_upload", args=[programme.pk]),
                                 {"berkas": _upload(item)}))

    _refused_everywhere(sheets, post)


def test_the_programme_disbursement_upload_refuses_every_hostile_file(client_for, gesek, sheets):
    client = client_for("admin")
    programme = gesek.programmes["PKH"]

    def post(item):
        return _page(client.post(reverse("disbursement_upload", args=[programme.pk]),
                                 {"berkas": _upload(item)}))

    _refused_everywhere(sheets, post)


def test_the_officials_import_refuses_every_hostile_file(client_for, users, sheets):
    client = client_for("admin")

    def post(item):
        return _page(client.post(reverse("gesek_officials_import"), {"file": _upload(item)}))

    _refused_everywhere(sheets, post)


def test_the_users_import_refuses_every_hostile_file(client_for, users, sheets):
    from tepat.accounts.models import User

    client = client_for("admin")
    accounts = User.objects.count()

    def post(item):
        return _page(client.post(reverse("users_import"), {"file": _upload(item)}))

    _refused_everywhere(sheets, post)
    assert User.objects.count() == accounts


def test_the_indicators_import_refuses_every_hostile_file(client_for, users, sheets):
    client = client_for("admin")

    def post(item):
        return _page(client.post(reverse("indicators_import"), {"file": _upload(item)}))

    _refused_everywhere(sheets, post)


def test_the_odk_submissions_upload_refuses_every_hostile_file(client_for, campaign, sheets):
    client = client_for("operator_desa")

    def post(item):
        return _page(client.post(reverse("odk_import"), {"file": _upload(item)}))

    _refused_everywhere(sheets, post)


# --- images --------------------------------------------------------------------------------------


def test_a_house_photo_above_the_pixel_limit_is_refused_before_decoding(
        client_for, campaign, registry, images):
    from tepat.verification.models import Verification

    client = client_for("operator_desa")
    bombs = [item for item in images if "bom" in item.kind]
    family = next(f for f in registry.all_families if f.kepala_keluarga == "Misnati")
    verification = Verification.objects.get(campaign=campaign, family=family)

    def post(item):
        fields = {"version": verification.version, "outcome": "LAYAK", "reason": "", "note": "",
                  "destination": "", "duplicate_of": "", "alamat_baru": "", "head": "",
                  "latitude": "", "longitude": "", "action": "draft",
                  "photos": [_upload(item, "image/png")]}
        return _page(client.post(reverse("verify_family", args=[verification.pk]), fields))

    _refused_everywhere(bombs, post)


def test_a_berita_acara_scan_above_the_pixel_limit_is_refused(client_for, campaign, images):
    client = client_for("operator_desa")
    bombs = [item for item in images if "bom" in item.kind]

    def post(item):
        return _page(client.post(reverse("verify_musdes"), {
            "held_on": "2024-03-20", "attendance": "41", "berita_acara": _upload(item)}))

    _refused_everywhere(bombs, post)


def test_a_png_with_a_workbook_appended_is_stored_as_a_fresh_jpeg(client_for, campaign, registry,
                                                                  images):
    from PIL import Image

    from tepat.verification.models import Verification

    polyglot = next(item for item in images if "png+zip" in item.kind)
    family = next(f for f in registry.all_families if f.kepala_keluarga == "Misnati")
    verification = Verification.objects.get(campaign=campaign, family=family)
    response = client_for("operator_desa").post(
        reverse("verify_family", args=[verification.pk]),
        {"version": verification.version, "outcome": "LAYAK", "reason": "", "note": "",
         "destination": "", "duplicate_of": "", "alamat_baru": "", "head": "", "latitude": "",
         "longitude": "", "action": "draft", "photos": [_upload(polyglot, "image/png")]})
    assert response.status_code == 302
    evidence = verification.evidence.get()
    with evidence.photo.open("rb") as stored:
        data = stored.read()
    assert b"PK\x03\x04" not in data
    with evidence.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
