"""Sign-in under load: a lock-out that holds, every refusal audited, one answer for every refusal
and no username oracle in the timing (SECURITY.md §11)."""

import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from services.accounts import MAX_FAILURES, REFUSED, AuthError, authenticate, create_user, unlock
from store.audit import verify_chain

GOOD = "Banjarbaru2026"


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def _in_parallel(n, work):
    """Run ``work(i)`` in ``n`` threads released together; each result or the exception raised."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _attempt(con, username, password):
    cur = con.cursor()  # one cursor per thread (SECURITY.md §4)
    try:
        return authenticate(cur, username, password)
    finally:
        cur.close()


def _refusal(con, username, password, now=None):
    with pytest.raises(AuthError) as refused:
        authenticate(con, username, password, now=now)
    return str(refused.value)


def test_thirty_parallel_wrong_passwords_lock_the_account_and_are_all_audited(con):
    create_user(con, "sasaran", "analis", password=GOOD)
    results = _in_parallel(30, lambda i: _attempt(con, "sasaran", f"salah-{i}"))
    assert [type(r).__name__ for r in results] == ["AuthError"] * 30  # no DuckDB conflict escapes
    assert {str(r) for r in results} == {REFUSED}
    locked_until = con.execute("SELECT locked_until FROM users WHERE username = 'sasaran'").fetchone()[0]
    assert locked_until is not None and locked_until > _utcnow() + timedelta(minutes=14)
    rows = con.execute("SELECT outcome, count(*) FROM audit WHERE actor = 'sasaran' "
                       "AND action = 'login_gagal' GROUP BY outcome").fetchall()
    assert dict(rows) == {"gagal": MAX_FAILURES, "ditolak": 30 - MAX_FAILURES}
    assert con.execute("SELECT count(*) FROM audit WHERE action = 'akun_terkunci'").fetchone()[0] == 1
    assert verify_chain(con).ok
    total, links = con.execute("SELECT count(*), count(DISTINCT prev_hash) FROM audit").fetchone()
    assert total == links  # the chain never forked
    # while locked even the right password gets the very same answer
    assert _refusal(con, "sasaran", GOOD) == REFUSED
    unlock(con, "sasaran", actor="admin")
    assert authenticate(con, "sasaran", GOOD).username == "sasaran"


def test_locked_wrong_and_unknown_get_one_message(con):
    create_user(con, "pimpinan63", "pimpinan", None, "Rahasia", password=GOOD)
    now = datetime(2026, 11, 22, 8, 0)
    wrong = {_refusal(con, "pimpinan63", "salah", now) for _ in range(MAX_FAILURES)}
    locked = _refusal(con, "pimpinan63", GOOD, now + timedelta(minutes=14))
    unknown = _refusal(con, "tidak_ada", GOOD, now)
    assert wrong == {locked} == {unknown} == {REFUSED}
    assert "akun sedang terkunci" in REFUSED
    assert authenticate(con, "pimpinan63", GOOD, now=now + timedelta(minutes=16)).role == "pimpinan"


def test_parallel_right_and_wrong_passwords_keep_the_count(con):
    """Four wrong passwords at once count as four: a fifth locks the account."""
    create_user(con, "hitung", "analis", password=GOOD)
    now = datetime(2026, 11, 22, 8, 0)
    _in_parallel(MAX_FAILURES - 1, lambda i: authenticate(con.cursor(), "hitung", "salah", now=now))
    failures = con.execute("SELECT failed_attempts FROM users WHERE username = 'hitung'").fetchone()[0]
    assert failures == MAX_FAILURES - 1
    assert _refusal(con, "hitung", "salah", now) == REFUSED
    assert _refusal(con, "hitung", GOOD, now + timedelta(minutes=1)) == REFUSED  # locked now


def test_unknown_users_take_as_long_as_known_ones(con):
    create_user(con, "ada", "analis", password=GOOD)
    now = datetime(2026, 11, 22, 8, 0)

    def seconds(username):
        start = time.perf_counter()
        _refusal(con, username, "salah-sekali", now)
        return time.perf_counter() - start

    seconds("belum_ada")  # warm-up: the dummy hash is made once, on first use
    known, unknown = [], []
    for i in range(MAX_FAILURES - 1):  # stay below the lock-out
        known.append(seconds("ada"))
        unknown.append(seconds(f"tidak_ada_{i}"))
    assert statistics.median(unknown) >= 0.5 * statistics.median(known), (known, unknown)
    assert statistics.median(unknown) <= 2.0 * statistics.median(known), (known, unknown)
