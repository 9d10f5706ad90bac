"""``migrate --to postgresql://…``: move this office's DuckDB database up to the shared server;
``db upgrade``: apply pending migrations to a server database as its owner."""

from __future__ import annotations

import json

from sigap.cli import CommandError


def register(sub) -> None:
    move = sub.add_parser("migrate", help="pindahkan basis data DuckDB ini ke server PostgreSQL (kosong)")
    move.add_argument("--to", required=True, metavar="URL", help="postgresql://pemilik@host:port/basisdata")
    move.set_defaults(handler=_migrate)
    db = sub.add_parser("db", help="basis data server")
    dsub = db.add_subparsers(dest="aksi", metavar="AKSI")
    dsub.required = True
    dsub.add_parser("upgrade", help="terapkan migrasi skema (peran pemilik)").set_defaults(handler=_upgrade)


def _migrate(args) -> int:
    from sigap.cli import open_db
    from store.audit import verify_chain
    from store.db import StoreError
    from store.pg import is_url
    from store.transfer import copy_database

    if is_url(args.db):
        raise CommandError("--db harus berkas DuckDB kantor ini; server tujuan diberikan dengan --to")
    if not is_url(args.to):
        raise CommandError("--to harus URL postgresql://…")
    source = open_db(args.db)
    target = open_db(args.to)
    try:
        moved = copy_database(source, target, source_file=args.db)
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    check = verify_chain(target)
    print(json.dumps({"tabel": moved.rows, "urutan": moved.sequences, "sidik_cocok": True,
                      "jejak_audit": check.message}, ensure_ascii=False))
    return 0 if check.ok else 1


def _upgrade(args) -> int:
    from sigap.cli import open_db
    from store.db import schema_version

    con = open_db(args.db)
    print(f"skema versi {schema_version(con)}")
    return 0
