"""``backup create|list|restore``: online snapshots of the database."""

from __future__ import annotations

import json
from pathlib import Path

from sigap.cli import CommandError, open_db


def register(sub) -> None:
    backup = sub.add_parser("backup", help="cadangan basis data")
    bsub = backup.add_subparsers(dest="aksi", metavar="AKSI")
    bsub.required = True
    bsub.add_parser("create", help="buat cadangan sekarang").set_defaults(handler=_create)
    bsub.add_parser("list", help="daftar cadangan").set_defaults(handler=_list)
    restore = bsub.add_parser("restore", help="pulihkan basis data dari cadangan (aplikasi harus berhenti)")
    restore.add_argument("snapshot", help="berkas cadangan .duckdb")
    restore.set_defaults(handler=_restore)


def _create(args) -> int:
    from store.backup import fingerprint, take_snapshot

    con = open_db(args.db)
    path = take_snapshot(con, args.db)
    rows = {table: count for table, (count, _) in fingerprint(con).items()}
    print(json.dumps({"cadangan": str(path), "baris": rows}))
    return 0


def _list(args) -> int:
    from store.db import backup_dir

    for path in sorted(backup_dir(args.db).glob("sigap-*.duckdb")):
        print(f"{path}\t{path.stat().st_size}")
    return 0


def _restore(args) -> int:
    from store import StoreError
    from store.backup import restore_snapshot

    if not Path(args.snapshot).is_file():
        raise CommandError(f"berkas cadangan tidak ditemukan: {args.snapshot}")
    try:
        restored = restore_snapshot(args.snapshot, args.db)
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps({"dipulihkan": str(restored), "dari": args.snapshot}))
    return 0
