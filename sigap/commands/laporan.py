"""``report briefing``: a one-to-two-page briefing PDF from one command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, open_db


def register(sub) -> None:
    rep = sub.add_parser("report", help="bahan rapat (PDF)")
    rsub = rep.add_subparsers(dest="jenis", metavar="JENIS")
    rsub.required = True
    brief = rsub.add_parser("briefing", help="bahan rapat 1–2 halaman")
    brief.add_argument("--out", required=True)
    brief.add_argument("--quarter", help="triwulan, mis. '2026 T4' (bawaan: triwulan berjalan)")
    brief.add_argument("--region", help="cakupan: kode provinsi atau kabupaten/kota")
    brief.add_argument("--classification", default="Terbatas", choices=["Biasa", "Terbatas", "Rahasia"])
    brief.add_argument("--summary", default="", help="paragraf ringkasan")
    brief.add_argument("--user", default="cli")
    brief.set_defaults(handler=_briefing)
    tw = rsub.add_parser("triwulan", help="Laporan Triwulan Peta Potensi Konflik (PDF atau XLSX)")
    tw.add_argument("--year", type=int, required=True)
    tw.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
    tw.add_argument("--prov", help="kode provinsi (cakupan)")
    tw.add_argument("--out", required=True, help="berkas .pdf atau .xlsx")
    tw.add_argument("--classification", default="Terbatas", choices=["Biasa", "Terbatas", "Rahasia"])
    tw.add_argument("--notes", default="")
    tw.add_argument("--user", default="cli")
    tw.set_defaults(handler=_triwulan)


def _briefing(args) -> int:
    from analysis.triwulan import quarter_label
    from auth.identity import User
    from reports.briefing import briefing_pdf, build_briefing
    from reports.exports import record_export

    user = User(args.user, "analis", args.region, args.classification)
    con = open_db(args.db)
    try:
        briefing = build_briefing(con, user, args.quarter or quarter_label(date.today()), summary=args.summary,
                                  classification=args.classification)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    Path(args.out).write_bytes(briefing_pdf(briefing))
    record_export(con, user, "briefing", {"triwulan": args.quarter, "wilayah": args.region})
    print(json.dumps({"berkas": args.out}))
    return 0


def _triwulan(args) -> int:
    from auth.identity import User
    from reports.exports import record_export
    from reports.triwulan import quarter_table, triwulan_pdf, triwulan_xlsx

    label = f"{args.year} T{args.quarter}"
    user = User(args.user, "analis", args.prov, args.classification)
    con = open_db(args.db)
    out = Path(args.out)
    if out.suffix.lower() == ".pdf":
        data = triwulan_pdf(con, user, label, classification=args.classification, notes=args.notes)
    elif out.suffix.lower() == ".xlsx":
        data = triwulan_xlsx(quarter_table(con, user, label)[0], label, user, args.notes)
    else:
        raise CommandError("--out harus berakhiran .pdf atau .xlsx")
    out.write_bytes(data)
    record_export(con, user, f"triwulan:{label}", {"prov": args.prov, "format": out.suffix})
    print(json.dumps({"berkas": str(out), "triwulan": label}))
    return 0
