"""A village download (one sheet, no person ID) into the registry, then again, then its next
edition: the synthesized person keys hold (issue 17 §1)."""

from __future__ import annotations

import sys
from pathlib import Path

from tepat.registry.importing import import_files
from tepat.registry.models import BatchStatus, Family, Person

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
import village  # noqa: E402


def _import(path: Path):
    batch = import_files(path, None, source="p3ke", period="2024-03")
    assert batch.status == BatchStatus.DONE, (batch.message, batch.notes)
    return batch


def _persons() -> dict[str, tuple[int, int, str]]:
    """nama -> (person pk, family pk, source_person_id)."""
    return {
        nama: (pk, family, key)
        for nama, pk, family, key in Person.objects.values_list(
            "nama", "pk", "family_id", "source_person_id")
    }


def test_a_village_download_imports_once_and_a_later_edition_updates_the_same_persons(
        regions, tmp_path):
    households = village.households(30, seed=4)
    first = village.write(tmp_path / "desa_2024_03.xlsx", households)
    batch = _import(first)
    members = sum(len(h.members) for h in households)
    assert (batch.families_added, batch.persons_added) == (30, members)
    assert Person.objects.count() == members and Family.objects.count() == 30
    before = _persons()
    mangled = {m.nama for h in households for m in h.members if village.mangled(m)}
    flagged = set(Person.objects.filter(flags__contains="NIK_NUMBER_MANGLED")
                  .values_list("nama", flat=True))
    assert mangled and flagged == mangled

    again = _import(village.write(tmp_path / "desa_2024_03_lagi.xlsx", households))
    assert (again.families_added, again.persons_added) == (0, 0)
    assert (again.families_changed, again.persons_changed) == (0, 0)
    assert (again.families_unchanged, again.persons_unchanged) == (30, members)
    assert _persons() == before

    edition = village.later_edition(households)
    later = _import(village.write(tmp_path / "desa_2024_09.xlsx", edition))
    assert (later.families_added, later.persons_added) == (0, 1)
    assert later.families_changed == 2  # the desil; a new member (member_count, writer.py)
    assert later.persons_changed == 0  # the families' rows moved in the file, not the persons
    after = _persons()
    assert {k: v for k, v in after.items() if k != "BAYI BARU"} == before
    assert after["BAYI BARU"][1] == before[edition[3].members[0].nama][1]
    changed = Family.objects.get(source_family_id=edition[2].fid)
    assert changed.desil == edition[2].desil


def test_a_download_without_family_ids_groups_families_by_kk_the_same_way_twice(
        regions, tmp_path):
    households = village.households(12, seed=5)
    batch = _import(village.write(tmp_path / "desa_kk.xlsx", households, family_id=False))
    assert batch.families_added == 12
    keys = set(Family.objects.values_list("source_family_id", flat=True))
    assert all(key.startswith("kk-") for key in keys)
    assert not any(h.kk in key for h in households for key in keys)  # never the number itself
    again = _import(village.write(tmp_path / "desa_kk_lagi.xlsx", households, family_id=False))
    assert (again.families_added, again.persons_added, again.families_changed) == (0, 0, 0)
