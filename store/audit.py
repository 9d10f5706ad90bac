"""Append-only audit log with a SHA-256 hash chain.

Write the audit row in the same transaction as the change it records (pass the same
connection/cursor inside ``BEGIN … COMMIT``); :func:`verify_chain` detects edited or deleted rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pandas as pd

__all__ = ["AuditEvent", "GENESIS", "read_audit", "record", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """Who did what: one row of the audit log, before hashing."""

    actor: str
    action: str
    outcome: str = "ok"
    role: str | None = None
    region: str | None = None
    object: str | None = None
    detail: dict | None = None
    row_count: int | None = None


def _digest(prev_hash: str, ts: datetime, event: AuditEvent, detail_json: str | None) -> str:
    payload = json.dumps(
        [prev_hash, ts.isoformat(), event.actor, event.role, event.region, event.action,
         event.object, detail_json, event.row_count, event.outcome],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(con: duckdb.DuckDBPyConnection, event: AuditEvent) -> str:
    """Append ``event`` to the log and return its hash.

    Call it inside the caller's transaction so the change and its audit row commit together.
    """
    prev = con.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev_hash = prev[0] if prev else GENESIS
    ts = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    detail_json = json.dumps(event.detail, ensure_ascii=False, sort_keys=True, default=str) if event.detail else None
    digest = _digest(prev_hash, ts, event, detail_json)
    con.execute(
        "INSERT INTO audit (ts_utc, actor, role, region, action, object, detail, row_count, outcome, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [ts, event.actor, event.role, event.region, event.action, event.object, detail_json,
         event.row_count, event.outcome, prev_hash, digest],
    )
    return digest


def read_audit(con: duckdb.DuckDBPyConnection, *, action: str | None = None, actor: str | None = None,
               limit: int = 1000) -> pd.DataFrame:
    """The newest audit rows, optionally filtered by action and actor."""
    where, params = ["true"], []
    if action:
        where.append("action = ?")
        params.append(action)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    params.append(int(limit))
    return con.execute(
        f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?", params
    ).df()


def verify_chain(con: duckdb.DuckDBPyConnection) -> tuple[bool, int | None]:
    """Recompute the chain; return ``(True, None)`` or ``(False, id of the first bad row)``."""
    prev_hash = GENESIS
    rows = con.execute(
        "SELECT id, ts_utc, actor, role, region, action, object, detail, row_count, outcome, prev_hash, hash "
        "FROM audit ORDER BY id"
    ).fetchall()
    for (rid, ts, actor, role, region, action, obj, detail, row_count, outcome, prev, digest) in rows:
        event = AuditEvent(actor=actor, action=action, outcome=outcome, role=role, region=region,
                           object=obj, row_count=row_count)
        if prev != prev_hash or _digest(prev_hash, ts, event, detail) != digest:
            return False, rid
        prev_hash = digest
    return True, None
