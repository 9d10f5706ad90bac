"""Clearly synthetic demo incidents, so a fresh install shows a living map.

Every generated incident is titled ``[SINTETIS] …``, belongs to an import batch flagged
``sintetis`` and can be removed in one action (:func:`clear_demo`). Places are real land
points (checked with the point → region locator), more in cities and populous provinces,
with a few clusters; dates span 2024 to the present with a Pilkada 2024 build-up.
"""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from store.audit import AuditEvent, record
from store.batches import delete_synthetic, demo_was_cleared, insert_synthetic, synthetic_loaded
from store.db import transaction

__all__ = ["DEMO_SOURCE", "clear_demo", "demo_loaded", "demo_was_cleared", "generate_demo", "load_demo"]

DEMO_SOURCE = "demo"
_POPULOUS_PROVINCES = {"31": 3.0, "32": 3.0, "33": 2.5, "34": 2.0, "35": 3.0, "36": 2.0, "51": 1.5, "12": 1.5}
_TENSE_PROVINCES = {"11": 1.5, "72": 1.5, "81": 1.5, "91": 1.8, "92": 1.5, "93": 1.8, "94": 1.8, "95": 1.5, "96": 1.3}
#: Category → (share of incidents, bentuk codes typical for it).
_CATEGORIES = {
    "POL": (0.16, ["UR_DAMAI", "UR_BENTROK", "INTIMIDASI", "RUSAK", "BENTROK", "DARING"]),
    "SARA": (0.07, ["KETEGANGAN", "SERANG", "RUSAK", "BENTROK", "INTIMIDASI"]),
    "SDA": (0.15, ["UR_DAMAI", "BLOKADE", "BENTROK", "RUSAK", "KETEGANGAN"]),
    "BTS": (0.05, ["KETEGANGAN", "BLOKADE", "BENTROK"]),
    "EKO": (0.10, ["UR_DAMAI", "UR_BENTROK", "BLOKADE"]),
    "PEM": (0.09, ["UR_DAMAI", "KETEGANGAN", "BLOKADE", "RUSAK"]),
    "ORM": (0.07, ["BENTROK", "INTIMIDASI", "SERANG"]),
    "IDE": (0.04, ["DARING", "TEROR", "INTIMIDASI", "KETEGANGAN"]),
    "INF": (0.09, ["DARING"]),
    "KAM": (0.12, ["AMUK_MASSA", "BENTROK", "SERANG", "BUNUH"]),
    "ASG": (0.03, ["KETEGANGAN", "UR_DAMAI"]),
    "LAIN": (0.03, ["KETEGANGAN", "UR_DAMAI"]),
}
_BIDANG = {"POL": "politik", "SARA": "sosbud", "SDA": "ekonomi", "BTS": "politik", "EKO": "ekonomi",
           "PEM": "politik", "ORM": "hankam", "IDE": "ideologi", "INF": "sosbud", "KAM": "hankam",
           "ASG": "hankam", "LAIN": "sosbud"}
_STATUS = ["baru", "terverifikasi", "dalam_penanganan", "mediasi", "selesai_damai", "selesai_hukum", "laten", "ditutup"]


