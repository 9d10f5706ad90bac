"""``report briefing|triwulan``: the briefing and the Laporan Triwulan from one command, for the
region chosen with ``--prov`` / ``--kab`` (inside the acting user's scope)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db

CLASSIFICATIONS = ["Biasa", "Terbatas", "Rahasia"]


def register(sub) -> None:
    rep = sub.add_parser("report", help="bahan rapat dan laporan triwulan (PDF/XLSX)")
    rsub = rep.add_subparsers(dest="jenis", metavar="JENIS")
    rsub.required = True
    brief = rsub.add_parser("briefing", help="bahan rapat 1–2 halaman")
    brief.add_argument("--out", required=True)
    brief.add_argument("--quarter", help="triwulan, mis. '2026 T4' (bawaan: triwulan berjalan)")
    _region_arguments(brief)
    brief.add_argument("--classification", default="Terbatas", choices=CLASSIFICATIONS)
    brief.add_argument("--summary", default="", help="paragraf ringkasan")
    brief.set_defaults(handler=_briefing)
    tw = rsub.add_parser("triwulan", help="Laporan Triwulan Peta Potensi Konflik (PDF atau XLSX)")
    tw.add_argument("--year", type=int, required=True)
    tw.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    tw.add_argument("--out", required=True, help="berkas .pdf atau .xlsx")
    _region_arguments(tw)
    tw.add_argument("--classification", default="Terbatas", choices=CLASSIFICATIONS)
    tw.add_argument("--notes", default="")
    tw.set_defaults(handler=_triwulan)


def _region_arguments(parser) -> None:
    parser.add_argument("--prov", help="wilayah dokumen: kode provinsi, mis. 63")
    parser.add_argument("--kab", help="wilayah dokumen: kode kabupaten/kota, mis. 63.72")
    parser.add_argument("--region", help="persempit cakupan pengguna ke wilayah ini (provinsi atau kabupaten/kota)")
    parser.add_argument("--user", default="cli", help="bertindak sebagai pengguna SIGAP ini (cakupannya berlaku)")


def _prepare(args, out: Path):
    """The database, the acting user (scope narrowed by ``--region``, clearance at most the
    document's classification) and the chosen region, all checked before anything is built."""
    import dataclasses

    from auth.identity import CLEARANCE_LEVELS
    from auth.roles import in_scope, scope_label
    from store.regions import require_region

    if not out.parent.is_dir():
        raise CommandError(f"folder tujuan tidak ada: {out.parent}")
    con = open_db(args.db)
    user = acting_user(con, args.user)
    for code, levels in ((args.prov, ("prov",)), (args.kab, ("kab",)), (args.region, ("prov", "kab"))):
        if code:
            require_region(con, code, levels)
    if args.prov and args.kab and not in_scope(args.prov, args.kab):
        raise CommandError(f"kabupaten/kota {args.kab} tidak berada di provinsi {args.prov}")
    if args.region:
        if not in_scope(user.region, args.region):
            raise CommandError(f"wilayah {args.region} di luar cakupan {user.username} ({scope_label(user.region)})")
        user = dataclasses.replace(user, region=args.region)
    if CLEARANCE_LEVELS[args.classification] < CLEARANCE_LEVELS[user.clearance]:
        user = dataclasses.replace(user, clearance=args.classification)  # nothing above the document's marking
    return con, user, args.kab or args.prov


def _briefing(args) -> int:
    from analysis.triwulan import quarter_label
    from auth.roles import PermissionDenied
    from reports.briefing import briefing_pdf, build_briefing
    from reports.document import document_region
    from reports.exports import record_export

    out = Path(args.out)
    con, user, region = _prepare(args, out)
    quarter = args.quarter or quarter_label(date.today())
    try:
        briefing = build_briefing(con, user, quarter, summary=args.summary, classification=args.classification,
                                  region=region)
        area = document_region(con, user, region)
    except PermissionDenied as exc:  # a PermissionError, which the CLI would read as a file problem
        raise CommandError(str(exc)) from exc
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    out.write_bytes(briefing_pdf(briefing))
    record_export(con, user, "briefing", {"triwulan": quarter, "klasifikasi": args.classification,
                                          "wilayah": area.code or "nasional"})
    print(json.dumps({"berkas": args.out, "triwulan": quarter, "wilayah": area.code or "nasional"}))
    return 0


def _triwulan(args) -> int:
    from auth.roles import PermissionDenied
    from reports.document import document_region
    from reports.exports import record_export
    from reports.triwulan import triwulan_pdf, triwulan_workbook

    label = f"{args.year} T{args.quarter}"
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".xlsx"):
        raise CommandError("--out harus berakhiran .pdf atau .xlsx")
    con, user, region = _prepare(args, out)
    rows = None
    try:
        area = document_region(con, user, region)
        if out.suffix.lower() == ".pdf":
            data = triwulan_pdf(con, user, label, classification=args.classification, notes=args.notes,
                                region=region)
        else:
            data, rows = triwulan_workbook(con, user, label, region=region, notes=args.notes)
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from exc
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    out.write_bytes(data)
    record_export(con, user, f"triwulan:{label}", {"format": out.suffix.lower().lstrip("."),
                                                   "wilayah": area.code or "nasional"}, rows)
    print(json.dumps({"berkas": str(out), "triwulan": label, "wilayah": area.code or "nasional"}))
    return 0
