"""``report briefing``: a one-to-two-page briefing PDF from one command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError


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


def _briefing(args) -> int:
    from analysis.triwulan import quarter_label
    from auth.users import User
    from reports.briefing import briefing_pdf, build_briefing
    from store import connect
    from store.audit import AuditEvent, record
    from store.db import transaction

    user = User(args.user, "analis", args.region, args.classification)
    con = connect(args.db)
    try:
        briefing = build_briefing(con, user, args.quarter or quarter_label(date.today()), summary=args.summary,
                                  classification=args.classification)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    Path(args.out).write_bytes(briefing_pdf(briefing))
    with transaction(con):
        record(con, AuditEvent(actor=args.user, action="ekspor", object="briefing",
                               detail={"triwulan": args.quarter, "wilayah": args.region}))
    print(json.dumps({"berkas": args.out}))
    return 0
