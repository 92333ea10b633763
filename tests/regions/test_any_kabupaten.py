"""Issue 19 §1: any kabupaten/kota. Kab. Probolinggo (35.13, packaged desa layer), Kota Surabaya
(35.78, kelurahan only, desa layer from the Jawa Timur package) and Kab. Sleman (34.04, outside
Jawa Timur: no desa layer, kecamatan-level maps until an admin loads one)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tepat import synth
from tepat.audit.models import AuditEvent
from tepat.core import boundaries as packaged
from tepat.regions import boundaries, selectors
from tepat.regions.models import Instance, Level, Region

PROBOLINGGO, SURABAYA, SLEMAN = "35.13", "35.78", "34.04"
KABUPATEN = (PROBOLINGGO, SURABAYA, SLEMAN)


@pytest.fixture
def instance_dir(settings, tmp_path):
    settings.INSTANCE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    boundaries.forget()
    yield tmp_path
    boundaries.forget()


def _setup(code: str) -> None:
    call_command("setup", "--kabupaten", code, stdout=io.StringIO())


@pytest.fixture
def set_up(db, instance_dir):
    """`tepat setup --kabupaten CODE`, forgotten after the test."""
    yield _setup
    selectors.forget()
    boundaries.forget()


def _square(lng: float, lat: float, half: float = 0.002) -> dict:
    ring = [[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half],
            [lng - half, lat + half], [lng - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


def _sleman_desa_file(path: Path, count: int = 5, **broken: dict) -> Path:
    """A desa GeoJSON of the first `count` desa of Kab. Sleman: a small square at their
    kecamatan's centre (shifted per desa so that none overlaps)."""
    centres = packaged.centroids(packaged.packaged_kecamatan_layer(SLEMAN))
    codes = sorted(Region.objects.filter(level=Level.DESA, code__startswith=SLEMAN + ".")
                   .values_list("code", flat=True))[:count]
    features = []
    for i, code in enumerate(codes):
        lat, lng = centres[code.rsplit(".", 1)[0]]
        features.append({"type": "Feature", "properties": {"kode_desa": code.replace(".", "")},
                         "geometry": broken.get(code) or _square(lng + 0.01 * i, lat)})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


# --- the packaged layers --------------------------------------------------------------------


def test_the_package_holds_desa_for_jawa_timur_and_kecamatan_for_every_kabupaten():
    assert len(packaged.packaged_desa_layer(PROBOLINGGO)["features"]) == 330
    surabaya = packaged.packaged_desa_layer(SURABAYA)["features"]
    assert len(surabaya) == 153
    assert all(f["properties"]["code"].split(".")[3].startswith("1") for f in surabaya)
    assert packaged.packaged_desa_layer(SLEMAN) is None
    assert len(packaged.packaged_kecamatan_layer(SLEMAN)["features"]) == 17
    assert packaged.kabupaten_outline(SLEMAN)["properties"]["name"] == "Kabupaten Sleman"


def test_centroids_come_from_the_file_or_from_the_geometry():
    probolinggo = packaged.centroids(packaged.packaged_desa_layer(PROBOLINGGO))
    assert len(probolinggo) == 330  # the file's own lat/lng
    surabaya = packaged.centroids(packaged.packaged_desa_layer(SURABAYA))
    lat, lng = surabaya["35.78.01.1001"]
    assert -7.5 < lat < -7.1 and 112.5 < lng < 112.9


# --- set-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code, kecamatan, desa", [(PROBOLINGGO, 24, 330), (SURABAYA, 31, 153),
                                                   (SLEMAN, 17, 86)])
def test_setup_makes_the_instance_that_of_the_kabupaten(set_up, code, kecamatan, desa):
    set_up(code)
    assert Instance.objects.get().kabupaten_id == code
    assert selectors.regency() == code
    assert Region.objects.filter(level=Level.KECAMATAN, code__startswith=code + ".").count() == (
        kecamatan)
    assert len(selectors.desa_names()) == desa
    assert AuditEvent.objects.filter(action="regions.instance.regency_set").count() == 1
    set_up(code)  # again: nothing changes, nothing more is logged
    assert AuditEvent.objects.filter(action="regions.instance.regency_set").count() == 1


def test_setup_says_which_maps_the_kabupaten_gets(set_up, capsys):
    call_command("setup", "--kabupaten", SLEMAN)
    assert "tingkat kecamatan" in capsys.readouterr().out
    call_command("setup", "--kabupaten", "3578")  # undotted is understood too
    assert "tingkat desa" in capsys.readouterr().out


