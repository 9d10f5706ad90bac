"""``boundaries install``, ``regions`` and ``locate``: boundary data for IT staff and jobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sigap.cli import CommandError, open_db

_REGION_COLUMNS = ["kode", "nama", "jenis", "kode_induk", "luas_km2"]


def register(sub) -> None:
    boundaries = sub.add_parser("boundaries", help="batas wilayah resmi Kemendagri")
    bsub = boundaries.add_subparsers(dest="aksi", metavar="AKSI")
    bsub.required = True
    install = bsub.add_parser("install", help="pasang batas wilayah (folder lokal atau URL upstream)")
    install.add_argument("--source", help="folder wilayah_boundaries atau URL dasar (bawaan: ../shared/…)")
    install.add_argument("--force", action="store_true", help="pasang ulang walau sudah terpasang")
    install.set_defaults(handler=_install)

    regions = sub.add_parser("regions", help="daftar wilayah (CSV atau GeoJSON)")
    regions.add_argument("--level", choices=["prov", "kab", "kec"], default="kab")
    regions.add_argument("--format", choices=["csv", "geojson"], default="csv")
    regions.add_argument("--out", help="berkas keluaran (bawaan: layar)")
    regions.set_defaults(handler=_regions)

    locate = sub.add_parser("locate", help="tentukan kabupaten/kecamatan untuk titik dalam CSV")
    locate.add_argument("input", help="berkas CSV masukan")
    locate.add_argument("--lat", required=True, help="nama kolom lintang")
    locate.add_argument("--lon", required=True, help="nama kolom bujur")
    locate.add_argument("--out", help="berkas CSV keluaran (bawaan: layar)")
    locate.set_defaults(handler=_locate)


def _install(args) -> int:
    from geo.boundaries import is_installed
    from geo.install import BoundaryInstallError, install_boundaries
    from store.regions import load_regions_into

    if is_installed() and not args.force:
        print("Batas wilayah sudah terpasang (pakai --force untuk memasang ulang).", file=sys.stderr)
    else:
        try:
            result = install_boundaries(args.source, log=lambda line: print(line, file=sys.stderr))
        except BoundaryInstallError as exc:
            raise CommandError(f"pemasangan batas wilayah gagal: {exc}") from exc
        report = result.report
        print(
            f"Perbaikan cakupan: {report['pasangan_kabupaten_tumpang_tindih']} pasangan kabupaten tumpang "
            f"tindih ({report['luas_tumpang_tindih_km2']} km²) diselesaikan, "
            f"{report['diputuskan_oleh_kecamatan']} diputuskan oleh lapisan kecamatan; "
            f"laporan lengkap: {result.directory / 'coverage_report.json'}",
            file=sys.stderr,
        )
    con = open_db(args.db)
    counts = load_regions_into(con)
    print(json.dumps({"wilayah": counts, "db": args.db}))
    return 0


def _regions(args) -> int:
    from geo.boundaries import load_regions

    try:
        frame = load_regions(args.level)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from exc
    frame["luas_km2"] = frame["luas_km2"].round(2)
    if args.format == "csv":
        text = frame[_REGION_COLUMNS].to_csv(index=False, lineterminator="\n")
    else:
        text = frame[_REGION_COLUMNS + ["geometry"]].to_json(drop_id=True, ensure_ascii=False)
    _emit(text, args.out)
    return 0


def _locate(args) -> int:
    import pandas as pd

    from geo.locate import load_locator

    path = Path(args.input)
    if not path.is_file():
        raise CommandError(f"berkas masukan tidak ditemukan: {path}")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in (args.lat, args.lon):
        if column not in table.columns:
            raise CommandError(f"{path.name}: kolom {column!r} tidak ada (kolom tersedia: {', '.join(table.columns)})")
    lat = pd.to_numeric(table[args.lat].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    lon = pd.to_numeric(table[args.lon].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    try:
        locator = load_locator()
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from exc
    found = locator.locate(lon, lat)
    names = _names()
    table["kode_kab"] = found.kode_kab
    table["nama_kab"] = [names.get(k, "") if k else "" for k in found.kode_kab]
    table["kode_kec"] = found.kode_kec
    table["nama_kec"] = [names.get(k, "") if k else "" for k in found.kode_kec]
    table["status"] = found.status
    _emit(table.to_csv(index=False, lineterminator="\n"), args.out)
    return 0


def _names() -> dict[str, str]:
    from geo.boundaries import load_regions

    return {
        kode: nama for level in ("kab", "kec") for kode, nama in
        zip(*load_regions(level)[["kode", "nama"]].to_numpy().T)
    }


def _emit(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
