"""Append-only audit log: a SHA-256 hash chain and a signed head.

Write the audit row in the same transaction as the change it records: call :func:`record` inside
``with store.db.transaction(con):``. Those transactions run one at a time in this process (DuckDB
lets one process own the file), so each append sees the previous one and the chain never forks.

Every append also moves the *head* (table ``audit_head``: row count, id and hash of the newest
row), signed with HMAC-SHA256 under a key the database does not hold — ``$SIGAP_AUDIT_KEY`` (hex)
or the file ``audit.key`` (mode 0600) beside the database file; an in-memory database gets a key
that lives as long as the process. Someone who can write the database can still delete the
newest rows, or edit a row and recompute every hash after it, but cannot sign a head that
matches; :func:`verify_chain` names what it found (SECURITY.md §11–12).

On a database that had audit rows before the head existed (migration 070), the first record or
verification signs the chain as it stands then: the head vouches for truncation and re-chaining
only from that moment (``mulai_id``, ``mulai_ts``); rows before it are covered by the chain alone.
Keep the key out of the backups (or the backups of the key apart from those of the database);
a database moved without its key no longer verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from store.db import in_transaction, lock, transaction

__all__ = ["AuditError", "AuditEvent", "BREAK_KINDS", "ChainCheck", "GENESIS", "KEY_ENV", "KEY_FILE",
           "audit_key", "last_audit_id", "chain_digest", "database_path", "key_file", "read_audit", "record", "verify_chain"]

GENESIS = "0" * 64
KEY_ENV = "SIGAP_AUDIT_KEY"
KEY_FILE = "audit.key"
BREAK_KINDS = ("diubah", "putus", "terpotong", "dirantai_ulang", "kepala_hilang")

_COLUMNS = "id, ts_utc, actor, role, region, action, object, detail, row_count, outcome, prev_hash, hash"
_HEAD_COLUMNS = "n, last_id, hash, mulai_id, mulai_ts, sig"
_KEYS: dict[str, bytes] = {}
_KEYS_LOCK = threading.Lock()
_EPHEMERAL_KEY = secrets.token_bytes(32)


class AuditError(RuntimeError):
    """The audit log cannot be written or its key cannot be read; the message says why."""


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


@dataclass(frozen=True, eq=False)
class ChainCheck:
    """What :func:`verify_chain` found.

    Attributes
    ----------
    ok : bool
        True when every row matches its hash, every row links to the one before, and the chain
        ends where the signed head says.
    kind : str or None
        None when ``ok``; otherwise one of :data:`BREAK_KINDS`: ``"diubah"`` (a row's hash does
        not match its content), ``"putus"`` (a row's previous hash does not link),
        ``"terpotong"`` (the newest row the head signed is gone: rows were cut off the end),
        ``"dirantai_ulang"`` (the head's signature is invalid, or the chain no longer ends in
        the hash the head signed: rows were removed or changed and the hashes recomputed),
        ``"kepala_hilang"`` (the signed head was deleted).
    row_id : int or None
        The first bad row, or the newest row the head signed (``terpotong``,
        ``dirantai_ulang``); None when ``ok`` or when no row can be named.
    rows : int
        Rows checked.
    message : str
        One sentence in Bahasa Indonesia for people.

    Notes
    -----
    Older callers unpack ``ok, row_id = verify_chain(con)`` or compare with ``(True, None)``;
    both still work.
    """

    ok: bool
    kind: str | None
    row_id: int | None
    rows: int
    message: str

    def __iter__(self):
        return iter((self.ok, self.row_id))

    def __eq__(self, other):
        if isinstance(other, tuple):
            return (self.ok, self.row_id) == other
        if isinstance(other, ChainCheck):
            return (self.ok, self.kind, self.row_id, self.rows, self.message) == (
                other.ok, other.kind, other.row_id, other.rows, other.message)
        return NotImplemented

    def __hash__(self):
        return hash((self.ok, self.kind, self.row_id, self.rows, self.message))


@dataclass(frozen=True)
class _Head:
    n: int | None
    last_id: int | None
    hash: str | None
    mulai_id: int | None
    mulai_ts: datetime | None
    sig: str | None


# --- hashing and signing ------------------------------------------------------------------

def chain_digest(prev_hash: str, ts: datetime, event: AuditEvent, detail_json: str | None) -> str:
    """The hash of one audit row: SHA-256 over the previous hash and the row's content.

    Parameters
    ----------
    prev_hash : str
        Hash of the row before (:data:`GENESIS` for the first row).
    ts : datetime
        The row's ``ts_utc``.
    event : AuditEvent
        The row's content (its ``detail`` is ignored: ``detail_json`` is hashed instead).
    detail_json : str or None
        The ``detail`` column exactly as stored.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    payload = json.dumps(
        [prev_hash, ts.isoformat(), event.actor, event.role, event.region, event.action,
         event.object, detail_json, event.row_count, event.outcome],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_digest = chain_digest  # the old private name


def _sign(key: bytes, n: int, last_id: int, last_hash: str, mulai_id: int, mulai_ts: datetime) -> str:
    message = json.dumps(["sigap-audit-head-v1", n, last_id, last_hash, mulai_id, mulai_ts.isoformat()],
                         separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _signed(head: _Head, key: bytes) -> bool:
    if head.sig is None or None in (head.n, head.last_id, head.hash, head.mulai_id, head.mulai_ts):
        return False
    expected = _sign(key, head.n, head.last_id, head.hash, head.mulai_id, head.mulai_ts)
    return hmac.compare_digest(expected, head.sig)


# --- the key, kept outside the database ---------------------------------------------------

def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the connection's current database (None for ``:memory:``); for a PostgreSQL
    server, the stand-in path beside which its key file lives (:meth:`store.pg.PgConnection.key_path`)."""
    if hasattr(con, "key_path"):
        return con.key_path()
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(path[0]).resolve() if path and path[0] and path[0] != ":memory:" else None


def key_file(db_file: str | Path) -> Path:
    """Where the audit key of a database file lives when ``$SIGAP_AUDIT_KEY`` is not set."""
    return Path(db_file).resolve().parent / KEY_FILE


def audit_key(db_file: str | Path | None) -> bytes:
    """The key that signs the audit head of ``db_file``.

    ``$SIGAP_AUDIT_KEY`` (hexadecimal, at least 16 bytes) when set; otherwise :func:`key_file`,
    created with 32 random bytes and mode 0600 on first use; for an in-memory database (None) a
    key that lives as long as this process.

    Raises
    ------
    AuditError
        If ``$SIGAP_AUDIT_KEY`` or the key file is not valid hexadecimal of at least 16 bytes.
    """
    configured = os.environ.get(KEY_ENV, "").strip()
    if configured:
        return _parse_key(configured, f"${KEY_ENV}")
    if db_file is None:
        return _EPHEMERAL_KEY
    path = key_file(db_file)
    with _KEYS_LOCK:
        if str(path) not in _KEYS:
            _KEYS[str(path)] = _load_or_create_key(path)
        return _KEYS[str(path)]


def _parse_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise AuditError(f"Kunci audit di {where} tidak sah: harus heksadesimal, minimal 32 digit (16 bita).")
    return key


def _load_or_create_key(path: Path) -> bytes:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return _parse_key(path.read_text(encoding="ascii"), str(path))
    key = secrets.token_bytes(32)
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")
    return key


# --- writing ------------------------------------------------------------------------------

def last_audit_id(con: duckdb.DuckDBPyConnection) -> int:
    """Id of the newest audit row (0 when none): every write appends one, so it marks the data's
    version for caches shared by several processes."""
    return int(con.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0])


def record(con: duckdb.DuckDBPyConnection, event: AuditEvent) -> str:
    """Append ``event`` to the log, move the signed head, and return the row's hash.

    Call it inside the caller's ``with transaction(con):`` so the change, its audit row and the
    head commit together; called outside one, it opens its own.

    Raises
    ------
    AuditError
        If the head changed under this append (someone wrote it outside SIGAP) or the key is
        unreadable; the enclosing transaction then rolls back.
    """
    if not in_transaction():
        with transaction(con):
            return _append(con, event)
    return _append(con, event)


def _append(con: duckdb.DuckDBPyConnection, event: AuditEvent) -> str:
    lock(con, "audit")  # one chain across every process: appends wait for each other
    last = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    last_id, last_hash = last if last else (0, GENESIS)
    heads = _read_heads(con)
    key = audit_key(database_path(con))
    ts = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    detail_json = (json.dumps(event.detail, ensure_ascii=False, sort_keys=True, default=str)
                   if event.detail else None)
    digest = chain_digest(last_hash, ts, event, detail_json)
    new_id = con.execute(
        "INSERT INTO audit (ts_utc, actor, role, region, action, object, detail, row_count, outcome, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [ts, event.actor, event.role, event.region, event.action, event.object, detail_json,
         event.row_count, event.outcome, last_hash, digest],
    ).fetchone()[0]
    head = heads[0] if len(heads) == 1 else None
    if head is None:
        return digest  # deleted or duplicated head: leave it so for verify_chain to report
    if head.sig is None:  # not started yet: vouch from here on
        n = con.execute("SELECT count(*) FROM audit WHERE id < ?", [new_id]).fetchone()[0]
        start = _Head(n, last_id, last_hash, last_id, ts, None)
    elif _signed(head, key) and head.last_id == last_id and head.hash == last_hash:
        start = head
    else:
        return digest  # forged, truncated or re-chained: never re-sign over it
    _move_head(con, key, old_sig=head.sig, n=start.n + 1, last_id=new_id, last_hash=digest,
               mulai_id=start.mulai_id, mulai_ts=start.mulai_ts)
    return digest


def _read_heads(con: duckdb.DuckDBPyConnection) -> list[_Head]:
    return [_Head(*row) for row in con.execute(f"SELECT {_HEAD_COLUMNS} FROM audit_head").fetchall()]


def _move_head(con, key: bytes, *, old_sig: str | None, n: int, last_id: int, last_hash: str, mulai_id: int,
               mulai_ts: datetime) -> None:
    sig = _sign(key, n, last_id, last_hash, mulai_id, mulai_ts)
    moved = con.execute(
        "UPDATE audit_head SET n = ?, last_id = ?, hash = ?, mulai_id = ?, mulai_ts = ?, sig = ? "
        "WHERE id = 1 AND sig IS NOT DISTINCT FROM ? RETURNING id",
        [n, last_id, last_hash, mulai_id, mulai_ts, sig, old_sig],
    ).fetchall()
    if len(moved) != 1:
        raise AuditError("Kepala jejak audit berubah di tengah pencatatan (ditulis dari luar SIGAP?). "
                         "Tindakan dibatalkan; periksa dengan: python -m sigap audit --verify")


def _start_head(con: duckdb.DuckDBPyConnection, key: bytes) -> bool:
    """Sign the chain as it stands if the head is still "not started"; True if this call did."""
    with transaction(con):
        heads = _read_heads(con)
        if len(heads) != 1 or heads[0].sig is not None:
            return False
        n, last_id = con.execute("SELECT count(*), coalesce(max(id), 0) FROM audit").fetchone()
        last = con.execute("SELECT hash FROM audit WHERE id = ?", [last_id]).fetchone()
        ts = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        _move_head(con, key, old_sig=None, n=n, last_id=last_id, last_hash=last[0] if last else GENESIS,
                   mulai_id=last_id, mulai_ts=ts)
        return True


# --- reading and verifying ----------------------------------------------------------------

def read_audit(con: duckdb.DuckDBPyConnection, *, action: str | None = None, actor: str | None = None,
               region: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """The newest audit rows, optionally filtered by action and actor; with ``region``, only rows
    written by actors inside that region (what a regional admin may read)."""
    where, params = ["true"], []
    if region:
        where.append("(region = ? OR starts_with(region, ? || '.'))")
        params.extend([region, region])
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


def verify_chain(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Recompute the chain and compare its end with the signed head.

    Rows and head are read in one snapshot. While the head is still "not started" (a database
    from before migration 070, or one with no audit row yet) and the chain is intact, this signs
    it as it stands; the head vouches from then on.

    Returns
    -------
    ChainCheck
        ``ok``, ``kind``, ``row_id``, ``rows`` and ``message``.
    """
    rows, heads, path = _snapshot(con)
    broken = _walk(rows)
    if broken is not None:
        return broken
    intact = f"Rantai jejak audit utuh ({len(rows)} baris)"
    if heads is None:
        return ChainCheck(True, None, None, len(rows),
                          f"{intact}, tetapi basis data ini belum punya kepala bertanda tangan (belum "
                          "dimigrasi): pemotongan belum dapat dideteksi.")
    key = audit_key(path)
    if len(heads) == 1 and heads[0].sig is None:
        cur = con.cursor()
        try:
            started = _start_head(cur, key)
        except duckdb.Error:  # read-only connection: report without signing
            return ChainCheck(True, None, None, len(rows), f"{intact}; kepala bertanda tangan belum dimulai.")
        finally:
            cur.close()
        if started:
            return ChainCheck(True, None, None, len(rows),
                              f"{intact}. Kepala bertanda tangan baru dimulai sekarang: pemotongan dan "
                              "penyusunan ulang terdeteksi mulai saat ini.")
        rows, heads, path = _snapshot(con)  # someone started it meanwhile: check against theirs
        broken = _walk(rows)
        if broken is not None:
            return broken
    return _compare_head(rows, heads, key)


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[_Head] | None, Path | None]:
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            rows = cur.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY id").fetchall()
            has_head = cur.execute("SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_name = 'audit_head' AND table_catalog = current_database()"
                                   ).fetchone()[0]
            heads = _read_heads(cur) if has_head else None
            path = database_path(cur)
        finally:
            cur.execute("COMMIT")
    finally:
        cur.close()
    return rows, heads, path


def _walk(rows: list[tuple]) -> ChainCheck | None:
    """The first row whose hash does not match its content or does not link to the row before."""
    expected_prev = GENESIS
    for (rid, ts, actor, role, region, action, obj, detail, row_count, outcome, prev, digest) in rows:
        event = AuditEvent(actor=actor, action=action, outcome=outcome, role=role, region=region,
                           object=obj, row_count=row_count)
        if chain_digest(prev, ts, event, detail) != digest:
            return ChainCheck(False, "diubah", rid, len(rows),
                              f"Jejak audit diubah: isi baris {rid} tidak cocok lagi dengan hash-nya.")
        if prev != expected_prev:
            return ChainCheck(False, "putus", rid, len(rows),
                              f"Rantai jejak audit putus di baris {rid}: hash sebelumnya tidak menyambung "
                              "(ada baris yang dihapus atau disisipkan).")
        expected_prev = digest
    return None


def _compare_head(rows: list[tuple], heads: list[_Head], key: bytes) -> ChainCheck:
    count = len(rows)
    if not heads:
        return ChainCheck(False, "kepala_hilang", None, count,
                          "Kepala bertanda tangan jejak audit hilang (dihapus): pemotongan tidak lagi dapat "
                          "dideteksi.")
    if len(heads) > 1 or not _signed(heads[0], key):
        return ChainCheck(False, "dirantai_ulang", None, count,
                          "Tanda tangan kepala jejak audit tidak sah: kepala diubah, atau kunci audit bukan "
                          "kunci yang menandatanganinya.")
    head = heads[0]
    hashes = {row[0]: row[-1] for row in rows}
    if head.last_id and head.last_id not in hashes:
        return ChainCheck(False, "terpotong", head.last_id, count,
                          f"Jejak audit terpotong: kepala bertanda tangan mencatat {head.n} baris sampai "
                          f"baris {head.last_id}, tetapi baris itu sudah tidak ada ({count} baris tersisa).")
    if head.last_id and hashes[head.last_id] != head.hash:
        return ChainCheck(False, "dirantai_ulang", head.last_id, count,
                          f"Jejak audit disusun ulang: hash baris {head.last_id} tidak sama dengan yang "
                          "ditandatangani kepala (baris diubah atau dihapus lalu hash dihitung ulang).")
    covered = sum(1 for rid in hashes if rid <= head.last_id)
    if covered != head.n:
        return ChainCheck(False, "dirantai_ulang", head.last_id, count,
                          f"Jejak audit disusun ulang: kepala bertanda tangan mencatat {head.n} baris sampai "
                          f"baris {head.last_id}, yang ada {covered}.")
    extra = sorted(rid for rid in hashes if rid > head.last_id)
    if extra:
        return ChainCheck(False, "dirantai_ulang", extra[0], count,
                          f"Jejak audit memuat {len(extra)} baris sesudah kepala bertanda tangan (mulai "
                          f"baris {extra[0]}) yang tidak ditulis lewat SIGAP.")
    since = "awal" if not head.mulai_id else f"baris {head.mulai_id} ({head.mulai_ts:%Y-%m-%d %H:%M} UTC)"
    return ChainCheck(True, None, None, count,
                      f"Rantai jejak audit utuh: {count} baris, cocok dengan kepala bertanda tangan "
                      f"(yang menjamin sejak {since}).")
