"""Every source offered imports a sample: DTKS (its own layout), lokal (through a saved column
mapping template), and P3KE/DTSEN with `--mapping`; templates are audited."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from tepat import synth
from tepat.audit.models import AuditEvent
from tepat.registry.importing import import_files
from tepat.registry.mappings import MappingError, save_template
from tepat.registry.models import BatchStatus, Family, MappingTemplate, Person, Source
from tepat.synth.dtks import FLAG_DESIL, from_dtsen, write_dtks

HOUSEHOLDS = 300
LOKAL_MAPPING = {
    "source_family_id": "NO KARTU KELUARGA",
    "no_kk": "NO KARTU KELUARGA",
    "kode_kemdagri": "KODE DESA",
    "nama": "NAMA ANGGOTA",
    "nik": "NIK ANGGOTA",
    "hubungan": "HUBUNGAN",
    "jenis_kelamin": "JK",
    "tanggal_lahir": "TGL LAHIR",
}


@pytest.fixture(scope="module")
def dtsen() -> synth.SynthData:
    return synth.generate(HOUSEHOLDS, 11, source="dtsen")


@pytest.fixture(scope="module")
def dtks_files(dtsen, tmp_path_factory) -> list[Path]:
    return write_dtks(dtsen, tmp_path_factory.mktemp("dtks"))


@pytest.fixture(scope="module")
def lokal_file(dtsen, tmp_path_factory) -> Path:
    """The DTSEN persons as a regency's own one-sheet list: one row per person, the family's
    No KK and desa repeated, own headers, no person ID."""
    fam = dtsen.families.select("id_keluarga_dtsen", "no_kk", "kode_kemdagri")
    rows = dtsen.persons.join(fam, on="id_keluarga_dtsen", how="left", maintain_order="left")
    table = rows.select(
        pl.col("no_kk").alias("NO KARTU KELUARGA"),
        pl.col("kode_kemdagri").alias("KODE DESA"),
        pl.col("nama").alias("NAMA ANGGOTA"),
        pl.col("nik").alias("NIK ANGGOTA"),
        pl.col("hubungan_dengan_kepala_keluarga").alias("HUBUNGAN"),
        pl.col("jenis_kelamin").alias("JK"),
        pl.col("tanggal_lahir").cast(pl.String).alias("TGL LAHIR"),
        pl.lit("x").alias("KETERANGAN"),
    ).filter(pl.col("NO KARTU KELUARGA").is_not_null() & (pl.col("NO KARTU KELUARGA") != ""))
    path = tmp_path_factory.mktemp("lokal") / "daftar_desa.csv"
    table.write_csv(path)
    return path


def test_dtks_pair_imports_with_no_desil_and_its_programme_flags(regions, dtsen, dtks_files):
    call_command("import_source", *map(str, dtks_files[:2]), source="dtks", verbosity=0)
    families, persons = from_dtsen(dtsen)
    assert Family.objects.filter(source="dtks").count() == families.height
    assert Person.objects.filter(source="dtks").count() == persons.height
    assert not Family.objects.filter(desil__isnull=False).exists()  # DTKS has no desil
    expected = families.filter(pl.col("penerima_pbi_jk") == "Ya").height
    assert expected and Family.objects.filter(penerima_pbi_jk="1").count() == expected
    top = dict(FLAG_DESIL)["penerima_pkh"]
    assert top < dict(FLAG_DESIL)["penerima_pbi_jk"]
    assert Family.objects.filter(penerima_pkh="1").count() < expected
    # the same pair again changes nothing
    batch = import_files(dtks_files[0], dtks_files[1], source="dtks")
    assert batch.status == BatchStatus.DONE
    assert (batch.families_added, batch.families_changed) == (0, 0)
    assert (batch.persons_added, batch.persons_changed) == (0, 0)


def test_the_dashboard_copes_with_families_without_desil(regions, dtks_files, client, users):
    call_command("import_source", *map(str, dtks_files[:2]), source="dtks", verbosity=0)
    client.force_login(users.admin)
    assert client.get("/").status_code == 200


def test_lokal_needs_a_template_and_says_which_exist(regions, lokal_file):
    with pytest.raises(CommandError, match="--mapping"):
        call_command("import_source", str(lokal_file), source="lokal", verbosity=0)
    save_template(user=None, name="desa-2025", source="local", mapping=LOKAL_MAPPING)
    with pytest.raises(CommandError) as caught:
        call_command("import_source", str(lokal_file), source="lokal", mapping="tidak-ada",
                     verbosity=0)
    assert "tidak-ada" in str(caught.value) and "desa-2025" in str(caught.value)
    with pytest.raises(CommandError, match="untuk sumber local"):
        call_command("import_source", str(lokal_file), source="p3ke", mapping="desa-2025",
                     verbosity=0)


def test_lokal_imports_through_its_template_and_again_adds_nothing(regions, dtsen, lokal_file):
    save_template(user=None, name="desa-2025", source="local", mapping=LOKAL_MAPPING)
    call_command("import_source", str(lokal_file), source="lokal", mapping="desa-2025",
                 verbosity=0)
    batch = MappingTemplate.objects.get(name="desa-2025")
    first = Person.objects.filter(source="local").count()
    assert first > 0 and Family.objects.filter(source="local").count() > 0
    assert Person.objects.filter(source="local", source_person_id__endswith="-1").exists()
    again = import_files(lokal_file, None, source="local", mapping=batch.mapping,
                         mapping_template=batch)
    assert again.status == BatchStatus.DONE, again.message
    assert (again.persons_added, again.persons_changed) == (0, 0)
    assert again.mapping == LOKAL_MAPPING and again.mapping_template == batch


def test_mapping_works_for_any_source(regions, dtsen, tmp_path):
    """A DTSEN export whose headers were renamed by hand imports through a template."""
    renamed = {"id_keluarga_dtsen": "Kode Keluarga", "kode_kemdagri": "Wilayah",
               "desil_nasional": "Peringkat"}
    paths = synth.write(dtsen, tmp_path, "csv")[:2]
    pl.read_csv(paths[0], infer_schema=False).rename(renamed).write_csv(paths[0])
    with pytest.raises(CommandError):
        call_command("import_source", *map(str, paths), source="dtsen", verbosity=0)
    mapping = {"source_family_id": "Kode Keluarga", "kode_kemdagri": "Wilayah",
               "desil": "Peringkat", "kepala_keluarga": "nama_kepala_keluarga",
               "nik": "nik_kepala_keluarga", "no_kk": "no_kk", "nama": "nama",
               "source_person_id": "id_individu_dtsen", "hubungan":
               "hubungan_dengan_kepala_keluarga"}
    # the person file keeps its own family ID header: the template names the family file's
    person = pl.read_csv(paths[1], infer_schema=False).rename(
        {"id_keluarga_dtsen": "Kode Keluarga"})
    person.write_csv(paths[1])
    save_template(user=None, name="dtsen-ubah", source="dtsen", mapping=mapping)
    call_command("import_source", *map(str, paths), source="dtsen", mapping="dtsen-ubah",
                 verbosity=0)
    assert Family.objects.filter(source="dtsen").count() == dtsen.families.height
    assert Person.objects.filter(source="dtsen").count() == dtsen.persons.height


def test_every_source_choice_has_a_layout():
    from tepat.core.layout import Unit, layout_for

    for source in Source.values:
        assert layout_for(source, Unit.FAMILY).source == source
        assert layout_for(source, Unit.PERSON).source == source


def test_templates_are_audited_and_checked(regions, users):
    template = save_template(user=users.admin, name="  desa  2025 ", source="local",
                             mapping={**LOKAL_MAPPING, "alamat": ""})
    assert template.name == "desa 2025" and "alamat" not in template.mapping
    save_template(user=users.admin, name="desa 2025", source="local",
                  mapping={**LOKAL_MAPPING, "desil": "DESIL"})
    events = list(AuditEvent.objects.filter(action__startswith="registry.mapping.")
                  .order_by("pk").values_list("action", flat=True))
    assert events == ["registry.mapping.created", "registry.mapping.updated"]
    with pytest.raises(MappingError, match="kode desa"):
        save_template(user=users.admin, name="kurang", source="local",
                      mapping={"source_family_id": "KK", "nama": "NAMA"})
    with pytest.raises(MappingError, match="sudah ada"):
        save_template(user=users.admin, name="desa 2025", source="p3ke", mapping=LOKAL_MAPPING)
    assert not MappingTemplate.objects.filter(name="kurang").exists()


def test_the_mapping_command_lists_shows_saves_and_suggests(regions, lokal_file, capsys):
    call_command("mapping", "save", "cli", "--source", "lokal",
                 *(f"{k}={v}" for k, v in LOKAL_MAPPING.items()))
    call_command("mapping", "list")
    assert "cli" in capsys.readouterr().out
    call_command("mapping", "show", "cli")
    assert '"NIK ANGGOTA"' in capsys.readouterr().out
    call_command("mapping", "suggest", str(lokal_file), "--source", "lokal")
    suggested = capsys.readouterr().out
    assert '"nik": "NIK ANGGOTA"' in suggested and '"kode_kemdagri": "KODE DESA"' in suggested
    with pytest.raises(CommandError, match="tidak ada"):
        call_command("mapping", "show", "nope")
    with pytest.raises(CommandError, match="KOLOM_TEPAT=JUDUL"):
        call_command("mapping", "save", "x", "--source", "lokal", "gaji=GAJI")


def test_tepat_synth_writes_a_dtks_pair_that_imports(regions, tmp_path):
    call_command("synth", "--source", "dtks", "--households", "60", "--out", str(tmp_path),
                 verbosity=0)
    paths = sorted(tmp_path.glob("dtks_*.csv"))
    assert [p.name for p in paths] == ["dtks_anggota.csv", "dtks_keluarga.csv"]
    batch = import_files(paths[1], paths[0], source="dtks")
    assert batch.status == BatchStatus.DONE, batch.message
    assert batch.families_added == Family.objects.count() > 0
