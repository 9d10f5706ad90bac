"""``context import``: per-region election facts and official indices (IKP, IPKP) with data dates."""

from __future__ import annotations

import json
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db


def register(sub) -> None:
    ctx = sub.add_parser("context", help="konteks pemilihan per kabupaten/kota (paslon, petahana, IKP, IPKP)")
    csub = ctx.add_subparsers(dest="aksi", metavar="AKSI")
    csub.required = True
    imp = csub.add_parser("import", help="impor tabel CSV konteks")
    imp.add_argument("file")
    imp.add_argument("--election", default="Pilkada 2024", help="nama pemilihan (bawaan: Pilkada 2024)")
    imp.add_argument("--user", default="cli")
    imp.set_defaults(handler=_import)


def _import(args) -> int:
    from auth.roles import PermissionDenied
    from ingest.readers import ReadError, read_small_csv
    from ingest.tables import TableError
    from ingest.validate import describe_problems
    from services.context import import_context

    path = Path(args.file)
    try:
        table = read_small_csv(path)
    except ReadError as exc:
        raise CommandError(str(exc)) from exc
    con = open_db(args.db)
    try:
        n = import_context(con, table, args.election, acting_user(con, args.user))
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from exc
    except TableError as exc:
        raise CommandError(f"{exc}\n{describe_problems(path.name, exc.problems)}") from exc
    print(json.dumps({"pemilihan": args.election, "baris": n}))
    return 0
