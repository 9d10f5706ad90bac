"""``evaluate``: uji balik (back-test) of the IPK, the simple baselines and the forecast, as one JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sigap.cli import CommandError, open_db


def register(sub) -> None:
    ev = sub.add_parser(
        "evaluate", help="uji balik IPK dan prakiraan terhadap triwulan yang sudah lewat (JSON)"
    )
    ev.add_argument(
        "--from", dest="first", help="triwulan data pertama, mis. 2019T1 (bawaan: insiden pertama)"
    )
    ev.add_argument(
        "--to", dest="last", help="triwulan data terakhir, mis. 2023T4 (bawaan: triwulan lengkap terakhir)"
    )
    ev.add_argument(
        "--profile",
        action="append",
        default=[],
        help="berkas profil IPK (TOML); ulangi untuk membandingkan beberapa profil berdampingan",
    )
    ev.add_argument("--top", type=int, default=50, help="N untuk ketepatan N wilayah teratas (bawaan: 50)")
    ev.add_argument("--months", action="store_true", help="juga uji balik prakiraan 1–3 bulan")
    ev.add_argument(
        "--boot", type=int, default=1000, help="jumlah bootstrap untuk selang skill (bawaan: 1000)"
    )
    ev.add_argument("--seed", type=int, default=0, help="benih bootstrap (bawaan: 0)")
    ev.set_defaults(handler=_evaluate)


def _evaluate(args) -> int:
    from analysis.backtest import evaluate, evaluate_forecast
    from analysis.forecast import forecast_counts
    from analysis.panel import normalise_quarter, period_index, shift_period
    from analysis.triwulan import quarter_label

    profiles = _profiles(args.profile)
    current = quarter_label(date.today())
    try:
        last = normalise_quarter(args.last) if args.last else shift_period(current, -1)
        first = normalise_quarter(args.first) if args.first else None
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if period_index(last) >= period_index(current):
        raise CommandError(
            f"triwulan {last} belum selesai; uji balik hanya atas triwulan lengkap "
            f"(paling akhir {shift_period(current, -1)})"
        )
    con = open_db(args.db)
    regions = _regions(con)
    quarterly, monthly, skipped = _read_counts(con, first, last, set(regions["kode"]))
    if quarterly.empty:
        raise CommandError("tidak ada insiden pada rentang ini di basis data")
    first = first or min(quarterly["triwulan"], key=period_index)
    try:
        result = evaluate(
            quarterly,
            regions,
            profiles,
            top=args.top,
            first=first,
            last=last,
            n_boot=args.boot,
            seed=args.seed,
        )
        out = {
            "dari": first,
            "sampai": last,
            "insiden_tanpa_kabupaten_dikenal": skipped,
            "profil": _profile_names(profiles),
            **result.to_dict(),
            "teks_indeks": {
                m: result.index_text(m) for m in result.rows["metode"].unique() if m.startswith("ipk")
            },
        }
        out["prakiraan_berikut"] = []
        if result.verdict.shown:
            ahead = forecast_counts(quarterly, regions["kode"], origin=last).frame
            out["prakiraan_berikut"] = [
                {
                    "kode": r.kode,
                    "triwulan": r.triwulan,
                    "perkiraan": round(r.perkiraan, 2),
                    "bawah": int(r.bawah),
                    "atas": int(r.atas),
                }
                for r in ahead.itertuples()
            ]
        if args.months:
            months = monthly.loc[monthly["bulan"] <= _last_month(last)]
            ends = [m for m in months["bulan"].unique() if int(m[-2:]) % 3 == 0]
            out["bulanan"] = evaluate_forecast(
                months,
                regions["kode"],
                origins=ends,
                last=_last_month(last),
                top=args.top,
                n_boot=args.boot,
                seed=args.seed,
            ).to_dict()
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps(out, ensure_ascii=False, allow_nan=False))
    return 0


def _profiles(paths):
    from analysis.profile import ProfileError, load_profile
    from sigap.config import DATA_DIR

    paths = [Path(p) for p in paths] or [DATA_DIR / "profiles" / "konflik_sosial.toml"]
    loaded = {}
    for path in paths:
        if not path.is_file():
            raise CommandError(f"berkas profil tidak ditemukan: {path}")
        try:
            loaded[path.stem] = load_profile(path)
        except ProfileError as exc:
            raise CommandError(str(exc)) from exc
    if len(loaded) != len(paths):
        raise CommandError("nama berkas profil harus berbeda (nama berkas menjadi nama metode)")
    return next(iter(loaded.values())) if len(loaded) == 1 else loaded


def _profile_names(profiles) -> dict:
    from analysis.profile import Profile

    if isinstance(profiles, Profile):
        return {"ipk": profiles.nama}
    return {f"ipk:{k}": p.nama for k, p in profiles.items()}


def _regions(con):
    """Every installed kabupaten/kota and its number of kecamatan."""
    from store.regions import region_table

    kab = region_table(con, "kab")
    if kab.empty:
        raise CommandError(
            "belum ada daftar wilayah di basis data; jalankan dulu: python -m sigap regions install"
        )
    kec = region_table(con, "kec")
    per_kab = kec.groupby("kode_induk").size()
    return kab[["kode", "nama"]].assign(jumlah_kec=kab["kode"].map(per_kab).fillna(1)).reset_index(drop=True)


def _last_month(quarter: str) -> str:
    year, q = quarter.split(" T")
    return f"{year}-{3 * int(q):02d}"


def _read_counts(con, first, last, known):
    """Counts per (kabupaten, triwulan) with the IPK's columns, and per (kabupaten, bulan), national, every
    clearance.

    Both come from :func:`store.incidents.aggregate_by_period` with a national ``Rahasia`` scope (a
    command-line job on the server reads everything).
    """
    from analysis.panel import normalise_quarter
    from analysis.triwulan import quarter_bounds
    from store.incidents import IncidentFilter, Scope, aggregate_by_period

    flt = IncidentFilter(
        date_from=quarter_bounds(normalise_quarter(first))[0] if first else None,
        date_to=quarter_bounds(last)[1],
    )
    scope = Scope(region=None, clearance="Rahasia")
    quarterly = aggregate_by_period(con, flt, scope, period="triwulan")
    monthly = aggregate_by_period(con, flt, scope, period="bulan")[["kode", "bulan", "jumlah"]]
    mask = quarterly["kode"].isin(known)
    skipped = int(quarterly.loc[~mask, "jumlah"].sum())
    numeric = ["jumlah", "skor_kejadian", "eskalasi_maks", "tewas", "luka", "pengungsi", "kec_terdampak"]
    quarterly = quarterly.loc[mask].reset_index(drop=True)
    quarterly[numeric] = quarterly[numeric].fillna(0).astype(float)
    return quarterly, monthly.loc[monthly["kode"].isin(known)].reset_index(drop=True), skipped
