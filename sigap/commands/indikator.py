"""``indicators import|list``: area indicators (population, poverty, IKN…) with their data dates."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db


def register(sub) -> None:
    ind = sub.add_parser("indicators", help="indikator wilayah (penduduk, kemiskinan, IKN, …)")
    isub = ind.add_subparsers(dest="aksi", metavar="AKSI")
    isub.required = True
    imp = isub.add_parser("import", help="impor CSV berkolom kode,nilai")
    imp.add_argument("file")
    imp.add_argument("--name", required=True, help="nama indikator, mis. penduduk")
    imp.add_argument("--date", required=True, type=date.fromisoformat, help="tanggal data (YYYY-MM-DD)")
    imp.add_argument("--source", help="sumber, mis. BPS 2024")
    imp.add_argument("--user", default="cli")
    imp.set_defaults(handler=_import)
    isub.add_parser("list", help="daftar indikator dan tanggal datanya").set_defaults(handler=_list)


def _import(args) -> int:
    from auth.roles import PermissionDenied
    from ingest.readers import ReadError, read_small_csv
    from ingest.tables import TableError
    from ingest.validate import describe_problems
    from services.context import import_indicator

    path = Path(args.file)
    try:
        table = read_small_csv(path)
    except ReadError as exc:
        raise CommandError(str(exc)) from exc
    con = open_db(args.db)
    try:
        n = import_indicator(con, args.name, table, args.date, acting_user(con, args.user),
                             args.source)
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from exc
    except TableError as exc:
        raise CommandError(f"{exc}\n{describe_problems(path.name, exc.problems)}") from exc
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps({"indikator": args.name, "baris": n, "tanggal_data": str(args.date)}))
    return 0


def _list(args) -> int:
    from store.indicators import indicator_catalogue

    sys.stdout.write(indicator_catalogue(open_db(args.db)).to_csv(index=False))
    return 0
