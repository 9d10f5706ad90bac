"""``users …`` and ``audit``: accounts and the audit log, for IT staff."""

from __future__ import annotations

import json
import sys

from sigap.cli import CommandError, open_db


def register(sub) -> None:
    users = sub.add_parser("users", help="kelola pengguna")
    usub = users.add_subparsers(dest="aksi", metavar="AKSI")
    usub.required = True
    admin = usub.add_parser("create-admin", help="buat admin pertama (kata sandi sekali pakai dicetak)")
    admin.add_argument("username")
    admin.add_argument("--if-none", action="store_true", help="hanya jika belum ada pengguna sama sekali")
    admin.set_defaults(handler=_create_admin)
    add = usub.add_parser("add", help="tambah pengguna")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["admin", "analis", "pimpinan"])
    add.add_argument("--region", help="kode provinsi (63) atau kabupaten/kota (63.72); kosong = nasional")
    add.add_argument("--clearance", default="Terbatas", choices=["Biasa", "Terbatas", "Rahasia"])
    add.add_argument("--email", help="e-mail untuk masuk lewat SSO (OIDC)")
    add.set_defaults(handler=_add)
    usub.add_parser("list", help="daftar pengguna").set_defaults(handler=_list)
    for name, helptext in (("disable", "nonaktifkan pengguna"), ("unlock", "buka kunci pengguna")):
        p = usub.add_parser(name, help=helptext)
        p.add_argument("username")
        p.set_defaults(handler=_disable if name == "disable" else _unlock)

    audit = sub.add_parser("audit", help="jejak audit")
    audit.add_argument("--action")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--verify", action="store_true", help="periksa rantai hash")
    audit.set_defaults(handler=_audit)


def _con(args):

    return open_db(args.db)


def _create_admin(args) -> int:
    from services.accounts import list_users

    con = _con(args)
    if args.if_none and not list_users(con).empty:
        return 0
    return _make(con, args.username, "admin", None, "Rahasia")


def _add(args) -> int:
    return _make(_con(args), args.username, args.role, args.region, args.clearance, args.email)


def _make(con, username, role, region, clearance, email=None) -> int:
    from services.accounts import AuthError, create_user

    try:
        secret = create_user(con, username, role, region, clearance, actor="cli", email=email)
    except (AuthError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"Pengguna {username} ({role}) dibuat. Kata sandi sekali pakai: {secret}", file=sys.stderr)
    print("Kata sandi ini wajib diganti saat pertama masuk.", file=sys.stderr)
    return 0


def _list(args) -> int:
    from services.accounts import list_users

    sys.stdout.write(list_users(_con(args)).to_csv(index=False))
    return 0


def _disable(args) -> int:
    from services.accounts import AuthError, set_active

    try:
        set_active(_con(args), args.username, False, actor="cli")
    except AuthError as exc:
        raise CommandError(str(exc)) from exc
    return 0


def _unlock(args) -> int:
    from services.accounts import AuthError, unlock

    try:
        unlock(_con(args), args.username, actor="cli")
    except AuthError as exc:
        raise CommandError(str(exc)) from exc
    return 0


def _audit(args) -> int:
    """Print the newest audit rows as formula-safe CSV, or (``--verify``) one JSON line naming the
    kind of break; exit 1 on a break."""
    from reports.safe import neutralise_frame
    from store.audit import read_audit, verify_chain

    con = _con(args)
    if args.verify:
        check = verify_chain(con)
        print(json.dumps({"utuh": check.ok, "jenis": check.kind, "baris_rusak": check.row_id,
                          "jumlah_baris": check.rows, "pesan": check.message}, ensure_ascii=False))
        return 0 if check.ok else 1
    log = read_audit(con, action=args.action, limit=args.limit).drop(columns=["prev_hash", "hash"])
    sys.stdout.write(neutralise_frame(log).to_csv(index=False))
    return 0
