"""The cohort read from the database (tepat.history.cohort) and `tepat history cohort`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from history_helpers import three_lists
from tepat.history.cohort import cohort

pytestmark = pytest.mark.django_db

KABUPATEN, TEGALSIWALAN, SUKAPURA = "35.13", "35.13.20", "35.13.01"


@pytest.fixture
def lists(registry, users):
    return three_lists(registry, users)


def pair(count):
    return (count.keluarga, count.jiwa)


def test_the_earlier_families_are_counted_by_where_they_went(lists):
    total = cohort(lists.earlier, lists.later, area=KABUPATEN).table.total
    assert pair(total.earlier) == (4, 9)  # Sutrisno 3, Misnati 2, Siti Aminah 2, Poniti 2
    assert pair(total.left["tetap"]) == (2, 5)  # Sutrisno (LAYAK), Poniti (not verified)
    assert pair(total.left["mampu"]) == (1, 2)
    assert pair(total.left["pindah"]) == (1, 2)
    assert pair(total.left["lainnya"]) == (0, 0)


def test_a_family_back_on_a_list_after_leaving_one_is_a_re_entry(lists):
    total = cohort(lists.earlier, lists.later, area=KABUPATEN).table.total
    assert pair(total.later) == (3, 8)
    assert pair(total.joined["kembali"]) == (1, 3)  # Hasan Basri: on 2023, off 2024, on 2025
    assert pair(total.joined["bertahan"]) == (2, 5)
    assert pair(total.joined["baru"]) == (0, 0)


def test_without_the_list_in_between_the_same_family_is_carried_over(lists):
    total = cohort(lists.oldest, lists.later, area=KABUPATEN).table.total
    assert pair(total.earlier) == (2, 6)  # Hasan Basri 3, Sutrisno 3
    assert pair(total.left["tetap"]) == (2, 6)
    assert pair(total.joined["bertahan"]) == (2, 6)
    assert pair(total.joined["baru"]) == (1, 2)  # Poniti: on no list before 2024


def test_rows_are_per_kecamatan_and_a_kecamatan_sees_only_its_own(lists):
    regency = cohort(lists.earlier, lists.later, area=KABUPATEN)
    assert [r.kecamatan for r in regency.table.rows] == [SUKAPURA, TEGALSIWALAN]
    own = cohort(lists.earlier, lists.later, area=TEGALSIWALAN)
    assert [r.kecamatan for r in own.table.rows] == [TEGALSIWALAN]
    assert pair(own.table.total.earlier) == (3, 7)
    assert pair(own.table.total.joined["kembali"]) == (1, 3)
    other = cohort(lists.earlier, lists.later, area=SUKAPURA)
    assert pair(other.table.total.earlier) == (1, 2)
    assert pair(other.table.total.joined["kembali"]) == (0, 0)


def test_the_command_prints_the_cohort_as_json_by_id_or_sk_number(lists):
    out = StringIO()
    call_command("history", "cohort", "--from", "SK 400/7/2024", "--to", str(lists.later.pk),
                 "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["from"]["id"] == lists.earlier.pk and data["to"]["sk_number"] == "SK 400/3/2025"
    assert data["total"]["left"]["mampu"] == {"keluarga": 1, "jiwa": 2}
    assert data["total"]["joined"]["kembali"] == {"keluarga": 1, "jiwa": 3}
    assert [k["code"] for k in data["kecamatan"]] == [SUKAPURA, TEGALSIWALAN]
    assert data["kecamatan"][0]["name"] == "Sukapura"


def test_the_command_prints_a_table_with_units(lists):
    out = StringIO()
    with translation.override("id"):  # another test may have left English active
        call_command("history", "cohort", "--from", str(lists.earlier.pk), "--to",
                     str(lists.later.pk), stdout=out)
    lines = out.getvalue().splitlines()
    assert "Graduasi (sudah mampu) (keluarga)" in lines[1].split("\t")
    assert lines[-1].split("\t")[:4] == ["", "Jumlah", "4", "9"]


@pytest.mark.parametrize("args, message", [
    (["--from", "SK tidak ada", "--to", "1"], "tidak ada"),
    (["--from", "later", "--to", "earlier"], "sebelum"),
])
def test_the_command_refuses_unknown_or_reversed_lists(lists, args, message):
    ids = {"later": str(lists.later.pk), "earlier": str(lists.earlier.pk)}
    with pytest.raises(CommandError, match=message):
        call_command("history", "cohort", *[ids.get(a, a) for a in args])


def test_every_category_label_of_the_core_is_marked_for_translation():
    from tepat.core import cohort as core
    from tepat.history.cohort import MARKED

    assert set(MARKED) == {*core.EARLIER_LABELS.values(), *core.LATER_LABELS.values()}


def test_an_outcome_counts_where_the_list_placed_the_family(lists):
    from tepat.verification.models import Verification

    Verification.objects.filter(campaign=lists.campaign, family__kepala_keluarga="Misnati").update(
        desa_id="35.13.01.2001", kecamatan_id=SUKAPURA)  # the baseline placed it elsewhere
    own = cohort(lists.earlier, lists.later, area=TEGALSIWALAN).table.total
    assert pair(own.left["mampu"]) == (1, 2) and pair(own.left["lainnya"]) == (0, 0)


def test_a_kept_cohort_is_read_again_after_an_approved_change(lists, users):
    from django.utils import timezone

    from tepat.verification.models import ChangeRequest, Verification

    assert pair(cohort(lists.earlier, lists.later, area=KABUPATEN).table.total.left["mampu"]) \
        == (1, 2)
    v = Verification.objects.get(campaign=lists.campaign, family__kepala_keluarga="Misnati")
    Verification.objects.filter(pk=v.pk).update(outcome="MENINGGAL", reason="")
    kept = cohort(lists.earlier, lists.later, area=KABUPATEN).table.total
    assert pair(kept.left["mampu"]) == (1, 2)  # nothing the stamp sees has changed yet
    ChangeRequest.objects.create(verification=v, changes={"outcome": "MENINGGAL"},
                                 why="uji", state="approved", requested_by=users.admin,
                                 decided_by=users.admin, decided_at=timezone.now())
    fresh = cohort(lists.earlier, lists.later, area=KABUPATEN).table.total
    assert pair(fresh.left["mampu"]) == (0, 0) and pair(fresh.left["meninggal"]) == (1, 2)


def test_a_kecamatan_cut_from_the_kept_regency_equals_its_own_reading(lists):
    from tepat.core import cohort as core
    from tepat.history.cohort import _read
    from tepat.history.models import KeptCohort

    cohort(lists.earlier, lists.later, area=KABUPATEN)
    assert KeptCohort.objects.count() == 1  # computed once, then read back
    for kecamatan in (TEGALSIWALAN, SUKAPURA):
        cut = cohort(lists.earlier, lists.later, area=kecamatan).table
        own = _read(lists.earlier, lists.later, kecamatan, None)
        assert core.table_to_json(cut) == core.table_to_json(own)
    assert KeptCohort.objects.count() == 1


def test_once_a_list_is_fixed_its_cohorts_are_kept_before_anyone_asks(lists):
    from tepat.history.cohort import keep_cohorts_task
    from tepat.history.models import KeptCohort

    assert keep_cohorts_task.call(lists.later.pk) == 2  # from 2023 and from 2024
    assert set(KeptCohort.objects.values_list("earlier_id", "later_id")) == {
        (lists.oldest.pk, lists.later.pk), (lists.earlier.pk, lists.later.pk)}
    kept = cohort(lists.earlier, lists.later, area=KABUPATEN).table.total
    assert pair(kept.earlier) == (4, 9)
