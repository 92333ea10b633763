"""The scene of tests/web/test_url_matrix.py: one object of every kind the URLs take, in each of
the three desa of the `registry` fixture, built once for the whole walk.

    Kec. Tegalsiwalan (35.13.20)  Desa Malesanwetan (M) and Desa Gunungbekel (G)
    Kec. Sukapura (35.13.01)      Desa Ngadisari (N)

Per desa: a family, its verification, a house photo, a musdes with its berita acara, a submitted
usulan baru, a target-list entry with its pendamping official and a visit with a photo.
Stored references that point outside an area (issue 16 §3, "No oracle"): the usulan of M may be
Poniti (N) or Siti Aminah (G), Misnati's submitted verification says GANDA of Poniti, and two
kasus ganda lintas wilayah wait: usulan M / family G in Tegalsiwalan's queue ("T"), usulan N /
Sutrisno (M) in the kabupaten's ("K"). No page may name the family outside the reader's area. The
entries of Sutrisno (M) and Siti Aminah (G) are assigned to the official of the `pejabat`
persona; Misnati (M) to another official of the same team; Poniti (N) to the Sukapura team.
Person linkage: every person in a cluster of its own, a pair waiting in Tegalsiwalan's queue
("T"), in Sukapura's ("S") and in the kabupaten's ("K"; Sutrisno / Poniti).
Outside the areas: a rejected import with its error report, a change request, an indicator
value, a finished report job, and a beneficiary upload (with an unmatched row) for a programme
of Dinsos (the `opd` persona's agency) and one of Perkim (another agency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

TEGALSIWALAN, SUKAPURA = "35.13.20", "35.13.01"
DESA = {"M": "35.13.20.2001", "G": "35.13.20.2002", "N": "35.13.01.2001"}
KECAMATAN = {"T": TEGALSIWALAN, "S": SUKAPURA}
HEADS = {"M": "Sutrisno", "G": "Siti Aminah", "N": "Poniti"}  # desil 1: in campaign and list
PROPOSED = {"M": "Wagiman", "G": "Painem", "N": "Sarmin"}  # usulan baru, one per desa


@dataclass
class World:
    """Primary keys and codes the URL table builds its URLs from."""

    family: dict[str, int] = field(default_factory=dict)
    verification: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)
    musdes: dict[str, int] = field(default_factory=dict)
    proposal: dict[str, int] = field(default_factory=dict)
    entry: dict[str, int] = field(default_factory=dict)  # + "M2": Misnati, another official's
    visit: dict[str, int] = field(default_factory=dict)  # same keys as `entry`
    programme: dict[str, int] = field(default_factory=dict)  # "own": Dinsos, "other": Perkim
    upload: dict[str, int] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)
    case: dict[str, int] = field(default_factory=dict)  # "T": a kecamatan's queue, "K": kabupaten
    link_pair: dict[str, int] = field(default_factory=dict)  # "T", "S": kecamatan; "K": kabupaten
    link_cluster: dict[str, int] = field(default_factory=dict)  # "T", "S": a cluster in each
    campaign: int = 0
    change: int = 0
    target_list: int = 0
    batch: int = 0
    mapping_token: str = ""  # an upload waiting for its column mapping
    official: int = 0
    observation: int = 0
    report_job: int = 0
    other_user: int = 0
    numbers: set[str] = field(default_factory=set)  # every full NIK/KK of the scene
    names: dict[str, set[str]] = field(default_factory=dict)  # desa code -> family names


def _file(name: str, content: bytes) -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(content, name=name)


JPEG = b"\xff\xd8\xff\xe0 not really a photo \xff\xd9"


def build(users: Any, registry: Any, campaign: Any, gesek: Any, *, import_dir: Path,
          report_dir: Path) -> World:
    from tepat.accounts.models import Role, User
    from tepat.core.identity import make_nik
    from tepat.gesek.models import Visit
    from tepat.gesek.services import reassign
    from tepat.indicators.models import Observation
    from tepat.indicators.services import load_packaged
    from tepat.interventions.matching import upload_beneficiaries
    from tepat.pipeline.errors import RowError
    from tepat.pipeline.report import write_error_report
    from tepat.registry.models import BatchStatus, SourceBatch
    from tepat.reports.models import ReportJob
    from tepat.verification.models import (
        ChangeRequest,
        CrossAreaDuplicate,
        Evidence,
        Musdes,
        Proposal,
        Verification,
    )

    world = World(campaign=campaign.pk, target_list=gesek.target_list.pk,
                  official=gesek.member.pk, other_user=users.operator_desa.pk)
    users.opd.agency = "dinsos"  # the OPD persona works for Dinsos
    users.opd.save()
    # A pejabat whose login is not linked to an Official (docs/authz.md: 403 on Gesek pages).
    User.objects.create(username="pejabat.lain", role=Role.PEJABAT, area_id=TEGALSIWALAN,
                        first_name="Pejabat Lain")

    families = {f.kepala_keluarga: f for f in registry.all_families}
    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    officials = {"Sutrisno": gesek.member, "Siti Aminah": gesek.member,
                 "Misnati": gesek.junior, "Poniti": gesek.sukapura}
    for head, official in officials.items():
        reassign(entries[head], official, actor=users.admin, why="uji matriks URL")

    for key, code in DESA.items():
        family = families[HEADS[key]]
        world.family[key] = family.pk
        v = Verification.objects.get(campaign=campaign, family=family)
        world.verification[key] = v.pk
        evidence = Evidence(verification=v, uploaded_by=users.admin)
        evidence.photo.save("rumah.jpg", _file("rumah.jpg", JPEG), save=True)
        world.evidence[key] = evidence.pk
        musdes = Musdes(campaign=campaign, desa_id=code, kecamatan_id=code.rsplit(".", 1)[0],
                        held_on=date(2024, 3, 20), attendance=40, uploaded_by=users.admin)
        musdes.berita_acara.save("ba.pdf", _file("ba.pdf", b"%PDF-1.4 berita acara"),
                                 save=True)
        world.musdes[key] = musdes.pk
        serial = 9000 + len(world.proposal)
        nik = make_nik(code.replace(".", "")[:6], date(1970, 1, 1), "1", serial)
        proposal = Proposal.objects.create(
            campaign=campaign, desa_id=code, kecamatan_id=code.rsplit(".", 1)[0],
            kepala_keluarga=PROPOSED[key], alamat="Dusun Krajan", review="SUBMITTED",
            members=[{"nama": PROPOSED[key], "nik": nik, "hubungan": "1",
                      "jenis_kelamin": "1", "tanggal_lahir": "1970-01-01"}],
            created_by=users.admin)
        world.proposal[key] = proposal.pk
        world.numbers.add(nik)
    for key, head in (("M", "Sutrisno"), ("G", "Siti Aminah"), ("N", "Poniti"),
                      ("M2", "Misnati")):
        entry = entries[head]
        world.entry[key] = entry.pk
        visit = Visit(entry=entry, official=officials[head], desa_id=entry.desa_id,
                      kecamatan_id=entry.kecamatan_id, visited_on=date(2024, 5, 2),
                      created_by=users.admin)
        visit.photo.save("kunjungan.jpg", _file("kunjungan.jpg", JPEG), save=True)
        world.visit[key] = visit.pk

    poniti, siti = families["Poniti"], families["Siti Aminah"]
    Proposal.objects.filter(pk=world.proposal["M"]).update(
        possible_duplicates=[poniti.pk, siti.pk])
    Verification.objects.filter(campaign=campaign, family=families["Misnati"]).update(
        outcome="GANDA", duplicate_of=poniti, review="SUBMITTED", updated_by=users.admin)
    for key, proposal_key, family, area in (("T", "M", siti, TEGALSIWALAN),
                                            ("K", "N", families["Sutrisno"], "35.13")):
        world.case[key] = CrossAreaDuplicate.objects.create(
            campaign=campaign, proposal_id=world.proposal[proposal_key], family=family,
            desa_id=family.desa_id, kecamatan_id=family.kecamatan_id, area_id=area,
            keys=["nik"]).pk

    v = Verification.objects.get(pk=world.verification["M"])
    change = ChangeRequest(verification=v, changes={"outcome": "MENINGGAL"},
                           why="uji matriks URL", requested_by=users.admin)
    change.document.save("bukti.pdf", _file("bukti.pdf", b"%PDF-1.4 surat kematian"),
                         save=True)
    world.change = change.pk

    batch = SourceBatch.objects.create(source="p3ke", status=BatchStatus.REJECTED,
                                       imported_by=users.admin, error_count=2,
                                       family_file_name="keluarga.csv",
                                       message="2 kesalahan: berkas ditolak")
    (import_dir / str(batch.pk)).mkdir(parents=True, exist_ok=True)
    (import_dir / str(batch.pk) / "keluarga.csv").write_text("Kolom A,Kolom B\n1,2\n")
    errors = [RowError.make("DESA_UNKNOWN", file="keluarga.csv", row=i + 2,
                            column="kode_kemdagri", value=f"99.99.99.{i:04d}") for i in range(2)]
    xlsx, _csv = write_error_report(errors, import_dir / str(batch.pk), "laporan_kesalahan")
    batch.error_report = str(xlsx)
    batch.save()
    (import_dir / str(batch.pk) / "perubahan.csv").write_text("Kategori,ID\r\n")
    world.batch = batch.pk
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tepat.registry.mappings import stage_upload

    world.mapping_token = stage_upload(
        source="local", period="2025-01", person_file=None,
        family_file=SimpleUploadedFile("daftar.csv", b"Kolom A,Kolom B\n1,2\n")).token

    load_packaged()
    world.observation = Observation.objects.order_by("pk").first().pk
    report_dir.mkdir(parents=True, exist_ok=True)
    pdf = report_dir / "rakor.pdf"
    pdf.write_bytes(b"%PDF-1.4 bahan rakor")
    world.report_job = ReportJob.objects.create(
        kind="rakor", format="pdf", status="done", progress=100, file_path=str(pdf),
        requested_by=users.admin, requested_role="admin_kabupaten").pk

    misnati = families["Misnati"]
    sutrisno_head = families["Sutrisno"].members.get(hubungan="1")
    for key, programme in (("own", gesek.programmes["PKH"]), ("other", gesek.programmes["RTLH"])):
        from django.core.files.uploadedfile import SimpleUploadedFile

        text = ("NIK;No. KK;Nama;Tanggal lahir;Desa;Tanggal;Jumlah\n"
                f"{sutrisno_head.nik};;Sutrisno;;;01/05/2024;\n"
                f"1234;;Misnata;{misnati.tanggal_lahir:%Y-%m-%d};;01/05/2024;\n")
        file = SimpleUploadedFile(f"penerima-{key}.csv", text.encode(), "text/csv")
        upload = upload_beneficiaries(programme, file, actor=users.admin,
                                      file_name=file.name).upload
        world.programme[key] = programme.pk
        world.upload[key] = upload.pk
        world.unmatched[key] = upload.unmatched_rows.get().pk

    from linkage_scene import build_scene

    scene = build_scene(registry)  # every person clustered; a pair in each queue (T, S, K)
    world.link_pair = {key: pair.pk for key, pair in scene.pair.items()}
    world.link_cluster = dict(scene.clusters)

    world.numbers |= set(registry.numbers)
    for family in registry.all_families:
        names = world.names.setdefault(family.desa_id, set())
        names |= {p.nama for p in family.members.all()} | {family.kepala_keluarga}
    for key, code in DESA.items():
        world.names[code].add(PROPOSED[key])
    return world
