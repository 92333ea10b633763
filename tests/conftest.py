"""Shared fixtures: the regions of Kab. Probolinggo, one user per role, a small registry.

Django modules are imported inside the fixtures, so that tests of the pure core can still run
without Django (`pytest tests/core -p no:django`).

The registry (built through the ORM, then `refresh_desa_stats()`):

    Kecamatan Tegalsiwalan (35.13.20)
      Desa Malesanwetan  35.13.20.2001   3 families (P3KE) + 1 family (DTSEN)
      Desa Gunungbekel   35.13.20.2002   2 families (P3KE)
    Kecamatan Sukapura (35.13.01)
      Desa Ngadisari     35.13.01.2001   2 families (P3KE)
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

KABUPATEN = "35.13"
TEGALSIWALAN = "35.13.20"
SUKAPURA = "35.13.01"
MALESANWETAN = "35.13.20.2001"
GUNUNGBEKEL = "35.13.20.2002"
NGADISARI = "35.13.01.2001"
TEST_PASSWORD = "uji-tepat-2026!"

@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    """Every test runs with TEPAT_CHECK_AUDIT on: a write service that writes a wrong number
    of audit events raises AuditMissing in whatever test calls it (tepat.audit.services).
    TEPAT_STRICT_SCOPING is on too: a query of the application on personal data without an
    area scope or a named opt-out raises UnscopedQuery (tepat.registry.scoping).
    Two-factor is optional in tests: the personas log in with force_login or the password
    alone; tests/accounts turn the production default (admin kabupaten, operator kecamatan)
    back on per test."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # the pure core runs without Django
        yield
        return
    with contextlib.suppress(ImproperlyConfigured):  # `pytest tests/core -p no:django`
        settings.TEPAT_CHECK_AUDIT = True
        settings.TEPAT_STRICT_SCOPING = True
        settings.TEPAT_MFA_REQUIRED_ROLES = []
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: figures kept by a data stamp (the public page)
    must not leak from one test's rolled-back data into the next's."""
    yield
    try:
        from django.core.cache import cache
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return
    with contextlib.suppress(ImproperlyConfigured):
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Indonesian): a page requested in English
    activates English in this thread (the locale middleware), and a later test's messages
    must not come out in it."""
    try:
        from django.conf import settings
        from django.utils import translation
    except ImportError:
        yield
        return
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _regency_probolinggo():
    """Each test starts on an instance of Kab. Probolinggo (the test database has no
    regions.Instance row, so that is the truth), kept without a query: the pages' query counts
    stay what they were. A test that sets another kabupaten (set_regency) forgets it itself."""
    try:
        from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
    except ImportError:
        yield
        return
    try:
        from tepat.regions import selectors
    except (ImproperlyConfigured, AppRegistryNotReady):
        yield
        return
    selectors.forget()
    selectors._kept["code"] = "35.13"
    yield
    selectors.forget()


# A full NIK or No. KK: 16 digits standing alone.
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


@pytest.fixture(autouse=True)
def _no_full_nik_in_the_logs(caplog):
    """Issue 6 §2: every log record written during any test (INFO and up, the level the app
    logs at) is searched for a full NIK/KK; one found fails the test that wrote it."""
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    leaks = [record.getMessage()[:200] for record in records
             if SIXTEEN_DIGITS.search(record.getMessage())]
    assert not leaks, f"a full NIK/KK was written to the log: {leaks}"


# persona -> (role, area)
PERSONAS = {
    "admin": ("admin_kabupaten", KABUPATEN),
    "operator_kecamatan": ("operator_kecamatan", TEGALSIWALAN),
    "operator_desa": ("operator_desa", MALESANWETAN),
    "operator_desa_sibling": ("operator_desa", GUNUNGBEKEL),
    "operator_other_kecamatan": ("operator_kecamatan", SUKAPURA),
    "opd": ("opd", KABUPATEN),
    "pejabat": ("pejabat", TEGALSIWALAN),
    "pimpinan": ("pimpinan", KABUPATEN),
    "no_area": ("operator_desa", None),
}


@pytest.fixture
def regions(db):
    from tepat.regions.services import load_kabupaten

    return load_kabupaten(KABUPATEN)


@functools.cache
def _password_hash() -> str:
    """TEST_PASSWORD hashed once per test run (Argon2 is slow on purpose: ~0.2 s a hash)."""
    from django.contrib.auth.hashers import make_password

    return make_password(TEST_PASSWORD)


@pytest.fixture
def users(regions) -> SimpleNamespace:
    """One user per persona of PERSONAS, all with the password TEST_PASSWORD."""
    from tepat.accounts.models import User

    password = _password_hash()
    made = {
        name: User.objects.create(
            username=name.replace("_", "."), role=role, area_id=area, password=password,
            first_name=name.replace("_", " ").title(),
        )
        for name, (role, area) in PERSONAS.items()
    }
    return SimpleNamespace(**made)


