"""Export of 100k incidents to XLSX: SIGAP (xlsxturbo, formula-safe, metadata sheet) against a
naive pandas ``to_excel`` with openpyxl, in the same run.

Run: ``.venv/bin/python -m bench.bench_export [--rows 100000]``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Issue 6 asks for an XLSX export of 100k incidents within 10 s; we aim for 5 s on the 2-core machine.
TARGETS_SECONDS = {"target issue 6": 10.0, "sasaran": 5.0}


def main(argv=None):
    from auth.identity import User
    from bench.bench_dashboard import _fill
    from bench.common import id_number
    from reports.exports import export_data
    from store import connect
    from store.incidents import IncidentFilter, Scope, query_incidents
    from store.regions import load_regions_into

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "e.duckdb")
        load_regions_into(con)
        _fill(con, args.rows)
        start = time.perf_counter()
        out = export_data(con, "xlsx", IncidentFilter(), User("bench", "analis", None, "Rahasia"))
        ours = time.perf_counter() - start
        start = time.perf_counter()
        rows = query_incidents(con, IncidentFilter(), Scope(None, "Rahasia"))
        rows.to_excel(io.BytesIO(), engine="openpyxl", index=False)
        naive = time.perf_counter() - start
    reached = "; ".join(f"{name} (≤ {id_number(limit, 0)} s) {'tercapai' if ours <= limit else 'belum tercapai'}"
                        for name, limit in TARGETS_SECONDS.items())
    print("| ukuran | SIGAP | cara naif | catatan |")
    print("|---|---|---|---|")
    print(f"| Ekspor {id_number(args.rows, 0)} insiden ke XLSX "
          f"| {id_number(ours)} s ({id_number(out.rows, 0)} baris, aman-rumus, lembar metadata, xlsxturbo) "
          f"| {id_number(naive)} s (pandas `to_excel`, openpyxl, tanpa pengaman rumus) "
          f"| {id_number(naive / ours)}× lebih cepat; {reached} |")


if __name__ == "__main__":
    main()
