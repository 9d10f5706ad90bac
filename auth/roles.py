"""What each role may do; write functions call :func:`require` themselves (hiding a widget is
only a convenience)."""

from __future__ import annotations

__all__ = ["ACTIONS", "PERMISSIONS", "PermissionDenied", "allowed", "require"]

ACTIONS = ("lihat", "ekspor", "impor", "ubah", "verifikasi", "kelola_pengguna", "lihat_audit")
PERMISSIONS = {
    "admin": frozenset(ACTIONS),
    "analis": frozenset({"lihat", "ekspor", "impor", "ubah", "verifikasi"}),
    "pimpinan": frozenset({"lihat", "ekspor"}),
}
_ROLE_NAMES = {"admin": "admin", "analis": "analis", "pimpinan": "pimpinan"}


class PermissionDenied(PermissionError):
    """The user's role does not allow the action."""


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
