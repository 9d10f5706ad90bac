"""Reading an ACLED-shaped XLSX export (15,000 rows × 31 columns): SIGAP's reader (bounds checks,
then calamine) and SIGAP's whole import check, against plain ``pandas.read_excel`` with openpyxl,
in the same run; and how fast a zip bomb like issue 11's is refused.

Run: ``.venv/bin/python -m bench.bench_xlsx [--rows 15000]``.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: ACLED's export columns, in its order.
ACLED_COLUMNS = [
    "EVENT_ID_CNTY", "EVENT_DATE", "YEAR", "TIME_PRECISION", "DISORDER_TYPE", "EVENT_TYPE", "SUB_EVENT_TYPE",
    "ACTOR1", "ASSOC_ACTOR_1", "INTER1", "ACTOR2", "ASSOC_ACTOR_2", "INTER2", "INTERACTION",
    "CIVILIAN_TARGETING", "ISO", "REGION", "COUNTRY", "ADMIN1", "ADMIN2", "ADMIN3", "LOCATION", "LATITUDE",
    "LONGITUDE", "GEO_PRECISION", "SOURCE", "SOURCE_SCALE", "NOTES", "FATALITIES", "TAGS", "TIMESTAMP",
]
# (disorder type, event type, sub-event type, actor 1, inter 1, actor 2, inter 2, civilian targeting)
_EVENTS = [
    ("Demonstrations", "Protests", "Peaceful protest", "Protesters (Indonesia)", 6, "", 0, ""),
    ("Demonstrations", "Protests", "Protest with intervention", "Protesters (Indonesia)", 6,
     "Police Forces of Indonesia (2014-2024)", 1, ""),
    ("Demonstrations", "Riots", "Violent demonstration", "Rioters (Indonesia)", 5, "", 0, ""),
    ("Political violence", "Riots", "Mob violence", "Rioters (Indonesia)", 5, "Civilians (Indonesia)", 7,
     "Civilian targeting"),
    ("Political violence", "Battles", "Armed clash", "Military Forces of Indonesia (2014-2024)", 1,
     "TPNPB: West Papua National Liberation Army", 2, ""),
    ("Political violence", "Violence against civilians", "Attack", "Unidentified Armed Group (Indonesia)", 3,
     "Civilians (Indonesia)", 7, "Civilian targeting"),
    ("Strategic developments", "Strategic developments", "Arrests", "Police Forces of Indonesia (2014-2024)", 1,
     "Civilians (Indonesia)", 7, ""),
    ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED",
     "Unidentified Armed Group (Indonesia)", 3, "", 0, ""),
]
_SOURCES = [("Kompas", "National"), ("Antara", "National"), ("Tribun Kaltim", "Subnational"),
            ("Jubi", "Subnational"), ("Detik", "National"), ("Serambi Indonesia", "Subnational")]
_NOTES = ("On {date}, {actor} gathered in {place} ({kab}, {prov}) over {topic}. {outcome} "
          "Local officials said the situation was under control.")
_TOPICS = ["a land dispute with a palm oil company", "fuel price increases", "the results of the regional "
           "election", "alleged vote buying", "a mining permit", "the arrest of a village head"]
_OUTCOMES = ["The crowd dispersed peacefully.", "Police fired tear gas to disperse the crowd.",
             "Several shops were damaged.", "No injuries were reported.", ""]


def acled_frame(rows: int, seed: int = 11) -> pd.DataFrame:
    """ACLED-shaped events at points inside real kecamatan, named as ACLED names them (province,
    kabupaten/kota without "Kabupaten"/"Kota", kecamatan)."""
    from geo.boundaries import load_regions

    rng = np.random.default_rng(seed)
    kec = load_regions("kec")
    kab = load_regions("kab").set_index("kode")["nama"]
    prov = load_regions("prov").set_index("kode")["nama"]
    points = kec.geometry.representative_point()
    pick = rng.integers(0, len(kec), rows)
    chosen = kec.iloc[pick]
    kab_names = kab.reindex(chosen["kode_induk"]).str.replace(r"^(Kabupaten|Kota) (Administrasi )?", "",
                                                               regex=True).to_numpy()
    prov_names = prov.reindex(chosen["kode_prov"]).to_numpy()
    events = [_EVENTS[i] for i in rng.integers(0, len(_EVENTS), rows)]
    sources = [_SOURCES[i] for i in rng.integers(0, len(_SOURCES), rows)]
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, rows), unit="D")
    fatalities = rng.poisson(0.2, rows)
    places = chosen["nama"].to_numpy()
    notes = [_NOTES.format(date=d.strftime("%-d %B %Y"), actor=e[3].split(" (")[0].lower(), place=p, kab=k,
                           prov=v, topic=_TOPICS[i % len(_TOPICS)], outcome=_OUTCOMES[i % len(_OUTCOMES)])
             for i, (d, e, p, k, v) in enumerate(zip(dates, events, places, kab_names, prov_names))]
    return pd.DataFrame({
        "EVENT_ID_CNTY": [f"IDN{20000 + i}" for i in range(rows)],
        "EVENT_DATE": dates, "YEAR": dates.year, "TIME_PRECISION": rng.integers(1, 4, rows),
        "DISORDER_TYPE": [e[0] for e in events], "EVENT_TYPE": [e[1] for e in events],
        "SUB_EVENT_TYPE": [e[2] for e in events], "ACTOR1": [e[3] for e in events],
        "ASSOC_ACTOR_1": np.where(rng.random(rows) < 0.3, "Students (Indonesia)", ""),
        "INTER1": [e[4] for e in events], "ACTOR2": [e[5] for e in events], "ASSOC_ACTOR_2": "",
        "INTER2": [e[6] for e in events], "INTERACTION": [e[4] * 10 + e[6] for e in events],
        "CIVILIAN_TARGETING": [e[7] for e in events], "ISO": 360, "REGION": "Southeast Asia",
        "COUNTRY": "Indonesia", "ADMIN1": prov_names, "ADMIN2": kab_names, "ADMIN3": places,
        "LOCATION": places, "LATITUDE": np.round(points.y.to_numpy()[pick], 4),
        "LONGITUDE": np.round(points.x.to_numpy()[pick], 4), "GEO_PRECISION": rng.choice([1, 1, 2, 3], rows),
        "SOURCE": [s[0] for s in sources], "SOURCE_SCALE": [s[1] for s in sources], "NOTES": notes,
        "FATALITIES": fatalities, "TAGS": np.where(rng.random(rows) < 0.2, "crowd size=no report", ""),
        "TIMESTAMP": 1_700_000_000 + rng.integers(0, 30_000_000, rows),
    })[ACLED_COLUMNS]


def acled_xlsx(frame: pd.DataFrame) -> bytes:
    """The frame as ACLED's export writes it: one sheet, dates as date cells, numbers as numbers."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        frame.to_excel(xl, sheet_name="Sheet1", index=False)
    return buffer.getvalue()


