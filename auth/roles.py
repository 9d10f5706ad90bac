"""What each role may do, and where: write functions call :func:`require` and
:func:`require_in_scope` themselves (hiding a widget is only a convenience).

A user's *scope* is a Kemendagri region code: ``None`` (national), a province (``"63"``) or a
kabupaten/kota (``"63.72"``). A code lies inside a scope when it is the scope itself or one of
its descendants (``"63.72.01"`` lies inside ``"63"`` and ``"63.72"``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["ACTIONS", "PERMISSIONS", "PermissionDenied", "allowed", "in_scope", "in_scope_mask",
           "is_national_admin", "require", "require_in_scope", "scope_label"]

ACTIONS = ("lihat", "ekspor", "impor", "ubah", "verifikasi", "kelola_pengguna", "lihat_audit")
PERMISSIONS = {
    "admin": frozenset(ACTIONS),
    "analis": frozenset({"lihat", "ekspor", "impor", "ubah", "verifikasi"}),
    "pimpinan": frozenset({"lihat", "ekspor"}),
}


class PermissionDenied(PermissionError):
    """The user's role or scope does not allow the action (message in Bahasa Indonesia)."""


def allowed(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"aksi tidak dikenal: {action!r} (pilihan: {', '.join(ACTIONS)})")
    return action in PERMISSIONS.get(role, frozenset())


def require(user, action: str) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` (anything with ``.role``) may do ``action``."""
    if user is None or not allowed(getattr(user, "role", ""), action):
        role = getattr(user, "role", "tamu") if user is not None else "tamu"
        raise PermissionDenied(f"Peran {role} tidak berwenang untuk '{action}'.")


def scope_label(region: str | None) -> str:
    """``"nasional"`` or the region code, for messages."""
    return "nasional" if region is None else region


def in_scope(region: str | None, code: str | None) -> bool:
    """Whether region ``code`` lies inside the scope ``region`` (None = national)."""
    if region is None:
        return True
    return code is not None and (code == region or code.startswith(region + "."))


def in_scope_mask(region: str | None, codes) -> np.ndarray:
    """:func:`in_scope` for a column of codes at once (missing codes lie outside any region)."""
    codes = pd.Series(codes, dtype="object")
    if region is None:
        return np.ones(len(codes), dtype=bool)
    text = codes.fillna("").astype(str)
    return ((text == region) | text.str.startswith(region + ".")).to_numpy()


def require_in_scope(user, codes: Iterable[str | None], action: str) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may do ``action`` and every code lies in
    the user's scope; the message names up to five codes outside it."""
    require(user, action)
    outside = sorted({str(c) for c in codes if not in_scope(user.region, c)})
    if outside:
        shown = ", ".join(outside[:5]) + (" …" if len(outside) > 5 else "")
        raise PermissionDenied(f"Wilayah {shown} di luar cakupan Anda ({scope_label(user.region)}).")


def is_national_admin(user) -> bool:
    """An admin without a region: the only one who may change national data such as calendars."""
    return user is not None and getattr(user, "role", None) == "admin" and getattr(user, "region", "x") is None
