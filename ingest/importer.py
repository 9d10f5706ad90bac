"""An import, end to end: read → map columns → validate → resolve regions → commit as one batch.

``prepare`` does everything that can fail without touching the database; ``commit`` writes the
accepted rows, the batch record and its audit row in one transaction (all or nothing), skips
rows already stored (content hash, natural key) and flags probable duplicates from other
sources for review. ``undo_batch`` removes a batch the same way.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from ingest.presets import PRESETS, apply_preset, detect_preset, known_columns
from ingest.readers import read_table
from ingest.resolve import RegionIndex, resolve_regions
from ingest.validate import PROBLEM_COLUMNS, problems_frame, type_and_validate
from reports.safe import neutralise_frame
from store.audit import AuditEvent, record
from store.db import transaction

__all__ = ["ImportResult", "Prepared", "commit_import", "errors_xlsx", "list_batches", "prepare_import",
           "undo_batch"]

#: Test-only fault injection: seconds to wait inside the transaction before COMMIT.
PAUSE_ENV = "SIGAP_UJI_JEDA_IMPOR"

_INCIDENT_COLUMNS = [
    "sumber", "id_sumber", "hash_isi", "tgl_mulai", "tgl_selesai", "presisi_waktu", "kode_prov", "kode_kab",
    "kode_kec", "lat", "lon", "presisi_lokasi", "status_lokasi", "kategori", "subkategori", "bentuk", "sifat",
    "bidang", "athg", "aktor1", "aktor2", "tewas", "luka", "pengungsi", "eskalasi", "status_penanganan", "judul",
    "kronologi", "sumber_info", "klasifikasi", "status_verifikasi", "dibuat_oleh",
]


@dataclass
class Prepared:
    """A checked file, ready to commit."""

    filename: str
    sha256: str
    preset: str
    rows: pd.DataFrame          # incident columns for every file row (valid or not)
    row_numbers: pd.Series
    problems: pd.DataFrame      # errors: the row is left out
    confirm: pd.DataFrame       # rows that need the user's confirmation (baris, wilayah, catatan)
    notes: pd.DataFrame         # accepted rows with a warning (baris, catatan), e.g. swapped lat/lon
    valid: pd.Series            # bool per row: no error
    needs_confirmation: pd.Series

    @property
    def accepted_rows(self) -> int:
        return int((self.valid & ~self.needs_confirmation).sum())


@dataclass(frozen=True)
class ImportResult:
    """What a committed import did."""

    batch: int | None
    rows: int
    accepted: int
    rejected: int
    duplicates: int
    probable_duplicates: int = 0
    problems: pd.DataFrame = field(default_factory=lambda: problems_frame([]))

    def summary(self) -> dict:
        """The JSON line of ``python -m sigap import``."""
        return {"batch": self.batch, "rows": self.rows, "accepted": self.accepted, "rejected": self.rejected,
                "duplicates": self.duplicates}


def _vocab(con) -> dict[str, set[str]]:
    rows = con.execute("SELECT daftar, kode FROM vocab").fetchall()
    out: dict[str, set[str]] = {}
    for daftar, kode in rows:
        out.setdefault(daftar, set()).add(kode)
    return out


def prepare_import(con: duckdb.DuckDBPyConnection, data: bytes, filename: str, locator, *,
                   preset: str | None = None, mapping: dict[str, str] | None = None,
                   user: str = "tamu", max_bytes: int = 10 * 1024 * 1024) -> Prepared:
    """Read and check a file; nothing is written.

    Raises
    ------
    ingest.readers.ReadError
        The file cannot be read as a table at all.
    ValueError
        Unknown preset, or no preset fits and no mapping was given.
    """
    raw = read_table(data, filename, known_columns() | set(mapping or {}), max_bytes=max_bytes)
    preset = preset or ("sigap" if mapping else detect_preset(raw.frame.columns))
    if preset is None:
        raise ValueError(f"{filename}: format kolom tidak dikenali; pilih preset (sigap, acled, ucdp) atau "
                         "petakan kolomnya")
    canonical = apply_preset(raw.frame, preset, mapping)
    typed = type_and_validate(canonical, raw.row_numbers, _vocab(con))
    regions = RegionIndex.from_regions(con.execute(
        "SELECT kode, level, nama, jenis, kode_induk, kode_prov FROM regions").df())
    where = resolve_regions(canonical, typed.frame["lintang"], typed.frame["bujur"], regions, locator,
                            swapped=typed.frame["_tertukar"])
    region_problems = where.loc[where["galat"].notna()]
    problems = pd.concat([typed.problems, problems_frame([
        {"baris": int(raw.row_numbers.loc[i]), "kolom": r.galat_kolom,
         "nilai": canonical.at[i, r.galat_kolom] if r.galat_kolom in canonical.columns else "",
         "alasan": r.galat, "perbaikan": "periksa nama/kode wilayah atau koordinat"}
        for i, r in region_problems.iterrows()])], ignore_index=True)
    problems = problems.sort_values(["baris", "kolom"], kind="stable").reset_index(drop=True)
    bad_rows = set(problems["baris"])
    valid = ~raw.row_numbers.isin(bad_rows)
    rows = _incident_rows(canonical, typed.frame, where, PRESETS[preset].source, user)
    confirm_mask = where["perlu_konfirmasi"].astype(bool) & valid
    confirm = pd.DataFrame({"baris": raw.row_numbers[confirm_mask], "kode_kab": where.loc[confirm_mask, "kode_kab"],
                            "catatan": where.loc[confirm_mask, "catatan"]}).reset_index(drop=True)
    noted = valid & ~confirm_mask & (where["catatan"] != "")
    notes = pd.DataFrame({"baris": raw.row_numbers[noted], "catatan": where.loc[noted, "catatan"]}).reset_index(drop=True)
    return Prepared(filename=filename, sha256=hashlib.sha256(data).hexdigest(), preset=preset, rows=rows,
                    row_numbers=raw.row_numbers, problems=problems, confirm=confirm, notes=notes, valid=valid,
                    needs_confirmation=confirm_mask)


def _incident_rows(c: pd.DataFrame, t: pd.DataFrame, w: pd.DataFrame, source: str, user: str) -> pd.DataFrame:
    precision = pd.to_numeric(c["presisi_lokasi"], errors="coerce")
    has_point = w["lat"].notna() & w["lon"].notna()
    default_precision = np.where(has_point, 1, np.where(w["kode_kec"].notna(), 2, 3))
    return pd.DataFrame({
        "sumber": source, "id_sumber": c["id_sumber"].str.strip().replace("", None),
        "tgl_mulai": t["tanggal"].dt.date, "tgl_selesai": t["tanggal_selesai"].dt.date, "presisi_waktu": 1,
        "kode_prov": w["kode_prov"], "kode_kab": w["kode_kab"], "kode_kec": w["kode_kec"],
        "lat": w["lat"].where(has_point), "lon": w["lon"].where(has_point),
        "presisi_lokasi": precision.where(precision.between(1, 4), default_precision).astype("Int64"),
        "status_lokasi": w["status_lokasi"],
        "kategori": t["kategori"], "subkategori": c["subkategori"].replace("", None),
        "bentuk": t["bentuk"].replace("", None), "sifat": t["sifat"], "bidang": t["bidang"].replace("", None),
        "athg": t["athg"].replace("", None), "aktor1": c["aktor_1"].replace("", None),
        "aktor2": c["aktor_2"].replace("", None), "tewas": t["tewas"], "luka": t["luka"],
        "pengungsi": t["pengungsi"], "eskalasi": t["eskalasi"], "status_penanganan": t["status_penanganan"],
        "judul": t["judul"], "kronologi": c["kronologi"].replace("", None), "sumber_info": c["sumber"].replace("", None),
        "klasifikasi": t["klasifikasi"], "status_verifikasi": "diajukan", "dibuat_oleh": user,
    })


def commit_import(con: duckdb.DuckDBPyConnection, prepared: Prepared, user, *,
                  confirmed_rows: set[int] | None = None) -> ImportResult:
    """Store the valid rows of ``prepared`` as one batch (one transaction with its audit row).

    Rows that need confirmation are stored only when their file row number is in
    ``confirmed_rows``; the others count as rejected. ``user`` must hold the ``impor`` permission.
    """
    from auth.roles import require

    require(user, "impor")
    confirmed_rows = confirmed_rows or set()
    confirmed = prepared.row_numbers.isin(confirmed_rows)
    take = prepared.valid & (~prepared.needs_confirmation | confirmed)
    rows = prepared.rows.loc[take].copy()
    rows["dibuat_oleh"] = user.username
    total = len(prepared.rows)
    with transaction(con):
        batch = con.execute(
            "INSERT INTO import_batches (nama_berkas, sha256, sumber, pengguna, baris) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id", [prepared.filename, prepared.sha256, prepared.preset, user.username, total]).fetchall()[0][0]
        con.register("_impor", rows.assign(batch_id=batch))
        # content hash in SQL: the same report imported twice gets the same hash
        con.execute(
            "CREATE TEMP TABLE _baru AS SELECT *, md5(concat_ws('|', sumber, coalesce(id_sumber, ''), tgl_mulai, "
            "kode_kab, kategori, lower(trim(judul)), coalesce(round(lat, 5)::VARCHAR, ''), "
            "coalesce(round(lon, 5)::VARCHAR, ''))) AS hash_baru FROM _impor")
        con.unregister("_impor")
        inserted = con.execute(
            f"INSERT INTO incidents ({', '.join(c for c in _INCIDENT_COLUMNS if c != 'hash_isi')}, hash_isi, batch_id) "
            f"SELECT {', '.join(c for c in _INCIDENT_COLUMNS if c != 'hash_isi')}, hash_baru, batch_id FROM ("
            "  SELECT *, row_number() OVER (PARTITION BY hash_baru) AS salinan FROM _baru) b "
            "WHERE salinan = 1 AND NOT EXISTS (SELECT 1 FROM incidents i WHERE NOT i.dihapus AND "
            "  (i.hash_isi = b.hash_baru OR (b.id_sumber IS NOT NULL AND i.sumber = b.sumber AND i.id_sumber = b.id_sumber)))"
            " RETURNING id").fetchall()
        con.execute("DROP TABLE _baru")
        accepted = len(inserted)
        duplicates = len(rows) - accepted
        rejected = total - len(rows)
        con.execute("UPDATE import_batches SET diterima = ?, ditolak = ?, duplikat = ? WHERE id = ?",
                    [accepted, rejected, duplicates, batch])
        probable = _flag_probable_duplicates(con, batch)
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor",
                               object=f"batch:{batch}", row_count=accepted,
                               detail={"berkas": prepared.filename, "sha256": prepared.sha256, "ditolak": rejected,
                                       "duplikat": duplicates}))
        pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
        if pause:
            time.sleep(pause)
    return ImportResult(batch=batch, rows=total, accepted=accepted, rejected=rejected, duplicates=duplicates,
                        probable_duplicates=probable, problems=prepared.problems)


def _flag_probable_duplicates(con, batch: int, days: int = 1, km: float = 5.0, min_score: float = 60.0) -> int:
    """Pairs (new, older from another source): same kabupaten and category, within ``days`` and
    ``km``, similar titles → ``kemungkinan_duplikat`` for review. Nothing is merged."""
    pairs = con.execute(
        "SELECT n.id, o.id, n.judul, o.judul, "
        "  CASE WHEN n.lat IS NULL OR o.lat IS NULL THEN NULL ELSE "
        "  6371 * 2 * asin(sqrt(pow(sin(radians(o.lat - n.lat) / 2), 2) + cos(radians(n.lat)) * cos(radians(o.lat)) "
        "  * pow(sin(radians(o.lon - n.lon) / 2), 2))) END AS km "
        "FROM incidents n JOIN incidents o ON o.kode_kab = n.kode_kab AND o.kategori = n.kategori "
        "  AND abs(date_diff('day', o.tgl_mulai, n.tgl_mulai)) <= ? AND o.batch_id <> n.batch_id "
        "  AND o.sumber <> n.sumber AND NOT o.dihapus "
        "WHERE n.batch_id = ?", [days, batch]).fetchall()
    keep = []
    for new, old, t_new, t_old, dist in pairs:
        if dist is not None and dist > km:
            continue
        score = fuzz.token_set_ratio(str(t_new).lower(), str(t_old).lower())
        if score >= min_score:
            keep.append((new, old, float(score), dist))
    if keep:
        con.executemany("INSERT INTO kemungkinan_duplikat (id_baru, id_lama, skor, jarak_km) VALUES (?, ?, ?, ?)",
                        keep)
    return len(keep)


def undo_batch(con: duckdb.DuckDBPyConnection, batch: int, user) -> int:
    """Remove a batch's incidents (one transaction with its audit row); return how many."""
    from auth.roles import require

    require(user, "impor")
    exists = con.execute("SELECT sintetis FROM import_batches WHERE id = ? AND dibatalkan_pada IS NULL",
                         [batch]).fetchall()
    if not exists:
        raise ValueError(f"batch {batch} tidak ada atau sudah dibatalkan")
    with transaction(con):
        con.execute("DELETE FROM kemungkinan_duplikat WHERE id_baru IN (SELECT id FROM incidents WHERE batch_id = ?) "
                    "OR id_lama IN (SELECT id FROM incidents WHERE batch_id = ?)", [batch, batch])
        removed = con.execute("DELETE FROM incidents WHERE batch_id = ? RETURNING id", [batch]).fetchall()
        con.execute("UPDATE import_batches SET dibatalkan_pada = current_timestamp WHERE id = ?", [batch])
        record(con, AuditEvent(actor=user.username, role=user.role, action="batal_impor", object=f"batch:{batch}",
                               row_count=len(removed)))
    return len(removed)


def list_batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Import batches, newest first."""
    return con.execute("SELECT id, nama_berkas, sumber, pengguna, dibuat_pada, baris, diterima, ditolak, duplikat, "
                       "sintetis, dibatalkan_pada FROM import_batches ORDER BY id DESC").df()


def errors_xlsx(problems: pd.DataFrame) -> bytes:
    """The problem table as an XLSX workbook (text written as text, never as formulas)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        neutralise_frame(problems[PROBLEM_COLUMNS]).to_excel(xl, sheet_name="Masalah", index=False)
        xl.sheets["Masalah"].set_column(0, 1, 14)
        xl.sheets["Masalah"].set_column(2, 4, 50)
    return buffer.getvalue()
