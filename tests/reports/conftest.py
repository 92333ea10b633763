"""A small scene for the report tests, built through the services.

Campaign (P3KE desil 1, opened 2024-03-01, closes 2024-04-15): Sutrisno (3 jiwa) and Misnati
(2) in Malesanwetan, Siti Aminah (2) in Gunungbekel — Kec. Tegalsiwalan —, Poniti (2) in
Ngadisari — Kec. Sukapura. Verified: Sutrisno LAYAK (submitted), Misnati MENINGGAL (submitted),
Poniti MAMPU (submitted); Siti Aminah pending.

Target list (SK 400/7/2024, 22 April 2024) = the same four families. Gesek: Tegalsiwalan team
(coordinator + 2), Sukapura (1). Delivered in 2024: Sutrisno RTLH (meets his need, 5 May) and
PKH (1 June); Misnati PKH (APBN) and PKH Plus (APBD kab.) on 1 June: double aid; Poniti PBI-JK
(10 February, Q1); Abdul Rahman (not on the list) PKH (1 June). Siti Aminah has a referred PKH
need and nothing delivered. One visit (Sutrisno).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest


@pytest.fixture
def today():
    return date(2024, 4, 1)


@pytest.fixture
def scene(campaign, verification_of, gesek, users, registry, settings, tmp_path):
    from tepat.gesek import services as g
    from tepat.interventions.services import ProgrammeData, add_intervention, save_programme
    from tepat.verification import services as v

    settings.REPORT_DIR = tmp_path / "reports"
    families = {f.kepala_keluarga: f for f in registry.all_families}
    for head, outcome, extra in (("Sutrisno", "LAYAK", {}),
                                 ("Misnati", "MENINGGAL", {}),
                                 ("Poniti", "MAMPU", {"reason": "PENGHASILAN"})):
        row = verification_of(families[head])
        v.save_verification(row.pk, v.Findings(outcome=outcome, **extra), actor=users.admin,
                            expected_version=row.version, submit=True)
    entries = {e.kepala_keluarga: e for e in gesek.target_list.entries.all()}
    sutrisno, misnati = entries["Sutrisno"], entries["Misnati"]
    siti, poniti = entries["Siti Aminah"], entries["Poniti"]
    for entry in (sutrisno, siti):
        g.reassign(entry, gesek.member, actor=users.admin)
    g.record_need(sutrisno, "RTLH", actor=users.pejabat)
    g.record_visit(sutrisno, actor=users.pejabat, visited_on=date(2024, 5, 2))
    g.record_need(siti, "PKH", actor=users.pejabat)
    pkh_plus = save_programme(ProgrammeData("PKH Plus", gesek.agencies.dinsos, "PKH",
                                            "APBD_KAB", Decimal(1_000_000), 2024),
                              actor=users.admin)
    pkh = gesek.programmes["PKH"]
    for programme, family, day in (
            (gesek.programmes["RTLH"], sutrisno.family, date(2024, 5, 5)),
            (pkh, sutrisno.family, date(2024, 6, 1)),
            (pkh, misnati.family, date(2024, 6, 1)),
            (pkh_plus, misnati.family, date(2024, 6, 1)),
            (gesek.programmes["PBI_JK"], poniti.family, date(2024, 2, 10)),
            (pkh, families["Abdul Rahman"], date(2024, 6, 1))):
        add_intervention(programme, family, actor=users.admin, delivered_on=day)
    return gesek


@pytest.fixture
def indicators(db):
    """The packaged BPS series of Kab. Probolinggo and the targets (helper A's loader)."""
    from tepat.indicators.services import load_packaged

    return load_packaged()


@pytest.fixture
def client_for(users, settings):
    """A logged-in test client for a persona name (as tests/web/conftest.py has it). These
    tests are about the report pages' roles, not two-factor login (issue 6 work in progress
    makes it required for the admin): it is switched off here."""
    from django.test import Client

    settings.TEPAT_MFA_REQUIRED_ROLES = []

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(users, persona))
        return client

    return make
