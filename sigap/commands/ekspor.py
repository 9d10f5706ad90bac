"""``export``: the same filtered, scoped exports as the page, for scheduled jobs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, acting_user, open_db


def register(sub) -> None:
    exp = sub.add_parser("export", help="ekspor data insiden (CSV, XLSX, GeoJSON, GeoPackage, PNG, SVG)")
    exp.add_argument("--format", required=True, choices=["csv", "xlsx", "geojson", "gpkg", "png", "svg"])
    exp.add_argument("--out", required=True)
    exp.add_argument("--from", dest="date_from", type=date.fromisoformat, help="YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", type=date.fromisoformat, help="YYYY-MM-DD")
    exp.add_argument("--prov", help="wilayah berkas: kode provinsi, mis. 63")
    exp.add_argument("--kab", help="wilayah berkas: kode kabupaten/kota, mis. 63.72")
    exp.add_argument("--kategori", nargs="*", default=[])
    exp.add_argument("--user", default="cli", help="bertindak sebagai pengguna SIGAP ini (cakupannya berlaku)")
    exp.add_argument("--region", help="persempit cakupan ke wilayah ini, mis. 63.72 (di dalam cakupan pengguna)")
    exp.set_defaults(handler=_export)


def _export(args) -> int:
    import dataclasses

    from auth.roles import PermissionDenied, in_scope, scope_label
    from reports.exports import export_data
    from store.incidents import IncidentFilter
    from store.regions import require_region

    out_path = Path(args.out)
    if not out_path.parent.is_dir():  # checked before anything is built or audited
        raise CommandError(f"folder tujuan tidak ada: {out_path.parent}")
    con = open_db(args.db)
    user = acting_user(con, args.user)
    for code, levels in ((args.prov, ("prov",)), (args.kab, ("kab",)), (args.region, ("prov", "kab"))):
        if code:
            require_region(con, code, levels)
    if args.region:
        if not in_scope(user.region, args.region):
            raise CommandError(f"wilayah {args.region} di luar cakupan {user.username} ({scope_label(user.region)})")
        user = dataclasses.replace(user, region=args.region)
    flt = IncidentFilter(date_from=args.date_from, date_to=args.date_to, prov=args.prov, kab=args.kab,
                         kategori=tuple(args.kategori))
    try:
        out = export_data(con, args.format, flt, user)
    except PermissionDenied as exc:  # a PermissionError, which the CLI would read as a file problem
        raise CommandError(str(exc)) from exc
    out_path.write_bytes(out.data)
    print(json.dumps({"berkas": args.out, "baris": out.rows, "nama_bawaan": out.filename}))
    return 0
