"""Sign-in, lock-out, roles, scope and the audit trail."""

from datetime import datetime, timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from auth.identity import User
from auth.passwords import PolicyError, check_policy, hash_password, one_time_password, verify_password
from auth.roles import PermissionDenied, allowed, require
from auth.session import SessionTimes, expired_reason
from services.accounts import MAX_FAILURES, AuthError, authenticate, change_password, create_user, unlock
from store import connect
from store.audit import verify_chain
from store.incidents import IncidentFilter, query_incidents
from tests.conftest import ROOT

GOOD = "Banjarbaru2026"


@pytest.fixture
def con(fresh_db):
    """Users need the regions table: their region must be a real province or kabupaten/kota."""
    connection = connect(fresh_db)
    yield connection
    connection.close()


def _actions(con):
    return [r[0] for r in con.execute("SELECT action FROM audit ORDER BY id").fetchall()]


def test_passwords_are_argon2_and_checked():
    digest = hash_password(GOOD)
    assert digest.startswith("$argon2id$") and GOOD not in digest
    assert verify_password(digest, GOOD) and not verify_password(digest, "salah")
    assert not verify_password("bukan-hash", GOOD)
    otp = one_time_password()
    check_policy(otp)


@pytest.mark.parametrize("password, message", [
    ("pendek1", "minimal 10 karakter"),
    ("tanpaangkasama", "memuat angka"),
    ("1234567890", "memuat huruf"),
    ("analis_bjb2026", "tidak memuat nama pengguna"),
])
def test_password_policy_names_what_is_missing(password, message):
    with pytest.raises(PolicyError, match=message):
        check_policy(password, "analis_bjb")


def test_roles_table():
    assert allowed("analis", "impor") and allowed("pimpinan", "ekspor")
    assert not allowed("pimpinan", "impor") and not allowed("pimpinan", "ubah")
    with pytest.raises(PermissionDenied, match="pimpinan tidak berwenang untuk 'impor'"):
        require(User("g", "pimpinan", None, "Rahasia"), "impor")
    with pytest.raises(PermissionDenied):
        require(None, "lihat")
    with pytest.raises(ValueError, match="aksi tidak dikenal"):
        allowed("admin", "terbang")


def test_sign_in_and_audit(con):
    secret = create_user(con, "analis_bjb", "analis", "63.72", actor="admin")
    user = authenticate(con, "analis_bjb", secret)
    assert user == User("analis_bjb", "analis", "63.72", "Terbatas", True)
    change_password(con, "analis_bjb", secret, GOOD)
    assert authenticate(con, "analis_bjb", GOOD).must_change_password is False
    assert _actions(con) == ["pengguna_dibuat", "login", "ganti_sandi", "login"]
    assert verify_chain(con) == (True, None)


def test_five_wrong_passwords_lock_the_account(con):
    create_user(con, "pimpinan63", "pimpinan", "63", "Rahasia", password=GOOD)
    now = datetime(2026, 11, 22, 8, 0)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthError, match="Nama pengguna atau kata sandi salah"):
            authenticate(con, "pimpinan63", "salah", now=now)
    with pytest.raises(AuthError, match="akun sedang terkunci"):
        authenticate(con, "pimpinan63", "salah", now=now)
    with pytest.raises(AuthError, match="akun sedang terkunci"):  # even the right password, while locked
        authenticate(con, "pimpinan63", GOOD, now=now + timedelta(minutes=5))
    assert authenticate(con, "pimpinan63", GOOD, now=now + timedelta(minutes=16)).role == "pimpinan"
    actions = _actions(con)
    assert actions.count("login_gagal") == MAX_FAILURES + 1 and "akun_terkunci" in actions
    unlock(con, "pimpinan63", actor="admin")
    assert _actions(con)[-1] == "kunci_dibuka"


def test_unknown_user_gets_the_same_message(con):
    with pytest.raises(AuthError, match="Nama pengguna atau kata sandi salah"):
        authenticate(con, "tidak_ada", "apa saja")
    assert _actions(con) == ["login_gagal"]


def test_bad_user_definitions_are_refused(con):
    with pytest.raises(AuthError, match="peran tidak dikenal"):
        create_user(con, "x", "raja")
    with pytest.raises(ValueError, match="kode wilayah cakupan tidak sah"):
        create_user(con, "y", "analis", "63.7")
    with pytest.raises(AuthError, match="kode wilayah 63.99 tidak ada"):
        create_user(con, "w", "analis", "63.99")  # well-formed but not a Kemendagri region
    with pytest.raises(AuthError, match="kode wilayah 99 tidak ada"):
        create_user(con, "v", "pimpinan", "99")
    create_user(con, "z", "analis")
    with pytest.raises(AuthError, match="sudah ada"):
        create_user(con, "z", "analis")


def test_session_limits():
    start = datetime(2026, 11, 22, 8, 0)
    times = SessionTimes(start, start + timedelta(hours=1))
    assert expired_reason(times, start + timedelta(hours=1, minutes=29)) is None
    assert "tidak aktif 30 menit" in expired_reason(times, start + timedelta(hours=1, minutes=30))
    busy = SessionTimes(start, start + timedelta(hours=7, minutes=59))
    assert "8 jam" in expired_reason(busy, start + timedelta(hours=8))