def test_setup_refuses_an_unknown_code_and_a_registry_of_another_kabupaten(set_up, tmp_path):
    with pytest.raises(CommandError, match="35.99.*Kemendagri"):
        call_command("setup", "--kabupaten", "35.99")
    set_up(SURABAYA)
    _import(SURABAYA, tmp_path, 20)
    with pytest.raises(CommandError, match="di luar 34.04"):
        set_up(SLEMAN)
    assert selectors.regency() == SURABAYA


# --- synth and import -----------------------------------------------------------------------


def _import(code: str, folder: Path, households: int = 300):
    from tepat.registry.importing import import_files
    from tepat.registry.models import BatchStatus

    data = synth.generate(households, 7, kabupaten=code)
    paths = synth.write(data, folder / code, "csv")
    batch = import_files(paths[0], paths[1], source="p3ke", period="2024-03")
    assert batch.status == BatchStatus.DONE, batch.message
    return batch


@pytest.mark.parametrize("code", KABUPATEN)
def test_synthetic_data_of_any_kabupaten_lives_in_its_desa(code):
    data = synth.generate(300, 3, kabupaten=code)
    desa = {str(c) for c in data.families["kode_kemdagri"].unique()}
    kab10 = code.replace(".", "")
    assert desa and all(c.startswith(kab10) for c in desa)
    if code == SURABAYA:  # a kota of kelurahan only
        assert all(c[6] == "1" for c in desa)
    names = set(data.families["kabupaten_kota"].unique())
    assert names == {{PROBOLINGGO: "KAB. PROBOLINGGO", SURABAYA: "KOTA SURABAYA",
                      SLEMAN: "KAB. SLEMAN"}[code]}


def test_probolinggo_data_is_what_it_was():
    """The default stays Kab. Probolinggo, seed for seed."""
    assert synth.generate(50, 11).families.equals(
        synth.generate(50, 11, kabupaten=PROBOLINGGO).families)


@pytest.mark.parametrize("code", (SURABAYA, SLEMAN))
def test_import_takes_the_kabupatens_families_and_refuses_others(set_up, tmp_path, code):
    from tepat.registry.models import BatchStatus, Family

    set_up(code)
    batch = _import(code, tmp_path)
    held = Family.objects.unscoped("test: where the families live")
    assert batch.families_added > 250
    assert not held.exclude(desa__code__startswith=code + ".").exists()

    from tepat.registry.importing import import_files

    other = synth.write(synth.generate(20, 1), tmp_path / "probolinggo", "csv")
    refused = import_files(other[0], other[1], source="p3ke", period="2024-04")
    assert refused.status == BatchStatus.REJECTED


# --- maps -----------------------------------------------------------------------------------


def test_maps_draw_desa_where_a_layer_is_packaged_and_kecamatan_elsewhere(set_up):
    from tepat.web.metric_maps import DESA, KECAMATAN, metric_map, shapes

    set_up(SURABAYA)
    assert len(shapes(KECAMATAN)) == 31
    surabaya = metric_map("progress", DESA, kecamatan="35.78.01")
    assert not surabaya.fallback and surabaya.level == DESA
    assert set(surabaya.names) <= set(selectors.desa_names()) and surabaya.names

    set_up(SLEMAN)  # another instance: no families yet, so the kabupaten may change
    sleman = metric_map("progress", DESA, kecamatan="34.04.01")
    assert sleman.fallback and sleman.level == KECAMATAN
    assert list(sleman.names) == ["34.04.01"]
    assert sleman.note.startswith("Peta tingkat kecamatan")
    assert len(shapes(KECAMATAN)) == 17


def test_a_kecamatan_user_sees_the_fallback_note_on_the_dashboard(set_up, client, tmp_path):
    from tepat.accounts.models import Role, User

    set_up(SLEMAN)
    _import(SLEMAN, tmp_path, 200)
    kecamatan = selectors.kecamatan()[0].code
    user = User.objects.create(username="kec.sleman", role=Role.OPERATOR_KECAMATAN,
                               area_id=kecamatan)
    client.force_login(user)
    html = client.get("/dasbor/").content.decode()  # "/" is the role's first page
    assert "map-level-note" in html and "Peta tingkat kecamatan" in html


# --- an admin's own desa layer --------------------------------------------------------------


def test_an_admins_desa_layer_turns_desa_maps_on(set_up, tmp_path, capsys):
    from tepat.web.metric_maps import DESA, metric_map

    set_up(SLEMAN)
    path = _sleman_desa_file(tmp_path / "sleman_desa.geojson")
    call_command("regions", "boundaries", str(path))
    out = capsys.readouterr().out
    assert "5 desa/kelurahan dimuat" in out and "Tanpa poligon" in out
    assert boundaries.desa_layer_source() == "admin" and boundaries.has_desa_layer()
    assert (boundaries.admin_desa_path(SLEMAN)).exists()
    first = sorted(selectors.desa_names())[0]
    drawn = metric_map("progress", DESA, kecamatan=first.rsplit(".", 1)[0])
    assert not drawn.fallback and first in drawn.names
    assert AuditEvent.objects.filter(action="regions.boundaries.loaded").count() == 1
    # distances: a desa of the file at its polygon's centre, the others at their kecamatan's
    centroids = boundaries.desa_centroids()
    assert len(centroids) == 86 and boundaries.centroid(first) == centroids[first]