def bomb_xlsx(template: bytes, megabytes: int = 300) -> bytes:
    """``template`` (an XLSX) with its sheet replaced by ``megabytes`` MB of near-identical rows, which
    deflate packs about 290× (issue 11's workbook: 1.3 MB expanding 242×)."""
    sheet = "xl/worksheets/sheet1.xml"
    row = b'<row><c><v>45432</v></c><c t="inlineStr"><is><t>laporan kejadian</t></is></c></row>' * 12_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            if member.filename != sheet:
                out.writestr(member.filename, source.read(member))
        with out.open(sheet, "w", force_zip64=True) as stream:
            stream.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         b"<sheetData>")
            for _ in range(megabytes):
                stream.write(row)
            stream.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main(argv=None):
    from auth.identity import User
    from bench.common import id_number
    from geo.locate import load_locator
    from ingest.importer import prepare_import
    from ingest.limits import MAX_CELLS, Limits, workbook_problem, zip_problem
    from ingest.presets import known_columns
    from ingest.readers import ReadError, read_table
    from store import connect
    from store.regions import load_regions_into

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=15_000)
    args = parser.parse_args(argv)
    frame = acled_frame(args.rows)
    data = acled_xlsx(frame)
    unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    locator = load_locator()
    user = User("bench", "analis", None, "Rahasia")
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "x.duckdb")
        load_regions_into(con)
        # the page has the region index warm after its first import; build it here too
        prepare_import(con, acled_xlsx(frame.head(5)), "pemanasan.xlsx", locator, user=user)
        _, guard = _timed(lambda: zip_problem(data, "acled.xlsx", Limits())
                          or workbook_problem(data, "acled.xlsx", "xlsx", Limits()))
        raw, read = _timed(lambda: read_table(data, "acled.xlsx", known_columns()))
        prepared, whole = _timed(lambda: prepare_import(con, data, "acled.xlsx", locator, user=user))
        naive_frame, naive = _timed(lambda: pd.read_excel(io.BytesIO(data), engine="openpyxl"))
        con.close()
    assert len(raw.frame) == len(naive_frame) == args.rows
    bomb = bomb_xlsx(acled_xlsx(frame.head(5)))
    bomb_unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def refuse():
        try:
            read_table(bomb, "bom.xlsx", known_columns())
        except ReadError:
            return "ditolak"
        return "TIDAK ditolak"
    refused, t_bomb = _timed(refuse)
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    size = f"{id_number(len(data) / 1e6)} MB, {id_number(unpacked / 1e6, 0)} MB terbuka"
    cells = args.rows * len(ACLED_COLUMNS)
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Baca XLSX ekspor ACLED {id_number(args.rows, 0)} × {len(ACLED_COLUMNS)} ({size}) "
          f"| {id_number(read, 2)} s (`read_table`: batas zip, ukuran asli, rentang sel {id_number(guard, 2)} s; "
          f"lalu calamine, semua sel teks, nomor baris Excel) "
          f"| {id_number(naive, 2)} s (`pandas.read_excel`, openpyxl, tanpa pemeriksaan) "
          f"| {id_number(naive / read)}× lebih cepat; {id_number(cells, 0)} sel dari batas "
          f"{id_number(MAX_CELLS, 0)} |")
    print(f"| Periksa impor lengkap berkas yang sama (`prepare_import`: baca, preset ACLED, validasi, "
          f"wilayah dari titik) | {id_number(whole, 2)} s | {id_number(naive, 2)} s hanya untuk membaca "
          f"| {id_number(int(prepared.valid.sum()), 0)} baris valid, {id_number(len(prepared.problems), 0)} "
          f"masalah; {id_number(naive / whole)}× lebih cepat daripada pandas membaca saja |")
    print(f"| Bom zip: XLSX {id_number(len(bomb) / 1e6)} MB yang terbuka menjadi "
          f"{id_number(bomb_unpacked / 1e6, 0)} MB ({id_number(bomb_unpacked / len(bomb), 0)}×) "
          f"| {refused} dalam {id_number(t_bomb * 1000)} ms, memori +{id_number(max(rss_growth, 0), 0)} MB "
          f"| tidak dijalankan (issue 11: pandas/openpyxl 323 s dan 2,4 GB sebelum galat) "
          f"| `read_table` membaca direktori zip saja lalu menolak |")


if __name__ == "__main__":
    main()