def generate_demo(kab: pd.DataFrame, kec_names: dict[str, str], locator, bentuk_weights: dict[str, float],
                  n: int = 6000, seed: int = 2024, start: date = date(2024, 1, 1),
                  end: date | None = None) -> pd.DataFrame:
    """Generate ``n`` synthetic incidents.

    Parameters
    ----------
    kab : pandas.DataFrame or geopandas.GeoDataFrame
        Kabupaten with ``kode, nama, jenis, geometry`` (bounds are used to draw points).
    kec_names : dict
        ``{kode kecamatan: nama}`` for titles.
    locator : geo.locate.Locator
        Used to keep only points that fall on land in the drawn kabupaten.
    bentuk_weights : dict
        ``{bentuk code: weight 1..5}`` (``data/vocab/bentuk.csv``), drives eskalasi.
    """
    rng = np.random.default_rng(seed)
    end = end or date.today()
    kab = kab.reset_index(drop=True)
    weights = _region_weights(kab, rng)
    hot = rng.choice(len(kab), size=12, replace=False, p=weights)
    pick = rng.choice(len(kab), size=n, p=weights)
    categories = _draw_categories(rng, n)
    dates = _draw_dates(rng, n, categories, pick, hot, start, end)
    lon, lat, kode_kec = _draw_points(rng, kab, pick, hot, locator)
    bentuk = np.array([rng.choice(_CATEGORIES[c][1]) for c in categories])
    sifat = rng.choice(["potensi", "gejala", "kejadian"], size=n, p=[0.2, 0.25, 0.55])
    bentuk = np.where(sifat == "potensi", "KETEGANGAN", bentuk)
    base = np.array([bentuk_weights.get(b, 2.0) for b in bentuk])
    eskalasi = np.clip(np.round(base + rng.normal(0, 0.7, n)), 1, 5).astype(int)
    eskalasi = np.where(sifat == "potensi", np.minimum(eskalasi, 2), eskalasi)
    violent = np.isin(bentuk, ["BENTROK", "SERANG", "AMUK_MASSA", "KERUSUHAN", "BUNUH", "TEROR", "UR_BENTROK"])
    tewas = np.where(violent, rng.poisson(0.04 * eskalasi ** 1.5), 0)
    luka = np.where(violent, rng.poisson(0.5 * eskalasi), 0)
    pengungsi = np.where(violent & (eskalasi >= 4), rng.poisson(15, n), 0)
    age_days = (pd.Timestamp(end) - pd.to_datetime(dates)).days.to_numpy()
    status = np.where(age_days < 30, rng.choice(_STATUS[:4], n), rng.choice(_STATUS, n))
    klasifikasi = rng.choice(["Biasa", "Terbatas", "Rahasia"], size=n, p=[0.85, 0.12, 0.03])
    kab_code = kab["kode"].to_numpy()[pick]
    kab_name = kab["nama"].to_numpy()[pick]
    bentuk_names = _vocab_names("bentuk")
    kategori_names = _vocab_names("kategori")
    place = [kec_names.get(k, "") if k else "" for k in kode_kec]
    judul = [
        f"[SINTETIS] {bentuk_names.get(b, b).capitalize()} — {kategori_names.get(c, c)} di "
        f"{'Kec. ' + p + ', ' if p else ''}{kn}"
        for b, c, p, kn in zip(bentuk, categories, place, kab_name)
    ]
    precise = ~np.isnan(lat)
    frame = pd.DataFrame({
        "sumber": DEMO_SOURCE,
        "id_sumber": [f"demo-{seed}-{i}" for i in range(n)],
        "tgl_mulai": pd.to_datetime(dates).date,
        "presisi_waktu": 1,
        "kode_prov": [k[:2] for k in kab_code],
        "kode_kab": kab_code,
        "kode_kec": kode_kec,
        "lat": lat, "lon": lon,
        "presisi_lokasi": np.where(precise, 1, 3),
        "status_lokasi": np.where(precise, "inside", None),
        "kategori": categories, "bentuk": bentuk, "sifat": sifat,
        "bidang": [_BIDANG[c] for c in categories],
        "athg": rng.choice(["A", "T", "H", "G"], size=n, p=[0.2, 0.15, 0.25, 0.4]),
        "terkait_pemilu": categories == "POL",
        "tewas": tewas, "luka": luka, "pengungsi": pengungsi,
        "eskalasi": eskalasi, "status_penanganan": status,
        "judul": judul,
        "kronologi": "Data contoh (sintetis) untuk demonstrasi SIGAP; bukan kejadian nyata.",
        "klasifikasi": klasifikasi,
        # verified by the province, except some of the last 30 days still waiting at the kabupaten/kota
        "status_verifikasi": np.where((age_days < 30) & (np.arange(n) % 3 == 0), "diajukan", "diverifikasi_prov"),
    })
    frame["hash_isi"] = [hashlib.sha256(i.encode()).hexdigest() for i in frame["id_sumber"]]
    return frame.sort_values("tgl_mulai", kind="stable").reset_index(drop=True)


def _region_weights(kab, rng) -> np.ndarray:
    prov = kab["kode"].str[:2]
    w = np.ones(len(kab))
    w *= np.where(kab["jenis"].to_numpy() == "kota", 2.5, 1.0)
    w *= prov.map(_POPULOUS_PROVINCES).fillna(1.0).to_numpy()
    w *= prov.map(_TENSE_PROVINCES).fillna(1.0).to_numpy()
    w *= rng.gamma(2.0, 0.5, len(kab))  # uneven reporting, as in real data
    return w / w.sum()