def test_a_bad_desa_layer_is_refused_whole_naming_the_feature(set_up, tmp_path):
    set_up(SLEMAN)
    codes = sorted(selectors.desa_names())
    bowtie = {"type": "Polygon", "coordinates": [[[110.3, -7.7], [110.31, -7.71],
                                                  [110.31, -7.7], [110.3, -7.71],
                                                  [110.3, -7.7]]]}
    path = _sleman_desa_file(tmp_path / "bad.geojson", **{codes[2]: bowtie})
    with pytest.raises(CommandError) as refused:
        call_command("regions", "boundaries", str(path))
    message = str(refused.value)
    assert f"fitur 3 ({codes[2]})" in message and "geometri tidak sah" in message
    assert "feature 3" in message and "not valid" in message
    assert not boundaries.admin_desa_path(SLEMAN).exists() and not boundaries.has_desa_layer()

    data = json.loads(path.read_text())
    data["features"][2]["geometry"] = _square(110.3, -7.7)
    data["features"][0]["properties"] = {"code": "35.13.20.2001"}  # a desa of another regency
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"fitur 1 \(35.13.20.2001\): kode desa tidak ada"):
        call_command("regions", "boundaries", str(path))
    path.write_text("{not json")
    with pytest.raises(CommandError, match="bukan GeoJSON yang sah"):
        call_command("regions", "boundaries", str(path))
    assert not AuditEvent.objects.filter(action="regions.boundaries.loaded").exists()


# --- reports, indicators, demo areas --------------------------------------------------------


def test_the_rakor_pack_is_the_instances_kabupaten(set_up, tmp_path):
    from tepat.reports.pack import rakor_pack

    set_up(SURABAYA)
    pack = rakor_pack()
    assert pack.region_code == SURABAYA and pack.region_name == "Kota Surabaya"
    assert "Kota Surabaya" in pack.title


def test_the_indicators_page_says_when_the_kabupaten_has_no_bps_series(set_up, client):
    from tepat.accounts.models import Role, User
    from tepat.indicators.services import load_packaged

    set_up(SLEMAN)
    load_packaged()  # Probolinggo's series: not Sleman's
    admin = User.objects.create(username="admin.sleman", role=Role.ADMIN_KABUPATEN,
                                area_id=SLEMAN)
    client.force_login(admin)
    html = client.get("/indikator/").content.decode()
    assert "Belum ada seri BPS untuk Kabupaten Sleman" in html
    assert html.count("Kabupaten Probolinggo") == 1  # only in "the packaged series is its"


def test_the_demo_users_work_in_the_kabupatens_own_areas():
    from tepat.web.management.commands.demo import demo_users

    assert [u[0] for u in demo_users(PROBOLINGGO)][-2:] == ["kec.tegalsiwalan",
                                                            "desa.malesanwetan"]
    surabaya = demo_users(SURABAYA)
    assert surabaya[-1][0].startswith("kel.") and surabaya[-1][2].startswith("35.78.")
    assert {u[2] for u in demo_users(SLEMAN)[:3]} == {SLEMAN}


def test_a_regencys_own_bps_series_loads_from_a_file_and_shows(set_up, client, tmp_path):
    from tepat.accounts.models import Role, User
    from tepat.indicators.selectors import headline
    from tepat.indicators.services import import_observations

    set_up(SLEMAN)
    admin = User.objects.create(username="admin.sleman", role=Role.ADMIN_KABUPATEN,
                                area_id=SLEMAN)
    path = tmp_path / "sleman_bps.csv"
    path.write_text(
        "kode_wilayah,region,year,indicator,value,source\n"
        "34.04,Kabupaten Sleman,2023,p0_percent_poor,7.74,BPS Kabupaten Sleman (uji)\n"
        "34.04,Kabupaten Sleman,2024,p0_percent_poor,7.17,BPS Kabupaten Sleman (uji)\n",
        encoding="utf-8")
    report = import_observations(admin, path)
    assert report.ok and report.added == 2, report.problems
    assert headline().p0.latest.value == pytest.approx(7.17)
    client.force_login(admin)
    html = client.get("/indikator/").content.decode()
    assert "Belum ada seri BPS" not in html and "Kabupaten Sleman" in html
