"""Every xlsx and csv the product hands out keeps a hostile name as text (issue 16 §4).

The hostile values are written straight into the database, as old data or another path might
have left them (the forms refuse them: tests/web/test_forms_refuse_formulas.py). Each export is
produced through its real entry point and read back: an xlsx cell holding one is a text cell
(openpyxl data_type 's', never 'f'; with the quote prefix when it starts like a formula), a csv
cell holding one starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
MALESANWETAN = "35.13.20.2001"
TODAY = date(2024, 4, 1)


def _cells(content: bytes) -> list:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def _core(value: str) -> str:
    """What identifies a hostile value in a cell (a leading tab or CR may come back as is)."""
    return value.lstrip("\t\r")


def assert_every_hostile_value_is_text(content: bytes, values=HOSTILE) -> None:
    cells = _cells(content)
    for value in values:
        holding = [c for c in cells if isinstance(c.value, str) and _core(value) in c.value]
        assert holding, f"{value!r} is missing from the workbook"
        assert all(c.data_type == "s" for c in holding), [(c.coordinate, c.value)
                                                          for c in holding]
        starting = [c for c in holding if c.value.startswith(("=", "+", "-", "@", "\t"))]
        assert all(c.quotePrefix for c in starting), "editing the cell would make a formula"
    assert not [c for c in cells if c.data_type == "f"], "a formula cell"


def assert_every_hostile_value_is_neutralised(text: str, values=HOSTILE) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows for cell in row]
    for value in values:
        assert "'" + value in cells, f"{value!r} is missing from the csv, or not neutralised"
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c[:1] == "-" and not c[1:].replace(".", "").isdigit()]


@pytest.fixture
def hostile(registry, more_families, users):
    """Six families of Malesanwetan whose heads carry the hostile names (written directly), a
    target list of them after one without them, and an open campaign."""
    from tepat.registry.models import Family, Person
    from tepat.verification.campaigns import Decree, register_list
    from tepat.verification.models import TargetList

    earlier = register_list(Family.objects.for_area("35.13").filter(source="p3ke", desil=1),
                            Decree("Daftar sasaran 2023", 2023, "SK 1/2023", date(2023, 5, 2)),
                            actor=users.admin)
    families = more_families(MALESANWETAN, 6)
    for family, name in zip(families, HOSTILE, strict=True):
        Family.objects.for_area(MALESANWETAN).filter(pk=family.pk).update(
            kepala_keluarga=name, desil=1, alamat=name)
        Person.objects.for_area(MALESANWETAN).filter(family=family, hubungan="1").update(
            nama=name)
    new = register_list(Family.objects.for_area("35.13").filter(source="p3ke", desil=1),
                        Decree("Daftar sasaran 2024", 2024, "SK 7/2024", date(2024, 4, 22),
                               previous=earlier), actor=users.admin)
    TargetList.objects.filter(pk=new.pk).update(name=HOSTILE[0], sk_number=HOSTILE[3])
    new.refresh_from_db()
    return SimpleNamespace(earlier=earlier, new=new, families=families)


@pytest.fixture
def hostile_campaign(hostile, campaign):
    """The open campaign, renamed to a hostile value behind the forms' back."""
    from tepat.verification.models import Campaign

    Campaign.objects.filter(pk=campaign.pk).update(name=HOSTILE[0])
    campaign.refresh_from_db()
    return campaign


WHY = {"jenis_tujuan": "pemeriksaan", "tujuan": "Rapat koordinasi TKPK"}


def test_the_target_list_export_keeps_hostile_names_as_text(client_for, hostile):
    response = client_for("admin").post(reverse("target_list_export", args=[hostile.new.pk]),
                                        WHY)
    assert response.status_code == 200
    assert_every_hostile_value_is_text(response.content)


