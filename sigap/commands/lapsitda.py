"""``lapsitda status`` and ``lapsitda rekap``: who reported for a day, and the province's compilation."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db

_PERIODS = ("harian", "mingguan", "bulanan")


@contextmanager
def _refusals():
    """A refused permission as one line (``PermissionDenied`` is an ``OSError`` to Python)."""
    from auth.roles import PermissionDenied

    try:
        yield
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from exc


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tanggal tidak sah: {text!r} (tulis YYYY-MM-DD, mis. 2026-12-01)") from None


def register(sub) -> None:
    lap = sub.add_parser("lapsitda", help="kelengkapan dan rekap LAPSITDA harian")
    lsub = lap.add_subparsers(dest="aksi", metavar="AKSI")
    lsub.required = True
    status = lsub.add_parser("status", help="status pelaporan setiap kab/kota untuk satu tanggal")
    status.add_argument("--date", required=True, type=_day, help="tanggal LAPSITDA, YYYY-MM-DD")
    status.add_argument("--prov", help="kode provinsi (atau kab/kota) di dalam cakupan pengguna, mis. 63")
    status.add_argument("--format", default="json", choices=["json", "csv"],
                        help="json: satu objek dengan jumlah; csv: satu baris per kab/kota")
    status.add_argument("--user", default="cli", help="bertindak sebagai pengguna SIGAP ini (cakupannya berlaku)")
    status.set_defaults(handler=_status)
    rekap = lsub.add_parser("rekap", help="rekap LAPSITDA (PDF atau XLSX)")
    rekap.add_argument("--date", required=True, type=_day, help="tanggal akhir periode, YYYY-MM-DD")
    rekap.add_argument("--prov", required=True, help="kode provinsi, mis. 63")
    rekap.add_argument("--out", required=True, help="berkas .pdf atau .xlsx")
    rekap.add_argument("--period", default="harian", choices=_PERIODS,
                       help="harian (tanggal itu), mingguan (7 hari berakhir pada tanggal itu), bulanan (bulannya)")
    rekap.add_argument("--classification", default="Terbatas", choices=["Biasa", "Terbatas", "Rahasia"],
                       help="penandaan minimum (naik bila ada laporan berklasifikasi lebih tinggi)")
    rekap.add_argument("--user", default="cli")
    rekap.set_defaults(handler=_rekap)


def _status(args) -> int:
    from services.lapsitda import completeness, completeness_file, status_counts

    con = open_db(args.db)
    user = acting_user(con, args.user)
    with _refusals():
        table = completeness(con, user, args.date, prov=args.prov)
    if args.format == "csv":
        sys.stdout.write(completeness_file(table, "csv").decode("utf-8-sig"))
        return 0
    print(json.dumps({"tanggal": args.date.isoformat(), **status_counts(table)}))
    return 0


def _rekap(args) -> int:
    from services.lapsitda import rekap_file

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        raise CommandError("--out harus berakhiran .pdf atau .xlsx")
    if not out.parent.is_dir():  # checked before anything is built or audited
        raise CommandError(f"folder tujuan tidak ada: {out.parent}")
    con = open_db(args.db)
    user = acting_user(con, args.user)
    with _refusals():
        data, _ = rekap_file(con, user, args.date, fmt=fmt, period=args.period, prov=args.prov,
                             classification=args.classification)
    out.write_bytes(data)
    print(json.dumps({"berkas": str(out), "periode": args.period, "tanggal": args.date.isoformat(),
                      "prov": args.prov}))
    return 0