def test_kabupaten_user_scope_comes_from_the_user_record(con):
    con.execute("INSERT INTO import_batches (nama_berkas, sumber, pengguna) VALUES ('t', 'uji', 'u')")
    for kab in ("63.71", "63.72"):
        con.execute("INSERT INTO incidents (batch_id, sumber, hash_isi, tgl_mulai, kode_prov, kode_kab, kategori, "
                    "judul, dibuat_oleh) VALUES (1, 'uji', ?, DATE '2025-01-01', '63', ?, 'SDA', 'x', 'u')",
                    [kab, kab])
    create_user(con, "analis_bjb", "analis", "63.72", password=GOOD)
    user = authenticate(con, "analis_bjb", GOOD)
    rows = query_incidents(con, IncidentFilter(kab="63.71"), user.scope)
    assert rows.empty
    assert list(query_incidents(con, IncidentFilter(), user.scope)["kode_kab"]) == ["63.72"]


# --- the sign-in gate in the app ---------------------------------------------------------

@pytest.fixture
def auth_app(fresh_db, monkeypatch):
    con = connect(fresh_db)
    create_user(con, "admin", "admin", None, "Rahasia", password=GOOD)
    con.execute("UPDATE users SET must_change_password = false WHERE username = 'admin'")
    create_user(con, "baru", "pimpinan", "63", password="Sementara123")
    con.close()
    monkeypatch.setenv("SIGAP_DB", str(fresh_db))
    monkeypatch.delenv("SIGAP_AUTH", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield fresh_db
    st.cache_resource.clear()


def _sign_in(at, name, password):
    at.text_input(key="masuk_nama").input(name)
    at.text_input(key="masuk_sandi").input(password)
    at.button[0].click()
    return at.run()


def test_signed_out_users_see_only_the_sign_in(auth_app):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "SIGAP — Masuk"
    assert not at.metric  # no map figures, no data
    assert len(at.title) == 1


def test_sign_in_opens_the_map_and_admin_page(auth_app):
    at = _sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "admin", GOOD)
    assert not at.exception
    assert at.title[0].value == "Peta Potensi Konflik"
    at.switch_page("pages/screens/admin.py").run()
    assert not at.exception
    assert at.title[0].value == "Pengguna & Audit"


def test_first_sign_in_forces_a_password_change(auth_app):
    at = _sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "baru", "Sementara123")
    assert at.title[0].value == "Ganti kata sandi"
    at.text_input(key="sandi_lama").input("Sementara123")
    at.text_input(key="sandi_baru").input("Kalsel2026aman")
    at.text_input(key="sandi_ulang").input("Kalsel2026aman")
    at.button[0].click()
    at.run()
    assert not at.exception
    # a leader lands on the dashboard of their own province (scope from the user record)
    assert at.title[0].value == "Ruang Pimpinan — Kalimantan Selatan"


def test_five_wrong_passwords_in_the_app_lock(auth_app):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    for _ in range(MAX_FAILURES):
        at = _sign_in(at, "admin", "salah-sekali")
    assert "akun sedang terkunci" in at.error[0].value
    at = _sign_in(at, "admin", GOOD)
    assert "akun sedang terkunci" in at.error[0].value


def test_pimpinan_does_not_get_the_admin_page(auth_app):
    con = connect(auth_app)
    con.execute("UPDATE users SET must_change_password = false WHERE username = 'baru'")
    con.close()
    at = _sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "baru", "Sementara123")
    assert at.title[0].value.startswith("Ruang Pimpinan")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/screens/admin.py")  # not registered for this role at all


@pytest.mark.parametrize("page", ["admin", "peta", "pimpinan", "indeks", "hotspot", "impor", "ekspor"])
def test_a_page_run_outside_the_navigation_shows_only_the_sign_in(fresh_db, monkeypatch, page):
    """Streamlit runs pages/*.py on their own after a server start; even with a user in the
    session such a run is not routed by app.py and must show no data."""
    monkeypatch.setenv("SIGAP_DB", str(fresh_db))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "screens" / f"{page}.py"), default_timeout=60)
    at.session_state["pengguna"] = User("analis", "analis", None, "Terbatas")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["SIGAP — Masuk"]
    assert not at.dataframe and not at.metric


SSO_SECRETS = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "uji",
                        "client_id": "sigap", "client_secret": "rahasia",
                        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}


def test_sso_maps_a_registered_email_to_its_sigap_role(auth_app):
    con = connect(auth_app)
    create_user(con, "bupati", "pimpinan", "63.72", "Rahasia", email="Bupati@BanjarbaruKota.go.id")
    con.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": "bupati@banjarbarukota.go.id"}
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Ruang Pimpinan")  # a leader lands on the dashboard
    assert at.session_state["pengguna"].region == "63.72"


def test_sso_refuses_an_unregistered_email(auth_app):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": "orang.lain@example.com"}
    at.run()
    assert at.title[0].value == "SIGAP — Masuk"
    assert "belum terdaftar" in at.info[0].value
    import gc

    st.cache_resource.clear()  # let the app's connection go before opening our own
    gc.collect()
    con = connect(auth_app)
    assert con.execute("SELECT count(*) FROM audit WHERE action = 'login_gagal'").fetchall()[0][0] == 1


def test_sign_in_form_offers_sso_only_when_configured(auth_app):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not [b for b in at.button if b.key == "masuk_sso"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert [b for b in at.button if b.key == "masuk_sso"]