def test_the_diff_export_keeps_hostile_names_as_text(client_for, hostile):
    response = client_for("admin").post(
        reverse("target_list_diff_export", args=[hostile.new.pk]), WHY)
    assert response.status_code == 200
    assert_every_hostile_value_is_text(response.content)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_family_list_export_keeps_hostile_names_as_text(client_for, hostile, fmt):
    response = client_for("admin").post(reverse("family_export") + "?desil=1",
                                        {**WHY, "format": fmt})
    assert response.status_code == 200
    if fmt == "xlsx":
        assert_every_hostile_value_is_text(response.content)
    else:
        assert_every_hostile_value_is_neutralised(response.content.decode("utf-8-sig"))


def test_the_progress_workbook_keeps_a_hostile_campaign_name_as_text(client_for,
                                                                       hostile_campaign):
    response = client_for("admin").get(reverse("progress_xlsx", args=[hostile_campaign.pk]))
    assert response.status_code == 200
    assert_every_hostile_value_is_text(response.content, HOSTILE[:1])
    title = _cells(response.content)[0]
    assert (title.coordinate, title.data_type) == ("A1", "s")
    assert title.value.startswith(HOSTILE[0])


def test_the_odk_form_keeps_hostile_family_names_as_text(hostile_campaign):
    from tepat.verification.odk import build_xlsform

    assert_every_hostile_value_is_text(build_xlsform(hostile_campaign, MALESANWETAN))


def test_the_import_error_report_keeps_hostile_values_as_text(tmp_path):
    from tepat.pipeline import RowError, write_error_report

    errors = [RowError.make("FORMULA", file="p3ke_keluarga.xlsx", row=i, column="nama",
                            value=value) for i, value in enumerate(HOSTILE, start=2)]
    xlsx_path, csv_path = write_error_report(errors, tmp_path, "kesalahan")
    assert_every_hostile_value_is_text(xlsx_path.read_bytes())
    assert_every_hostile_value_is_neutralised(csv_path.read_bytes().decode("utf-8-sig"))


@pytest.fixture
def hostile_catalog(hostile, hostile_campaign, gesek):
    """Programme, agency and official names of the reports, hostile too."""
    from tepat.gesek.models import Agency, Official
    from tepat.interventions.models import Programme

    for programme, name in zip(Programme.objects.order_by("pk"), HOSTILE, strict=False):
        Programme.objects.filter(pk=programme.pk).update(name=name)
    Agency.objects.filter(pk=gesek.agencies.dinsos.pk).update(name=HOSTILE[1],
                                                               short_name=HOSTILE[1])
    Official.objects.filter(pk=gesek.coordinator.pk).update(name=HOSTILE[2])
    return gesek


def test_the_rakor_workbook_keeps_hostile_names_as_text(hostile_catalog):
    from tepat.reports.pack import rakor_pack
    from tepat.reports.xlsx import rakor_xlsx

    content = rakor_xlsx(rakor_pack(today=TODAY))
    assert_every_hostile_value_is_text(content, HOSTILE[:3])


def test_the_quarterly_workbook_keeps_hostile_names_as_text(hostile_catalog):
    from tepat.reports.quarterly import quarterly_pack
    from tepat.reports.xlsx import quarterly_xlsx

    content = quarterly_xlsx(quarterly_pack("2024Q2"))
    assert_every_hostile_value_is_text(content, HOSTILE[:3])


@pytest.mark.parametrize("table", ["progres", "cakupan"])
def test_the_public_csvs_neutralise_hostile_area_names(client, hostile_campaign, hostile,
                                                       table):
    from tepat.regions.models import Region
    from tepat.web.public_data import public_table

    for value in HOSTILE:
        Region.objects.filter(level__in=["kabupaten", "kecamatan"]).update(name=value)
        assert_every_hostile_value_is_neutralised(public_table(table).csv(), [value])
    response = client.get(reverse("public_csv", args=[table]))
    assert response.status_code == 200
    assert_every_hostile_value_is_neutralised(response.content.decode(), HOSTILE[-1:])


def test_the_indicator_template_csv_neutralises_hostile_values():
    from tepat.indicators.loading import template_csv

    text = template_csv([[value, "-5", 12] for value in HOSTILE])
    assert_every_hostile_value_is_neutralised(text)
    assert [row[1:] for row in csv.reader(io.StringIO(text))][1] == ["-5", "12"]