@dataclass
class Registry:
    """What the `registry` fixture built, to assert against."""

    batch: Any
    dtsen_batch: Any
    families: dict[str, list[Any]] = field(default_factory=dict)  # desa code -> families
    persons: list[Any] = field(default_factory=list)

    @property
    def all_families(self) -> list[Any]:
        return [f for families in self.families.values() for f in families]

    @property
    def numbers(self) -> set[str]:
        """Every full NIK and KK in the registry: none may appear on a page unmasked."""
        found = {f.no_kk for f in self.all_families} | {f.nik for f in self.all_families}
        return found | {p.nik for p in self.persons}


_serials = itertools.count(1)  # restarted by the `registry` fixture: NIK serials stay < 10000

HEADS = ["Sutrisno", "Misnati", "Abdul Rahman", "Siti Aminah", "Hasan Basri", "Poniti",
         "Suparmin", "Mukarromah"]


def _region6(code: str) -> str:
    return code.replace(".", "")[:6]


def add_family(registry_batch: Any, desa_code: str, *, head: str, desil: int = 1,
               members: int = 2, flags: str = "", source: str = "p3ke") -> tuple[Any, list[Any]]:
    """One family with `members` persons (the head first), real-looking 16-digit NIK and KK."""
    from tepat.core.identity import make_kk, make_nik
    from tepat.registry.models import Family, Person

    serial = next(_serials)
    region6 = _region6(desa_code)
    head_nik = make_nik(region6, date(1975, 3, 1 + serial % 27), "1", serial)
    family = Family.objects.create(
        source=source, batch=registry_batch, desa_id=desa_code,
        kecamatan_id=desa_code.rsplit(".", 1)[0],
        source_family_id=f"{source.upper()}-{serial:06d}", desil=desil,
        no_kk=make_kk(region6, date(2015, 7, 1 + serial % 27), serial), nik=head_nik,
        kepala_keluarga=head, alamat=f"Dusun Krajan RT 0{serial % 9 + 1} RW 01",
        jenis_kelamin="1", tanggal_lahir=date(1975, 3, 1 + serial % 27), pekerjaan="05",
        pendidikan="3", jenis_atap="1", jenis_lantai="1", penerima_pkh="1",
        flags=flags, member_count=members, row_hash=f"hash-{serial}",
    )
    persons = [Person.objects.create(
        family=family, source=source, batch=registry_batch, desa_id=desa_code,
        kecamatan_id=family.kecamatan_id, source_person_id=f"{family.source_family_id}-1",
        nama=head, nik=head_nik, hubungan="1", jenis_kelamin="1",
        tanggal_lahir=family.tanggal_lahir, pendidikan="3", pekerjaan="05",
        row_hash=f"p-{serial}-1",
    )]
    for i in range(2, members + 1):
        birth = date(1980 + i, 5, 1 + (serial + i) % 27)
        persons.append(Person.objects.create(
            family=family, source=source, batch=registry_batch, desa_id=desa_code,
            kecamatan_id=family.kecamatan_id, source_person_id=f"{family.source_family_id}-{i}",
            nama=f"Anggota {i} {head.split()[0]}",
            nik=make_nik(region6, birth, "2", 5000 + serial * 10 + i),
            hubungan="2" if i == 2 else "3", jenis_kelamin="2", tanggal_lahir=birth,
            pendidikan="4", pekerjaan="02", row_hash=f"p-{serial}-{i}",
            flags="NIK_DUPLICATE" if i == 3 else "",
        ))
    return family, persons


def make_batch(source: str = "p3ke", **fields: Any) -> Any:
    from tepat.registry.models import BatchStatus, SourceBatch

    defaults = {"period": "2024-03", "family_file_name": f"{source}_keluarga.xlsx",
                "person_file_name": f"{source}_individu.xlsx", "status": BatchStatus.DONE}
    return SourceBatch.objects.create(source=source, **{**defaults, **fields})


@pytest.fixture
def registry(regions) -> Registry:
    from tepat.registry.stats import refresh_desa_stats

    global _serials
    _serials = itertools.count(1)
    batch, dtsen = make_batch("p3ke"), make_batch("dtsen", period="2025Q2")
    built = Registry(batch=batch, dtsen_batch=dtsen)
    plan = [
        (MALESANWETAN, [("Sutrisno", 1, 3, ""), ("Misnati", 1, 2, "KK_DUPLICATE"),
                        ("Abdul Rahman", 2, 4, "")]),
        (GUNUNGBEKEL, [("Siti Aminah", 1, 2, ""), ("Hasan Basri", 3, 3, "")]),
        (NGADISARI, [("Poniti", 1, 2, ""), ("Suparmin", 4, 1, "")]),
    ]
    for desa, families in plan:
        for head, desil, members, flags in families:
            family, persons = add_family(batch, desa, head=head, desil=desil, members=members,
                                         flags=flags)
            built.families.setdefault(desa, []).append(family)
            built.persons += persons
    family, persons = add_family(dtsen, MALESANWETAN, head="Mukarromah", desil=2, members=2,
                                 source="dtsen")
    built.families[MALESANWETAN].append(family)
    built.persons += persons
    refresh_desa_stats()
    return built


