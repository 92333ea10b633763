"""A campaign in progress for `tepat demo`, made through the same services the users call.

The story of the founding article: an earlier target list fixed by decree, then this year's
verification of the P3KE desil-1 families, with the kecamatan at different stages — Tegalsiwalan
close to finished with a high reduction, others behind — musdes reports with their berita acara,
items waiting for the kecamatan and some returned, and a few usulan baru.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tepat.core.outcomes import MAMPU_REASONS
from tepat.regions.selectors import demo_areas
from tepat.registry.models import Family
from tepat.verification import campaigns, services, stats
from tepat.verification.models import Campaign, DailyProgress, Verification

# The highlighted kecamatan (Tegalsiwalan in Kab. Probolinggo: "penurunan data 99.61%" in the
# article) and the demo desa operator's desa, which keeps work to do: regions.selectors.demo_areas.
# Share of verified families per outcome (the article's list shrank by about 85%).
OUTCOME_SHARES = (("MAMPU", 0.38), ("TIDAK_DITEMUKAN", 0.14), ("PINDAH", 0.12),
                  ("MENINGGAL", 0.08), ("LAYAK", 0.28))
# A tiny valid PDF standing in for a scanned, signed berita acara.
BERITA_ACARA_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _progress_target(kecamatan: str, rng: random.Random) -> float:
    if kecamatan == demo_areas()[0]:
        return 0.99
    return rng.choice((0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9))


def _pick_outcome(rng: random.Random, highlight: bool = False) -> str:
    if highlight:  # nearly every family there turned out no longer eligible
        return "LAYAK" if rng.random() < 0.01 else rng.choice(("MAMPU", "MAMPU", "PINDAH",
                                                                "TIDAK_DITEMUKAN"))
    roll, total = rng.random(), 0.0
    for code, share in OUTCOME_SHARES:
        total += share
        if roll < total:
            return code
    return "LAYAK"


def build(admin: Any, *, desa_user: Any = None, kecamatan_user: Any = None, seed: int = 2024,
          echo: Callable[[str], None] = print) -> Campaign:
    """The earlier list, then the open campaign with its progress. Call once.

    The demo desa's work is done by its operator and reviewed by its kecamatan operator (when
    given), so their own pages show their own history; the rest by the admin."""
    today = timezone.localdate()
    plan = campaigns.CampaignPlan(
        name=f"Pemutakhiran P3KE desil 1 {today.year}", period=str(today.year), source="p3ke",
        desil="1", opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=14),
        finalize_by=today + timedelta(days=21))
    campaign = campaigns.create_campaign(plan, actor=admin)
    earlier = campaigns.register_list(
        campaigns.scope_families(campaign, admin),
        campaigns.Decree(f"Daftar sasaran P3KE desil 1 {today.year - 1}", today.year - 1,
                         f"188/123/KEP/426.32/{today.year - 1}", date(today.year - 1, 4, 22)),
        actor=admin)
    echo(f"Daftar sasaran {earlier.year}: {earlier.keluarga:,} keluarga (SK {earlier.sk_number})")
    campaign = campaigns.open_campaign(campaign, actor=admin)
    echo(f"Kampanye dibuka: {campaign.baseline_keluarga:,} keluarga, "
         f"{campaign.baseline_jiwa:,} jiwa di baseline")
    rng = random.Random(seed)
    by_desa: dict[str, list[int]] = defaultdict(list)
    baseline = Verification.objects.for_user(admin).filter(campaign=campaign)
    for pk, desa in baseline.order_by("pk").values_list("pk", "desa_id"):
        by_desa[desa].append(pk)
    targets = {k: _progress_target(k, rng)
               for k in sorted({d.rsplit(".", 1)[0] for d in by_desa})}
    for desa, ids in sorted(by_desa.items()):
        share = targets[desa.rsplit(".", 1)[0]]
        verifier, reviewer = admin, admin
        if desa == demo_areas()[1]:
            share = 0.5
            verifier, reviewer = desa_user or admin, kecamatan_user or admin
        _verify_desa(campaign, desa, ids, share, (verifier, reviewer), rng, today)
    _proposals(campaign, admin, rng)
    _history(campaign, today)
    f = stats.figures(campaign)
    echo(f"Progres: {f.progress_pct_keluarga:.1f}% terverifikasi, penurunan "
         f"{f.reduction_pct_keluarga:.1f}% (sementara)")
    return campaign


def _verify_desa(campaign: Campaign, desa: str, ids: list[int], share: float,
                 actors: tuple[Any, Any], rng: random.Random, today: date) -> None:
    verifier, reviewer = actors
    rng.shuffle(ids)
    done = ids[: round(len(ids) * share)]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk in done:
        outcome = _pick_outcome(rng, desa.startswith(demo_areas()[0] + "."))
        reason = rng.choice(list(MAMPU_REASONS)[:4]) if outcome == "MAMPU" else ""
        groups[(outcome, reason)].append(pk)
    for (outcome, reason), members in sorted(groups.items()):
        services.bulk_outcome(campaign, members, actor=verifier, outcome=outcome,
                              reason=reason, submit=True)
    if share >= 0.9 and len(done) == len(ids):
        services.record_musdes(campaign, desa, actor=verifier, held_on=today - timedelta(days=5),
                               attendance=rng.randint(25, 70), berita_acara=_document())
        services.submit_desa(campaign, desa, actor=verifier)
    _review(campaign, done, reviewer, rng)


def _review(campaign: Campaign, done: list[int], admin: Any, rng: random.Random) -> None:
    if not done:
        return
    approve_upto = round(len(done) * rng.uniform(0.5, 0.95))
    approved, rest = done[:approve_upto], done[approve_upto:]
    if approved:
        services.review(campaign, approved, actor=admin, approve=True)
    returned = rest[: max(0, len(rest) // 5)]
    if returned:
        services.review(campaign, returned, actor=admin, approve=False,
                        reason="Foto rumah dan alasan belum lengkap; mohon dilengkapi.")


def _document():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("berita-acara.pdf", BERITA_ACARA_PDF, "application/pdf")


def _proposals(campaign: Campaign, admin: Any, rng: random.Random) -> None:
    """A few usulan baru: families the list missed (one resembling a registry family)."""
    desa_codes = sorted(Verification.objects.for_user(admin).filter(campaign=campaign)
                        .values_list("desa_id", flat=True).distinct())[::27][:12]
    for i, desa in enumerate(desa_codes):
        head = f"Usulan Demo {i + 1:02d}"
        members = [{"nama": head, "nik": "", "hubungan": "1", "jenis_kelamin": "1",
                    "tanggal_lahir": f"{1960 + i}-0{1 + i % 9}-15"},
                   {"nama": f"Istri {head}", "nik": "", "hubungan": "2", "jenis_kelamin": "2",
                    "tanggal_lahir": f"{1963 + i}-0{1 + i % 9}-20"}]
        if i == 0:  # shares its KK with a registry family: the duplicate check shows it
            kk = Family.objects.for_area(desa).exclude(no_kk="").values_list(
                "no_kk", flat=True).first() or ""
        else:
            kk = ""
        proposal = services.propose_family(
            campaign, desa, services.NewFamily(kepala_keluarga=head, no_kk=kk,
                                               alamat=f"RT 0{1 + i % 5} RW 02", members=members,
                                               note="Diusulkan dalam musdes"),
            actor=admin, submit=True)
        if i % 3 == 0:
            services.review_proposal(proposal.pk, actor=admin, approve=True)


def _history(campaign: Campaign, today: date) -> None:
    """Daily rows for the days before today, growing toward today's figures (the services
    record only the day of each write). Derived figures only: no verification is invented."""
    for row in DailyProgress.objects.filter(campaign=campaign, day=today):
        for back in range(1, 30):
            factor = max(0.0, 1 - back / 26) ** 1.3
            DailyProgress.objects.update_or_create(
                campaign=campaign, kecamatan_id=row.kecamatan_id, day=today - timedelta(days=back),
                defaults=dict(
                    in_scope_keluarga=row.in_scope_keluarga, in_scope_jiwa=row.in_scope_jiwa,
                    verified_keluarga=round(row.verified_keluarga * factor),
                    verified_jiwa=round(row.verified_jiwa * factor),
                    approved_keluarga=round(row.approved_keluarga * factor),
                    approved_jiwa=round(row.approved_jiwa * factor),
                    removed_keluarga=round(row.removed_keluarga * factor),
                    removed_jiwa=round(row.removed_jiwa * factor)))