def _draw_categories(rng, n) -> np.ndarray:
    codes = list(_CATEGORIES)
    shares = np.array([_CATEGORIES[c][0] for c in codes])
    drawn = rng.choice(codes, size=n, p=shares / shares.sum())
    drawn[: len(codes)] = codes  # every category appears at least once
    return drawn


def _draw_dates(rng, n, categories, pick, hot, start, end) -> np.ndarray:
    span = (end - start).days
    offsets = rng.integers(0, span + 1, n)
    # Pilkada 2024: political incidents crowd into the campaign and vote count (Sep–Dec 2024).
    pilkada = (categories == "POL") & (rng.random(n) < 0.45)
    offsets[pilkada] = (date(2024, 9, 1) - start).days + rng.integers(0, 110, pilkada.sum())
    # Rising tension in the hotspot regions over the last four months.
    rising = np.isin(pick, hot) & (rng.random(n) < 0.5)
    offsets[rising] = span - rng.integers(0, min(120, span), rising.sum())
    offsets = np.clip(offsets, 0, span)
    return (np.datetime64(start) + offsets.astype("timedelta64[D]")).astype("datetime64[D]")


def _draw_points(rng, kab, pick, hot, locator, rounds: int = 40):
    """Rejection-sample a land point in each drawn kabupaten (clustered for hotspot regions)."""
    n = len(pick)
    bounds = np.asarray(kab.geometry.bounds)[pick]
    codes = kab["kode"].to_numpy()[pick]
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    kode_kec = np.full(n, None, dtype=object)
    centre = {h: None for h in hot}
    todo = np.arange(n)
    for _ in range(rounds):
        if not len(todo):
            break
        b = bounds[todo]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        clustered = np.isin(pick[todo], hot) & (rng.random(len(todo)) < 0.6)
        for h in hot:
            sel = clustered & (pick[todo] == h)
            if sel.any() and centre[h] is not None:
                x[sel] = centre[h][0] + rng.normal(0, 0.04, sel.sum())
                y[sel] = centre[h][1] + rng.normal(0, 0.04, sel.sum())
        found = locator.locate(x, y)
        ok = (found.status == "inside") & (found.kode_kab == codes[todo])
        lon[todo[ok]], lat[todo[ok]], kode_kec[todo[ok]] = x[ok], y[ok], found.kode_kec[ok]
        for h in hot:
            if centre[h] is None:
                hit = np.flatnonzero(ok & (pick[todo] == h))
                if len(hit):
                    centre[h] = (x[hit[0]], y[hit[0]])
        todo = todo[~ok]
    return lon, lat, kode_kec  # points never found stay NaN: kabupaten-level precision


def _vocab_names(name: str) -> dict[str, str]:
    from settings import DATA_DIR

    table = pd.read_csv(DATA_DIR / "vocab" / f"{name}.csv", dtype=str)
    return dict(zip(table["kode"], table["nama"]))


def demo_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """True while any synthetic batch is in the database."""
    return synthetic_loaded(con)


def load_demo(con: duckdb.DuckDBPyConnection, n: int = 6000, seed: int = 2024, end: date | None = None) -> int:
    """Generate and store demo incidents as one synthetic batch (one transaction).

    Returns
    -------
    int
        The batch id.
    """
    from geo.boundaries import load_regions
    from geo.locate import load_locator
    kab = load_regions("kab")
    kec = load_regions("kec")
    bentuk = pd.read_csv(_data_vocab("bentuk"), dtype={"kode": str, "bobot": float})
    frame = generate_demo(kab, dict(zip(kec["kode"], kec["nama"])), load_locator(),
                          dict(zip(bentuk["kode"], bentuk["bobot"])), n=n, seed=seed, end=end)
    with transaction(con):
        batch = insert_synthetic(con, frame, DEMO_SOURCE, "Data contoh sintetis; hapus dengan: python -m sigap demo clear")
        record(con, AuditEvent(actor="sistem", action="demo_muat", object=f"batch:{batch}", row_count=len(frame)))
    return batch


def clear_demo(con: duckdb.DuckDBPyConnection, actor: str = "sistem") -> int:
    """Delete every synthetic batch and its incidents (one transaction); return rows removed."""
    with transaction(con):
        removed = delete_synthetic(con)
        record(con, AuditEvent(actor=actor, action="demo_hapus", row_count=removed))
    return removed


def _data_vocab(name: str):
    from settings import DATA_DIR

    return DATA_DIR / "vocab" / f"{name}.csv"