@pytest.fixture
def more_families(registry):
    """Adds `count` families (2 members each) to a desa of the registry and refreshes the stats:
    `more_families("35.13.20.2002", 60)`."""
    from tepat.registry.stats import refresh_desa_stats

    def add(desa_code: str, count: int, **fields: Any) -> list[Any]:
        made = []
        for i in range(count):
            family, persons = add_family(registry.batch, desa_code, head=f"Keluarga Uji {i:03d}",
                                         desil=1 + i % 4, **fields)
            registry.families.setdefault(desa_code, []).append(family)
            registry.persons += persons
            made.append(family)
        refresh_desa_stats()
        return made

    return add


# --- verification campaign ----------------------------------------------------------------


@pytest.fixture
def campaign(registry, users):
    """An open P3KE desil-1 campaign over the registry: Sutrisno and Misnati in Malesanwetan,
    Siti Aminah in Gunungbekel, Poniti in Ngadisari (4 keluarga, 9 jiwa)."""
    from tepat.verification.campaigns import CampaignPlan, create_campaign, open_campaign

    plan = CampaignPlan(name="Pemutakhiran P3KE 2024", period="2024", source="p3ke", desil="1",
                        opens_on=date(2024, 3, 1), closes_on=date(2024, 4, 15),
                        finalize_by=date(2024, 4, 22))
    return open_campaign(create_campaign(plan, actor=users.admin), actor=users.admin)


@pytest.fixture
def verification_of(campaign):
    """The verification row of a registry family in the campaign."""
    from tepat.verification.models import Verification

    def get(family):
        return Verification.objects.get(campaign=campaign, family=family)

    return get


# --- Gesek Ekstrem and interventions ------------------------------------------------------


@pytest.fixture
def target_list(registry, users):
    """A target list fixed by decree: the P3KE desil-1 families of the registry (Sutrisno,
    Misnati in Malesanwetan; Siti Aminah in Gunungbekel; Poniti in Ngadisari)."""
    from tepat.registry.models import Family
    from tepat.verification.campaigns import Decree, register_list

    families = Family.objects.filter(source="p3ke", desil=1)
    return register_list(families, Decree("Daftar sasaran 2024", 2024, "SK 400/7/2024",
                                          date(2024, 4, 22)), actor=users.admin)


@pytest.fixture
def gesek(target_list, users):
    """Agencies, officials (the `pejabat` persona is one of them), the team of Tegalsiwalan
    (coordinator + 2 members) and of Sukapura (1), and three programmes."""
    from tepat.gesek.models import Agency, Official
    from tepat.gesek.services import set_team
    from tepat.interventions.services import ProgrammeData, save_programme

    dinsos = Agency.objects.create(code="dinsos", name="Dinas Sosial", short_name="Dinsos")
    perkim = Agency.objects.create(code="perkim", name="Dinas Perumahan dan Kawasan Permukiman",
                                   short_name="Perkim")
    dinkes = Agency.objects.create(code="dinkes", name="Dinas Kesehatan", short_name="Dinkes")

    def official(nip, name, eselon, agency, base, user=None):
        return Official.objects.create(nip=nip, name=name, position=f"Kepala {agency}",
                                       eselon=eselon, agency=agency, base_id=base, user=user)

    coordinator = official("197001011990031001", "Drs. Hariyanto", "II", dinsos, "35.13.20.2001")
    member = official("198002022005012002", "Lilik Suryani", "III", perkim, "35.13.20.2002",
                      user=users.pejabat)
    junior = official("199003032015031003", "Agus Salim", "IV", dinkes, "35.13.20.2001")
    sukapura = official("197504041999031004", "Ir. Bambang", "III", dinsos, "35.13.01.2001")
    set_team("35.13.20", coordinator=coordinator, members=[member, junior], actor=users.admin)
    set_team("35.13.01", coordinator=sukapura, members=[], actor=users.admin)
    programmes = {
        kind: save_programme(ProgrammeData(name, agency, kind, funding, Decimal(cost), 2024,
                                           capacity=capacity), actor=users.admin)
        for name, agency, kind, funding, cost, capacity in (
            ("PKH Kabupaten", dinsos, "PKH", "APBN", "3000000", 100),
            ("Bedah Rumah", perkim, "RTLH", "APBD_KAB", "20000000", 10),
            ("PBI-JK Daerah", dinkes, "PBI_JK", "APBD_KAB", "504000", 500),
        )
    }
    return SimpleNamespace(agencies=SimpleNamespace(dinsos=dinsos, perkim=perkim, dinkes=dinkes),
                           coordinator=coordinator, member=member, junior=junior,
                           sukapura=sukapura, programmes=programmes, target_list=target_list)
