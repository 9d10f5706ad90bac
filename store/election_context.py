"""Per-region election facts (candidate pairs, incumbent, past disputes) and official indices
(Bawaslu IKP, Polri IPKP), imported from a table with their data dates."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from ingest.parse import parse_dates, parse_numbers
from ingest.validate import problems_frame
from store.audit import AuditEvent, record
from store.db import transaction

__all__ = ["COLUMNS", "ContextError", "import_context", "load_context", "stale"]

COLUMNS = ("kode", "jumlah_paslon", "petahana", "sengketa_lalu", "ikp", "ikp_tanggal", "ipkp", "ipkp_tanggal", "sumber")
IPKP_CLASSES = ("kurang rawan", "rawan", "sangat rawan")
_YES = {"ya": True, "y": True, "1": True, "true": True, "tidak": False, "t": False, "0": False, "false": False, "": None}


class ContextError(ValueError):
    """The table has problems; ``problems`` lists them by row and column."""

    def __init__(self, problems: pd.DataFrame):
        super().__init__(f"{len(problems)} masalah pada tabel; tidak ada yang disimpan")
        self.problems = problems


def import_context(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, pemilihan: str, user) -> int:
    """Validate and store the context rows of one election inside ``user``'s region; all or nothing.

    The rows replace what the election held for the regions inside the user's region, and only
    those: a row for a region outside it is a problem, and other regions' rows stay as they are.
    """
    from auth.roles import in_scope_mask, require, scope_label

    require(user, "impor")
    raw = table.rename(columns=lambda c: str(c).strip().lower()).astype(str).replace({"nan": ""})
    missing = [c for c in ("kode",) if c not in raw.columns]
    if missing:
        raise ContextError(problems_frame([{"baris": 1, "kolom": c, "nilai": "", "alasan": "kolom wajib tidak ada",
                                            "perbaikan": f"kolom yang dikenal: {', '.join(COLUMNS)}"} for c in missing]))
    for column in COLUMNS:
        raw[column] = raw.get(column, "").str.strip() if column in raw else ""
    rows = pd.Series(range(2, len(raw) + 2), index=raw.index)
    kab = {r[0] for r in con.execute("SELECT kode FROM regions WHERE level = 'kab'").fetchall()}
    out = pd.DataFrame({"pemilihan": pemilihan, "kode": raw["kode"]})
    out["jumlah_paslon"] = parse_numbers(raw["jumlah_paslon"])
    out["petahana"] = raw["petahana"].str.lower().map(_YES)
    out["sengketa_lalu"] = parse_numbers(raw["sengketa_lalu"])
    out["ikp"] = parse_numbers(raw["ikp"])
    out["ikp_tanggal"] = parse_dates(raw["ikp_tanggal"]).dt.date
    out["ipkp"] = raw["ipkp"].str.lower().replace("", None)
    out["ipkp_tanggal"] = parse_dates(raw["ipkp_tanggal"]).dt.date
    out["sumber"] = raw["sumber"].replace("", None)
    checks = [
        (~out["kode"].isin(kab), "kode", "bukan kode kabupaten/kota", "isi kode seperti 63.72"),
        (out["kode"].isin(kab) & ~in_scope_mask(user.region, out["kode"]), "kode",
         f"di luar cakupan Anda ({scope_label(user.region)})", "isi hanya kabupaten/kota dalam wilayah Anda"),
        ((raw["jumlah_paslon"] != "") & ~out["jumlah_paslon"].between(1, 20), "jumlah_paslon", "bukan angka 1–20",
         "isi jumlah pasangan calon"),
        (raw["petahana"].str.lower().map(_YES).isna() & (raw["petahana"] != ""), "petahana", "bukan ya/tidak",
         "isi ya atau tidak"),
        ((raw["ikp"] != "") & ~out["ikp"].between(0, 100), "ikp", "bukan skor 0–100", "isi skor IKP Bawaslu"),
        (out["ikp"].notna() & out["ikp_tanggal"].isna(), "ikp_tanggal", "tanggal data IKP wajib diisi",
         "isi tanggal terbit IKP, mis. 16/12/2022"),
        (out["ipkp"].notna() & ~out["ipkp"].isin(IPKP_CLASSES), "ipkp", "kelas IPKP tidak dikenal",
         "isi kurang rawan, rawan atau sangat rawan"),
        (out["ipkp"].notna() & out["ipkp_tanggal"].isna(), "ipkp_tanggal", "tanggal data IPKP wajib diisi",
         "isi tanggal terbit IPKP"),
    ]
    problems = problems_frame([
        {"baris": int(rows[i]), "kolom": column, "nilai": raw.at[i, column], "alasan": reason, "perbaikan": fix}
        for mask, column, reason, fix in checks for i in raw.index[mask.fillna(False).to_numpy()]])
    if len(problems):
        raise ContextError(problems)
    out["diimpor_oleh"] = user.username
    with transaction(con):
        con.execute("DELETE FROM konteks_pemilihan WHERE pemilihan = ? AND (? IS NULL OR kode = ? "
                    "OR starts_with(kode, ? || '.'))", [pemilihan, user.region, user.region, user.region])
        con.register("_konteks", out)
        con.execute("INSERT INTO konteks_pemilihan (pemilihan, kode, jumlah_paslon, petahana, sengketa_lalu, ikp, "
                    "ikp_tanggal, ipkp, ipkp_tanggal, sumber, diimpor_oleh) SELECT pemilihan, kode, jumlah_paslon, "
                    "petahana, sengketa_lalu, ikp, ikp_tanggal, ipkp, ipkp_tanggal, sumber, diimpor_oleh FROM _konteks")
        con.unregister("_konteks")
        record(con, AuditEvent(actor=user.username, role=user.role, region=user.region, action="impor_konteks",
                               object=pemilihan, row_count=len(out)))
    return len(out)


def load_context(con: duckdb.DuckDBPyConnection, pemilihan: str, region: str | None = None) -> pd.DataFrame:
    """Context rows of an election (within ``region`` if given) with ``catatan`` flags in words."""
    frame = con.execute(
        "SELECT kode, jumlah_paslon, petahana, sengketa_lalu, ikp, ikp_tanggal, ipkp, ipkp_tanggal, sumber "
        "FROM konteks_pemilihan WHERE pemilihan = ? AND (? IS NULL OR starts_with(kode, ?)) ORDER BY kode",
        [pemilihan, region, region]).df()
    notes = []
    for row in frame.itertuples(index=False):
        words = []
        pairs = row.jumlah_paslon if pd.notna(row.jumlah_paslon) else None
        if pairs == 1:
            words.append("calon tunggal (kotak kosong)")
        elif pairs == 2:
            words.append("dua pasangan calon")
        if pd.notna(row.petahana) and bool(row.petahana):
            words.append("petahana maju")
        if pd.notna(row.sengketa_lalu) and row.sengketa_lalu > 0:
            words.append(f"{int(row.sengketa_lalu)} sengketa sebelumnya")
        notes.append(", ".join(words))
    return frame.assign(catatan=notes)


def stale(data_date, today: date | None = None, years: float = 1.0) -> bool:
    """True when an index's data date is older than ``years`` (shown as a warning next to it)."""
    if data_date is None or pd.isna(data_date):
        return True
    today = today or date.today()
    return (pd.Timestamp(today) - pd.Timestamp(data_date)).days > 365 * years
