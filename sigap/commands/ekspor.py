"""``export``: the same filtered, scoped exports as the page, for scheduled jobs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError


def register(sub) -> None:
    exp = sub.add_parser("export", help="ekspor data insiden (CSV, XLSX, GeoJSON, GeoPackage)")
    exp.add_argument("--format", required=True, choices=["csv", "xlsx", "geojson", "gpkg", "png", "svg"])
    exp.add_argument("--out", required=True)
    exp.add_argument("--from", dest="date_from", type=date.fromisoformat, help="YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", type=date.fromisoformat, help="YYYY-MM-DD")
    exp.add_argument("--prov", help="kode provinsi, mis. 63")
    exp.add_argument("--kab", help="kode kabupaten/kota, mis. 63.72")
    exp.add_argument("--kategori", nargs="*", default=[])
    exp.add_argument("--user", default="cli", help="nama untuk jejak audit")
    exp.add_argument("--region", help="batasi ke wilayah ini (cakupan), mis. 63.72")
    exp.set_defaults(handler=_export)


def _export(args) -> int:
    from auth.users import User
    from reports.exports import export_data
    from store import connect
    from store.incidents import IncidentFilter

    user = User(username=args.user, role="analis", region=args.region, clearance="Terbatas")
    flt = IncidentFilter(date_from=args.date_from, date_to=args.date_to, prov=args.prov, kab=args.kab,
                         kategori=tuple(args.kategori))
    try:
        out = export_data(connect(args.db), args.format, flt, user)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    Path(args.out).write_bytes(out.data)
    print(json.dumps({"berkas": args.out, "baris": out.rows}))
    return 0
