"""Why a region scores as it does, in words a reader outside the office understands — the one
home of the IPK's reasons for the Indeks page, Ruang Pimpinan and the briefing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.ipk import INCIDENT_INDICATORS
from analysis.panel import normalise_quarter
from analysis.triwulan import previous_quarter
from lang import number

__all__ = ["plain_reasons"]


def _number(value, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    return number(value, decimals)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def plain_reasons(result, profile, panel: pd.DataFrame, quarter: str, regions: pd.DataFrame,
                  eskalasi_names: dict[str, str] | None = None) -> pd.Series:
    """Why each region scores as it does, in words a reader outside the office understands.

    The two indicators that add most to a region's index (the ranking of
    :func:`analysis.ipk.compute_quarter_ipk`) are told by what was recorded: "12 insiden
    tercatat", "3 orang tewas", "insiden di 4 dari 9 kecamatan", "naik dari 2 menjadi 7 insiden
    dibanding triwulan sebelumnya" — recorded counts, never the projected or weighted values.

    Parameters
    ----------
    result : analysis.ipk.IPKResult
    profile : analysis.profile.Profile
    panel : pandas.DataFrame
        The panel the result was computed from (``kode, triwulan`` and counts).
    regions : pandas.DataFrame
        ``kode, jumlah_kec`` in the order of the result.
    """
    q = normalise_quarter(quarter)
    labels = panel["triwulan"].map(normalise_quarter) if len(panel) else panel.get("triwulan", pd.Series(dtype=str))
    now = panel.loc[labels == q].set_index("kode") if len(panel) else pd.DataFrame()
    before = panel.loc[labels == previous_quarter(q)].set_index("kode") if len(panel) else pd.DataFrame()
    running = result.elapsed < 1
    total = sum(d.bobot for d in profile.dimensi) or 1.0
    keys, parts = [], []
    for d in profile.dimensi:
        inner = sum(i.bobot for i in d.indikator) or 1.0
        for i in d.indikator:
            keys.append(i)
            scaled = result.indicators[i.kode].to_numpy(dtype=float) if i.kode in result.indicators else (
                np.zeros(len(regions)))
            parts.append(d.bobot / total * i.bobot / inner * scaled)
    matrix = np.column_stack(parts) if parts else np.zeros((len(regions), 0))
    order = np.argsort(-matrix, axis=1, kind="stable")
    codes = regions["kode"].tolist()
    kecamatan = regions["jumlah_kec"].tolist() if "jumlah_kec" in regions else [0] * len(codes)
    notes = result.scores["catatan_kelas"].tolist() if "catatan_kelas" in result.scores else [""] * len(codes)
    names = eskalasi_names or {}

    def count(frame: pd.DataFrame, code: str, column: str) -> int:
        if frame.empty or code not in frame.index or column not in frame.columns:
            return 0
        value = frame.at[code, column]
        return int(value) if pd.notna(value) else 0

    so_far = " sejauh ini" if running else ""
    out = []
    for row, code in enumerate(codes):
        n = count(now, code, "jumlah")
        picked = [keys[k].kode for k in order[row] if matrix[row, k] > 0]
        words: list[str] = []
        counted = False
        for kode in picked:
            if len(words) == 2:
                break
            text = None
            if kode in ("skor_kejadian", "jumlah") and n and not counted:
                text, counted = f"{_number(n)} insiden tercatat{so_far}", True
            elif kode == "eskalasi_maks" and count(now, code, "eskalasi_maks"):
                level = count(now, code, "eskalasi_maks")
                text = f"eskalasi tertinggi {names.get(str(level), 'tingkat ' + str(level))} ({level} dari 5)"
            elif kode in ("tewas", "luka", "pengungsi") and count(now, code, kode):
                verb = {"tewas": "orang tewas", "luka": "orang luka", "pengungsi": "orang mengungsi"}[kode]
                text = f"{_number(count(now, code, kode))} {verb}"
            elif kode == "sebaran_kecamatan" and count(now, code, "kec_terdampak"):
                text = f"insiden di {count(now, code, 'kec_terdampak')} dari {int(kecamatan[row])} kecamatan"
            elif kode == "kenaikan" and n > count(before, code, "jumlah"):
                if counted:
                    text = f"naik dari {count(before, code, 'jumlah')} pada triwulan sebelumnya"
                else:
                    text = (f"naik dari {count(before, code, 'jumlah')} menjadi {n} insiden{so_far} dibanding "
                            "triwulan sebelumnya")
                    counted = True
            elif kode not in INCIDENT_INDICATORS:
                value = result.values[kode].iloc[row] if result.values is not None and kode in result.values else None
                text = f"{next(i.nama for i in keys if i.kode == kode)} {_number(value, 1)}"
            if text and text not in words:
                words.append(text)
        if not words and n:
            words.append(f"{_number(n)} insiden tercatat{so_far}")
        if not words:
            words.append("belum ada insiden tercatat; skor dari rata-rata triwulan rujukan (proyeksi triwulan "
                         "berjalan)" if running and picked else "tidak ada insiden tercatat")
        sentence = _sentence("; ".join(words))
        if notes[row]:
            sentence += f". {notes[row]}"
        out.append(sentence)
    return pd.Series(out, index=regions.index, name="alasan")
