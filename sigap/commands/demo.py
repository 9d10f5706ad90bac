"""``demo load|clear``: the synthetic demo data set."""

from __future__ import annotations

import json

from sigap.cli import open_db


def register(sub) -> None:
    demo = sub.add_parser("demo", help="data contoh sintetis")
    dsub = demo.add_subparsers(dest="aksi", metavar="AKSI")
    dsub.required = True
    load = dsub.add_parser("load", help="muat data contoh (jika belum ada)")
    load.add_argument("--n", type=int, default=6000, help="jumlah insiden (bawaan 6000)")
    load.add_argument("--seed", type=int, default=2024)
    load.add_argument("--if-empty", action="store_true",
                      help="hanya jika basis data belum berisi insiden dan data contoh belum pernah dihapus")
    load.set_defaults(handler=_load)
    clear = dsub.add_parser("clear", help="hapus semua data contoh")
    clear.set_defaults(handler=_clear)


def _load(args) -> int:
    from ingest.demo import demo_loaded, demo_was_cleared, load_demo
    from store.incidents import count_incidents

    con = open_db(args.db)
    if demo_loaded(con):
        print(json.dumps({"demo": "sudah ada", "batch": None}))
        return 0
    if args.if_empty and (demo_was_cleared(con) or count_incidents(con)):
        print(json.dumps({"demo": "dilewati", "batch": None}))
        return 0
    batch = load_demo(con, n=args.n, seed=args.seed)
    print(json.dumps({"demo": "dimuat", "batch": batch, "insiden": args.n}))
    return 0


def _clear(args) -> int:
    from ingest.demo import clear_demo

    removed = clear_demo(open_db(args.db))
    print(json.dumps({"demo": "dihapus", "insiden": removed}))
    return 0
