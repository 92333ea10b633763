"""The `tepat` command: Django's management commands under friendlier names.

tepat demo [--kabupaten CODE]   build and serve a demo instance (default 35.13)
tepat setup --kabupaten CODE    make this instance that of a kabupaten/kota (e.g. 35.07)
tepat regions load [--kabupaten 35.13] ; tepat regions boundaries FILE   an admin's desa GeoJSON
tepat synth --households N --seed S --out DIR [--source p3ke|dtsen] [--format xlsx|csv]
tepat import FILE... --source p3ke|dtsen|dtks|lokal [--mapping NAME] [--period P]
tepat mapping list | show NAME | suggest FILE --source S | save NAME --source S FIELD=HEADER...
tepat disburse FILE --programme ID --user U [--dry-run] [--format json|table]   who was paid
tepat indicators show [--region CODE] [--format json|table] | load | import FILE --user U
tepat indicators fgt FILE --line Z [--by kecamatan|desa] [--year Y --save --user U]
tepat report rakor --out FILE.pdf|FILE.xlsx ; tepat report quarterly --quarter 2024Q1 --out F
tepat backup [--out FILE.tar.gz] ; tepat restore FILE.tar.gz --yes
tepat users import FILE [--dry-run] [--sheet-out DIR] [--user U]   accounts from a list,
                                one activation sheet per kecamatan
tepat mfa_rekey                 re-encrypt the TOTP secrets under the current TEPAT_MFA_KEY
tepat audit reveals [--day YYYY-MM-DD] [--format json|table]   the daily access digest
tepat history cohort --from LIST --to LIST [--area CODE] [--format json|table]
                                where an earlier target list's families went (id or SK number)
tepat serve [ADDR:PORT]         the web app (runserver) ; tepat worker: the background worker
tepat <any manage.py command>   migrate, createsuperuser, check, ...
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_source",
    "serve": "runserver",
    "worker": "db_worker",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tepat.settings")
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tepat", *args])


if __name__ == "__main__":
    main()
