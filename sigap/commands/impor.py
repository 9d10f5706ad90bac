"""``import``, ``batches``, ``undo``: incident files in, batches out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db


def register(sub) -> None:
    imp = sub.add_parser("import", help="impor berkas laporan (CSV, XLSX, ODS)")
    imp.add_argument("file")
    imp.add_argument("--preset", choices=["sigap", "acled", "ucdp"], help="format kolom (bawaan: dikenali otomatis)")
    imp.add_argument("--mapping", help="nama pemetaan kolom yang disimpan")
    imp.add_argument("--user", default="cli",
                     help="bertindak sebagai pengguna SIGAP ini (peran dan cakupannya berlaku; bawaan: cli, nasional)")
    imp.add_argument("--errors", help="tulis laporan masalah ke berkas XLSX ini")
    imp.add_argument("--max-mb", type=int, default=10,
                     help="ukuran berkas terbesar (MB; bawaan 10, sama dengan halaman impor). Batas sel dan ukuran "
                          "terurai ikut naik sebanding; naikkan hanya untuk berkas tepercaya dari jadwal impor")
    imp.add_argument("--accept-uncertain", action="store_true",
                     help="terima juga baris yang perlu konfirmasi wilayah (bawaan: ditolak)")
    imp.add_argument("--sync-deletions", action="store_true",
                     help="berkas ini ekspor lengkap sumbernya: insiden tersimpan dari sumber yang sama di wilayah "
                          "Anda, bertanggal di dalam rentang berkas, yang id_sumber-nya tidak ada lagi di berkas "
                          "ditandai terhapus (dapat dibatalkan dengan undo)")
    imp.set_defaults(handler=_import)
    batches = sub.add_parser("batches", help="daftar batch impor")
    batches.add_argument("--user", default="cli", help="daftar menurut cakupan pengguna ini (bawaan: cli, nasional)")
    batches.set_defaults(handler=_batches)
    undo = sub.add_parser("undo", help="batalkan satu batch impor")
    undo.add_argument("batch", type=int)
    undo.add_argument("--user", default="cli")
    undo.set_defaults(handler=_undo)


def _import(args) -> int:
    from geo.locate import load_locator
    from ingest.importer import errors_xlsx, prepare_import
    from ingest.readers import ReadError
    from services.imports import commit_import
    from store.mappings import load_mapping

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"berkas tidak ditemukan: {path}")
    con = open_db(args.db)
    user = acting_user(con, args.user)
    mapping = load_mapping(con, args.mapping) if args.mapping else None
    try:
        prepared = prepare_import(con, path.read_bytes(), path.name, load_locator(), preset=args.preset,
                                  mapping=mapping, user=user, max_bytes=args.max_mb * 1024 * 1024)
    except (ReadError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    confirmed = set(prepared.confirm["baris"]) if args.accept_uncertain else set()
    try:
        result = commit_import(con, prepared, user, confirmed_rows=confirmed, sync_deletions=args.sync_deletions)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.errors:
        problems = prepared.problems
        if not args.accept_uncertain and len(prepared.confirm):
            import pandas as pd

            extra = prepared.confirm.assign(kolom="kabupaten_kota", nilai=prepared.confirm["kode_kab"],
                                            alasan="perlu konfirmasi: " + prepared.confirm["catatan"],
                                            perbaikan="periksa lalu impor dengan --accept-uncertain")
            problems = pd.concat([problems, extra[problems.columns]], ignore_index=True)
        Path(args.errors).write_bytes(errors_xlsx(problems))
    print(json.dumps(result.summary()))
    return 0


def _batches(args) -> int:
    from services.imports import list_batches

    con = open_db(args.db)
    sys.stdout.write(list_batches(con, acting_user(con, args.user)).to_csv(index=False))
    return 0


def _undo(args) -> int:
    from auth.roles import PermissionDenied
    from services.imports import undo_import

    con = open_db(args.db)
    try:
        undone = undo_import(con, args.batch, acting_user(con, args.user))
    except (PermissionDenied, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    # dihapus: incidents the batch added, now removed; dipulihkan: incidents it updated or retired, restored
    print(json.dumps({"batch": args.batch, "dihapus": undone.removed, "dipulihkan": undone.restored}))
    return 0
