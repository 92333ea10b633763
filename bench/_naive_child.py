"""The naive baseline: pandas + openpyxl read, one ORM save per family and per person (SQLite).

Reads the first N families of the P3KE xlsx and their members. Prints one JSON line.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
import django  # noqa: E402

django.setup()
import pandas as pd  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tepat.regions.services import load_kabupaten  # noqa: E402
from tepat.registry.models import Family, Person, SourceBatch  # noqa: E402

sample = int(sys.argv[1])
family_path, person_path = (Path(p) for p in sys.argv[2:4])
call_command("migrate", verbosity=0)
load_kabupaten("35.13")
batch = SourceBatch.objects.create(source="p3ke", family_file_name=family_path.name)

started = time.perf_counter()
families = pd.read_excel(family_path, engine="openpyxl", dtype=str, nrows=sample)
persons = pd.read_excel(person_path, engine="openpyxl", dtype=str, nrows=int(sample * 4))
ids = {}
for rec in families.to_dict("records"):
    code = str(rec["kode_kemdagri"])
    desa = f"{code[0:2]}.{code[2:4]}.{code[4:6]}.{code[6:10]}"
    fam = Family(
        source="p3ke",
        batch=batch,
        source_family_id=rec["id_keluarga_p3ke"],
        desa_id=desa,
        kecamatan_id=desa[:8],
        desil=int(rec["desil_kesejahteraan"]),
        kepala_keluarga=rec["kepala_keluarga"] or "",
        nik=rec["nik"] or "",
        alamat=rec["alamat"] or "",
        row_hash="",
    )
    fam.save()
    ids[fam.source_family_id] = fam
saved_persons = 0
for rec in persons.to_dict("records"):
    fam = ids.get(rec["id_keluarga_p3ke"])
    if fam is None:
        continue
    Person(
        source="p3ke",
        batch=batch,
        family=fam,
        source_person_id=rec["id_individu"],
        desa_id=fam.desa_id,
        kecamatan_id=fam.kecamatan_id,
        nik=rec["nik"] or "",
        nama=rec["nama"] or "",
        row_hash="",
    ).save()
    saved_persons += 1
print(
    json.dumps(
        {"families": len(ids), "persons": saved_persons, "seconds": time.perf_counter() - started}
    )
)
